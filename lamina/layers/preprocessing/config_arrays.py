"""Array-valued constructor arguments (a vocabulary, a per-channel scale) stored as lists, so
the automatic ``get_config`` can write them as JSON."""

import numpy as np


def listify(value):
    """``value`` with numpy and jax arrays (also inside lists) turned into Python lists.

    >>> listify(np.array([1, 2]))
    [1, 2]
    """
    if hasattr(value, "__array__") and not isinstance(value, (str, bytes)):
        return np.asarray(value).tolist()
    if isinstance(value, (list, tuple)):
        return [listify(v) for v in value]
    return value


def listify_init_args(layer, *names):
    """Rewrites the captured constructor arguments ``names`` of ``layer`` as lists."""
    args = getattr(layer, "_init_args", {})
    for name in names:
        if name in args:
            args[name] = listify(args[name])
