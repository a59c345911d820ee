"""One streamed batch on the host: standardized to ``(x,)``/``(x, y)``/``(x, y, sw)`` numpy
arrays, checked against the first batch, and padded to the stream's batch size."""

from __future__ import annotations

import jax
import numpy as np

from lamina.training import data as data_module
from lamina.training.adapters.class_weight import class_weight_to_sample_weight

_PARTS = ("x", "y", "sample_weight")


def is_torch(obj):
    """Whether ``obj`` comes from PyTorch, judged by its class's module (torch is never
    imported here)."""
    return type(obj).__module__.split(".")[0] == "torch"


def _array_like(obj):
    return isinstance(obj, (np.ndarray, jax.Array)) or hasattr(obj, "__array__") or is_torch(obj)


def _to_numpy(tree, name):
    """Every leaf as a numpy array; dicts and sequences of arrays keep their structure."""
    if isinstance(tree, dict):
        return {k: _to_numpy(v, f"{name}[{k!r}]") for k, v in tree.items()}
    if isinstance(tree, (list, tuple)) and tree and all(
            _array_like(t) or isinstance(t, dict) for t in tree):
        return type(tree)(_to_numpy(t, f"{name}[{i}]") for i, t in enumerate(tree))
    if is_torch(tree) and hasattr(tree, "numpy"):
        tree = tree.detach().cpu() if hasattr(tree, "detach") else tree
        tree = tree.numpy()
    return data_module.as_arrays(tree, name)


def standardize(batch, where, class_weight=None, allow_nan=False):
    """A batch as a tuple of numpy pytrees, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``,
    with float64 -> float32 and int64 -> int32; ``class_weight`` adds the sample weights.

    >>> standardize(([[1.0], [2.0]], [0, 1]), "batch 0", class_weight={1: 3.0})[2]
    array([1., 3.], dtype=float32)
    """
    if isinstance(batch, list):
        batch = tuple(batch)
    if not isinstance(batch, tuple):
        batch = (batch,)
    if not 1 <= len(batch) <= 3:
        raise ValueError(f"{where} is a tuple of {len(batch)} elements; a batch must be x, "
                         "(x,), (x, y) or (x, y, sample_weight).")
    if len(batch) == 3 and batch[2] is None:
        batch = batch[:2]
    if len(batch) == 2 and batch[1] is None:
        batch = batch[:1]
    try:
        parts = tuple(_to_numpy(part, name) for part, name in zip(batch, _PARTS))
        data_module.check_rows(**dict(zip(_PARTS, parts)))
        if not allow_nan:
            data_module.check_finite(parts[0], "x")
    except (TypeError, ValueError) as error:
        raise type(error)(f"{where}: {error}") from None
    if class_weight is not None:
        parts = _weighted(parts, class_weight, where)
    return parts


def _weighted(parts, class_weight, where):
    if len(parts) == 1:
        raise ValueError(f"{where} has no targets, so `class_weight` cannot be applied; "
                         "yield (x, y) batches.")
    if len(parts) == 3:
        raise ValueError(f"{where} already has sample weights: you cannot use `class_weight` "
                         "and `sample_weight` at the same time.")
    return parts + (class_weight_to_sample_weight(parts[1], class_weight),)


def rows(batch):
    """The number of rows of a standardized batch."""
    return jax.tree_util.tree_leaves(batch)[0].shape[0]


def signature(batch):
    """The structure and leaf dtypes of a batch (shapes may vary between batches)."""
    leaves, treedef = jax.tree_util.tree_flatten(batch)
    return treedef, tuple(str(leaf.dtype) for leaf in leaves)


def describe(batch):
    """A short readable form of a batch's structure, for error messages."""
    return str(jax.tree_util.tree_map(lambda a: f"{a.dtype}{list(a.shape)}", batch))


def pad_to(batch, batch_size):
    """``(batch, mask)``: the rows repeated cyclically to ``batch_size`` rows, and a float32
    0/1 vector marking the real ones (the in-memory path pads the same way).

    >>> padded, mask = pad_to((np.array([1, 2]),), 3)
    >>> padded[0].tolist(), mask.tolist()
    ([1, 2, 1], [1.0, 1.0, 0.0])
    """
    n = rows(batch)
    if n > batch_size:
        raise ValueError(f"A batch of {n} rows cannot be padded to {batch_size} rows.")
    mask = (np.arange(batch_size) < n).astype(np.float32)
    return data_module.padded_rows(batch, 0, n, batch_size), mask


def group(batches, length, batch_size):
    """Concatenates up to ``length`` consecutive batches, each padded to ``batch_size``, into the
    row layout of a compiled chunk (step ``i`` reads rows ``[i * batch_size, ...)``).

    Yields ``(rows, mask, steps)``; only the last group may hold fewer than ``length`` steps.

    >>> out = list(group([(np.ones(2),), (np.ones(2),), (np.ones(1),)], 2, 2))
    >>> [(r[0].shape, m.tolist(), s) for r, m, s in out]
    [((4,), [1.0, 1.0, 1.0, 1.0], 2), ((2,), [1.0, 0.0], 1)]
    """
    pending = []

    def flush():
        padded = [pad_to(b, batch_size) for b in pending]
        data = jax.tree_util.tree_map(lambda *a: np.concatenate(a), *[p[0] for p in padded])
        return data, np.concatenate([p[1] for p in padded]), len(padded)

    for batch in batches:
        pending.append(batch)
        if len(pending) == length:
            yield flush()
            pending = []
    if pending:
        yield flush()
