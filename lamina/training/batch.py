"""What a compiled step knows about its batch: its structure and the padding of a partial batch."""

import jax

from lamina.core.call_context import current_padding_mask as current_mask
from lamina.core.call_context import padding_mask  # noqa: F401  (re-exported for the engine)


def batch_size_of(x):
    """The number of real rows in the batch being traced (a traced scalar when padded)."""
    mask = current_mask()
    if mask is not None:
        return mask.sum()
    leaves = [leaf for leaf in jax.tree_util.tree_leaves(x) if leaf is not None]
    return leaves[0].shape[0]


def unpack_x_y_sample_weight(data):
    """``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)`` -> ``(x, y, sample_weight)``.

    >>> unpack_x_y_sample_weight((1, 2))
    (1, 2, None)
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError(f"Data should be x, (x,), (x, y) or (x, y, sample_weight); received a tuple "
                     f"of {len(data)} elements.")
