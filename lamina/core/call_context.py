"""What an outer call tells the layers it calls.

``training``: an explicit ``training=`` argument wins; otherwise a layer inherits the value of the
call that encloses it; otherwise the default of its own ``call`` signature applies.

``padding_mask``: while the trainer traces a step on a padded (partial) batch, a 0/1 vector over
the batch marks the real rows; layers that compute batch statistics (BatchNormalization) and the
default loss and metrics ignore the padded rows.

``shape_trace``: a trace made only to learn output shapes, whose batch size may be any; layers
that check a fixed batch size (stateful RNNs) let it pass.
"""

import contextlib
import threading

_local = threading.local()


def current_training():
    """The ``training`` value of the enclosing layer call, or ``None``."""
    return getattr(_local, "training", None)


@contextlib.contextmanager
def _setting(name, value):
    previous = getattr(_local, name, None)
    setattr(_local, name, value)
    try:
        yield
    finally:
        setattr(_local, name, previous)


def training_scope(training):
    return _setting("training", training)


def current_padding_mask():
    """A 0/1 array over the batch (1 = real row) while a padded batch is traced, else ``None``."""
    return getattr(_local, "padding_mask", None)


def padding_mask(mask):
    return _setting("padding_mask", mask)


def in_shape_trace():
    """Whether the code runs inside :func:`shape_trace` (a shape-only trace)."""
    return bool(getattr(_local, "shape_trace", False))


def shape_trace():
    """Marks a trace made only to learn shapes (see the module docstring)."""
    return _setting("shape_trace", True)
