"""What an outer layer call tells the layers it calls: the ``training`` flag, Keras-style.

An explicit ``training=`` argument wins; otherwise a layer inherits the value of the call that
encloses it; otherwise the default of its own ``call`` signature applies.
"""

import contextlib
import threading

_local = threading.local()


def current_training():
    """The ``training`` value of the enclosing layer call, or ``None``."""
    return getattr(_local, "training", None)


@contextlib.contextmanager
def training_scope(training):
    previous = current_training()
    _local.training = training
    try:
        yield
    finally:
        _local.training = previous
