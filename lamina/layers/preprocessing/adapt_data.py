"""What ``adapt()`` accepts: one array, or an iterable of batches (``(x, y)`` tuples allowed)."""

import numpy as np


def is_single_array(data):
    """True for one array-like (numpy, jax, list or tuple of values); False for batch streams."""
    if isinstance(data, (np.generic, str, bytes, int, float)) or hasattr(data, "__array__"):
        return True
    return isinstance(data, (list, tuple)) and (
        not data or not any(_looks_like_batch(item) for item in data))


def _looks_like_batch(item):
    return isinstance(item, np.ndarray) or (hasattr(item, "shape") and len(item.shape) > 0)


def first_of(batch):
    """``x`` from an ``(x, y)`` or ``(x, y, sample_weight)`` batch; the batch itself otherwise."""
    return batch[0] if isinstance(batch, tuple) else batch


def batches(data, steps=None, layer_name="layer"):
    """Yields numpy batches from ``data``: one array gives one batch; a list of arrays or any
    other iterable (a generator, a dataset of batches) gives its items, at most ``steps``."""
    if is_single_array(data):
        yield np.asarray(data)
        return
    if not hasattr(data, "__iter__"):
        raise TypeError(f"{layer_name}.adapt() expects a numpy array or an iterable of batches, "
                        f"received {type(data).__name__}.")
    count = 0
    for i, batch in enumerate(data):
        if steps is not None and i >= steps:
            break
        count += 1
        yield np.asarray(first_of(batch))
    if count == 0:
        raise ValueError(f"{layer_name}.adapt() received an empty iterable; pass at least one "
                         "batch, e.g. `layer.adapt([x])`.")
