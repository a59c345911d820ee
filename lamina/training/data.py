"""In-memory data for fit/evaluate/predict: checked once, converted, split, put on the device once."""

from __future__ import annotations

import math

import jax
import numpy as np


def as_arrays(data, argument):
    """A pytree of numpy arrays (float64 -> float32, int64 -> int32), or a clear ``TypeError``."""
    if data is None:
        return None
    if isinstance(data, dict):
        return {k: as_arrays(v, f"{argument}[{k!r}]") for k, v in data.items()}
    if isinstance(data, (list, tuple)) and data and all(_is_array(d) for d in data):
        return type(data)(as_arrays(d, f"{argument}[{i}]") for i, d in enumerate(data))
    try:
        array = np.asarray(data)
    except (ValueError, TypeError) as error:
        raise TypeError(f"`{argument}` could not be read as an array: {error}") from None
    if array.dtype == object or array.dtype.kind in "USV":
        raise TypeError(f"`{argument}` must hold numbers; received an array of dtype "
                        f"{array.dtype} (e.g. {array.ravel()[:1].tolist()}). Convert strings and "
                        "objects to numbers first.")
    if array.ndim == 0:
        raise ValueError(f"`{argument}` must have a batch axis; received a scalar.")
    if array.dtype == np.float64:
        array = array.astype(np.float32)
    elif array.dtype == np.int64:
        array = array.astype(np.int32)
    elif array.dtype == np.uint64:
        array = array.astype(np.uint32)
    return array


def _is_array(x):
    return isinstance(x, (np.ndarray, jax.Array)) or hasattr(x, "__array__")


def num_rows(data, argument):
    rows = {leaf.shape[0] for leaf in jax.tree_util.tree_leaves(data)}
    if len(rows) > 1:
        raise ValueError(f"All arrays in `{argument}` must have the same number of rows; received "
                         f"{sorted(rows)}.")
    return rows.pop() if rows else 0


def check_rows(**named):
    """Raises if the given pytrees (x=..., y=..., sample_weight=...) differ in length."""
    rows = {name: num_rows(tree, name) for name, tree in named.items() if tree is not None}
    if len(set(rows.values())) > 1:
        detail = ", ".join(f"{name} has {n}" for name, n in rows.items())
        raise ValueError(f"Data length mismatch: {detail} rows. They must be equal.")
    return next(iter(rows.values()), 0)


def check_finite(data, argument):
    """Raises ``ValueError`` at the first NaN in a floating input (training on NaN goes nowhere)."""
    for path, leaf in jax.tree_util.tree_leaves_with_path(data):
        if leaf.dtype.kind == "f":
            bad = np.isnan(leaf)
            if bad.any():
                where = np.argwhere(bad)[0].tolist()
                name = argument + jax.tree_util.keystr(path)
                raise ValueError(f"`{name}` contains NaN (first at index {where}, "
                                 f"{int(bad.sum())} in all). Remove or impute NaN values before "
                                 "calling fit/evaluate/predict.")


def take_rows(data, start, stop):
    return jax.tree_util.tree_map(lambda a: a[start:stop], data)


def split_validation(x, y, sample_weight, fraction):
    """Keras semantics: the last ``fraction`` of the rows, before any shuffling, is validation."""
    if not 0 < fraction < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received {fraction}.")
    n = num_rows(x, "x")
    split = int(n * (1 - fraction))
    if split == 0 or split == n:
        raise ValueError(f"`validation_split={fraction}` leaves an empty training or validation "
                         f"set for {n} rows.")
    train = tuple(None if d is None else take_rows(d, 0, split) for d in (x, y, sample_weight))
    val = tuple(None if d is None else take_rows(d, split, n) for d in (x, y, sample_weight))
    return train, val


def prepare(x, y=None, sample_weight=None, allow_nan=False):
    """Converts and checks ``(x, y, sample_weight)``; returns them and the number of rows."""
    x = as_arrays(x, "x")
    y = as_arrays(y, "y")
    sample_weight = as_arrays(sample_weight, "sample_weight")
    n = check_rows(x=x, y=y, sample_weight=sample_weight)
    if not allow_nan:
        check_finite(x, "x")
    return (x, y, sample_weight), n


def pack_data(x, y=None, sample_weight=None):
    """Keras's batch structure: ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``."""
    if sample_weight is not None:
        return (x, y, sample_weight)
    return (x,) if y is None else (x, y)


def row_spec(tree):
    return jax.tree_util.tree_map(lambda a: jax.ShapeDtypeStruct(a.shape, a.dtype), tree)


def check_batch_size(batch_size):
    if batch_size is None:
        return 32
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"`batch_size` must be a positive integer, received {batch_size!r}.")
    return int(batch_size)


def next_power_of_two(n):
    return 1 << max(0, math.ceil(math.log2(n)))


def padded_rows(x, start, stop, total):
    """Rows ``start:stop`` of every array, repeated cyclically up to ``total`` rows."""
    def take(a):
        part = a[start:stop]
        if len(part) == total:
            return part
        return np.take(part, np.arange(total) % len(part), axis=0)
    return jax.tree_util.tree_map(take, x)
