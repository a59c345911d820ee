"""Keras's core ops: conversion, dtypes, control flow (``cond``, ``scan``, loops), scatter and slices.

Control flow maps onto ``jax.lax``; the loop functions keep Keras's calling conventions (a
``while_loop`` body receives the loop variables unpacked; a tuple in gives a tuple out).
Variables read inside the functions given to these ops are fine; assigning a Variable inside a
loop or branch body is not supported (return the new value from the body instead).

>>> import jax.numpy as jnp
>>> [int(v) for v in while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, s + i), (0, 0))]
[3, 3]
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import ml_dtypes
import numpy as np

from lamina.core.symbolic import SymbolicTensor
from lamina.core.variable import Variable
from lamina.ops.dispatch import aliases, op

_TABLE = {
    "map": (jax.lax.map, "f xs"),
    "associative_scan": (jax.lax.associative_scan, "f elems reverse axis"),
    "fori_loop": (jax.lax.fori_loop, "lower upper body_fun init_val"),
}
globals().update(aliases(_TABLE, __name__))


@op
def switch(index, branches, *operands):
    """Calls ``branches[index](*operands)`` (``index`` is clamped to the valid range)."""
    return jax.lax.switch(index, branches, *operands)


@op
def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """``x`` (array, Variable, list, scalar) as a JAX array of ``dtype``.

    >>> convert_to_tensor([1, 2], dtype="float32").tolist()
    [1.0, 2.0]
    """
    if ragged:
        raise ValueError("ops.convert_to_tensor: ragged tensors are not supported on JAX.")
    if sparse:
        raise NotImplementedError("ops.convert_to_tensor(sparse=True): lamina has no sparse tensors.")
    return jnp.asarray(x, dtype=dtype)


def convert_to_numpy(x):
    """``x`` as a NumPy array (reads a Variable's value)."""
    return np.asarray(x.value if isinstance(x, Variable) else x)


def is_tensor(x):
    """Whether ``x`` is a JAX array (concrete or traced)."""
    return isinstance(x, jax.Array)


@op
def cast(x, dtype):
    """``x`` converted to ``dtype``.

    >>> cast(jnp.array([1.7, -1.7]), "int32").tolist()
    [1, -1]
    """
    return jnp.asarray(x).astype(dtype)


def _limits(dtype):
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return 0, 1
    info = ml_dtypes.iinfo(dtype) if np.issubdtype(dtype, np.integer) else ml_dtypes.finfo(dtype)
    return info.min, info.max


@op
def saturate_cast(x, dtype):
    """``cast`` that clips to the target range first, so out-of-range values saturate.

    >>> saturate_cast(jnp.array([-1.0, 300.0]), "uint8").tolist()
    [0, 255]
    """
    x = jnp.asarray(x)
    in_min, in_max = _limits(x.dtype)
    out_min, out_max = _limits(dtype)
    # The target's limits may not be representable in x's dtype; step inwards when rounding
    # pushed them outside the target range.
    low = np.asarray(max(in_min, out_min)).astype(x.dtype)
    if low < out_min:
        low = np.nextafter(low, 0, dtype=x.dtype)
    high = np.asarray(min(in_max, out_max)).astype(x.dtype)
    if high > out_max:
        high = np.nextafter(high, 0, dtype=x.dtype)
    return jnp.clip(x, low, high).astype(dtype)


def shape(x):
    """The shape of ``x`` as a tuple (``None`` for unknown sizes of a symbolic tensor)."""
    return tuple(x.shape) if isinstance(x, (Variable, SymbolicTensor)) else tuple(jnp.shape(x))


def dtype(x):
    """The dtype of ``x`` as a string, e.g. ``'float32'`` (arrays, Variables, symbolic tensors)."""
    found = getattr(x, "dtype", None)
    return jnp.dtype(jnp.asarray(x).dtype if found is None else found).name


@op
def cond(pred, true_fn, false_fn):
    """``true_fn()`` if ``pred`` else ``false_fn()``, traced both ways (``jax.lax.cond``)."""
    return jax.lax.cond(pred, true_fn, false_fn)


@op
def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Loops ``carry, y = f(carry, x)`` over the leading axis of ``xs``; returns ``(carry, ys)``.

    >>> scan(lambda c, x: (c + x, c), 0.0, jnp.arange(3.0))[0].tolist()
    3.0
    """
    if not isinstance(unroll, bool) and (not isinstance(unroll, int) or unroll < 1):
        raise ValueError(f"`unroll` must be a positive integer or a boolean; received {unroll!r}.")
    return jax.lax.scan(f, init, xs, length=length, reverse=reverse, unroll=unroll)


@op
def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Repeats ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)``, at most
    ``maximum_iterations`` times."""
    packed = isinstance(loop_vars, (tuple, list))
    state = (tuple(loop_vars) if packed else (loop_vars,), 0)

    def keep_going(carry):
        values, count = carry
        go = cond(*values)
        return go if maximum_iterations is None else jnp.logical_and(go, count < maximum_iterations)

    def step(carry):
        values, count = carry
        out = body(*values)
        return (tuple(out) if packed else (out,)), count + 1

    values, _ = jax.lax.while_loop(keep_going, step, state)
    return values if packed else values[0]


@op
def vectorized_map(function, elements):
    """``function`` applied to each slice of ``elements`` along the first axis (``jax.vmap``)."""
    return jax.vmap(function)(elements)


@op
def stop_gradient(variable):
    """``variable`` with its gradient blocked."""
    return jax.lax.stop_gradient(variable)


def custom_gradient(f):
    """Decorator: ``f(*args)`` returns ``(output, grad_fn)``; gradients come from ``grad_fn(upstream)``."""
    return op(jax.custom_gradient(f))


@op
def scatter(indices, values, shape):
    """Zeros of ``shape`` with ``values`` added at ``indices`` (rows of coordinates).

    >>> scatter(jnp.array([[0], [2], [0]]), jnp.array([1.0, 2.0, 3.0]), (3,)).tolist()
    [4.0, 0.0, 2.0]
    """
    values = jnp.asarray(values)
    where = tuple(jnp.moveaxis(jnp.asarray(indices), -1, 0))
    return jnp.zeros(shape, values.dtype).at[where].add(values)


_REDUCTIONS = {None: "set", "add": "add", "max": "max", "min": "min", "mul": "multiply"}


@op
def scatter_update(inputs, indices, updates, reduction=None):
    """``inputs`` with ``updates`` written (or combined by ``reduction``) at ``indices``."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"ops.scatter_update: `reduction` must be one of {list(_REDUCTIONS)}; "
                         f"received {reduction!r}.")
    where = tuple(jnp.moveaxis(jnp.asarray(indices), -1, 0))
    return getattr(jnp.asarray(inputs).at[where], _REDUCTIONS[reduction])(updates)


@op
def slice(inputs, start_indices, shape):
    """The block of ``shape`` starting at ``start_indices`` (``-1`` in ``shape``: to the end)."""
    inputs = jnp.asarray(inputs)
    sizes = tuple(inputs.shape[i] - start_indices[i] if s == -1 else s for i, s in enumerate(shape))
    return jax.lax.dynamic_slice(inputs, start_indices, sizes)


@op
def slice_update(inputs, start_indices, updates):
    """``inputs`` with the block ``updates`` written at ``start_indices``."""
    return jax.lax.dynamic_update_slice(jnp.asarray(inputs), updates, start_indices)


@op
def unstack(x, num=None, axis=0):
    """The slices of ``x`` along ``axis``, as a list."""
    x = jnp.asarray(x)
    return [jax.lax.index_in_dim(x, i, axis, keepdims=False) for i in range(x.shape[axis])]


__all__ = sorted([*_TABLE, "switch", "convert_to_tensor", "convert_to_numpy", "is_tensor", "cast",
                  "saturate_cast", "shape", "dtype", "cond", "scan", "while_loop", "vectorized_map",
                  "stop_gradient", "custom_gradient", "scatter", "scatter_update", "slice", "slice_update",
                  "unstack"])
