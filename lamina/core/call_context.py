"""What an outer call tells the layers it calls.

``training``: an explicit ``training=`` argument wins; otherwise a layer inherits the value of the
call that encloses it; otherwise the default of its own ``call`` signature applies.

``padding_mask``: while the trainer traces a step on a padded (partial) batch, a 0/1 vector over
the batch marks the real rows; layers that compute batch statistics (BatchNormalization) and the
default loss and metrics ignore the padded rows.
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


def current_padding_mask():
    """A 0/1 array over the batch (1 = real row) while a padded batch is traced, else ``None``."""
    return getattr(_local, "padding_mask", None)


@contextlib.contextmanager
def padding_mask(mask):
    previous = current_padding_mask()
    _local.padding_mask = mask
    try:
        yield
    finally:
        _local.padding_mask = previous
