"""``keras.ops.numpy``: the NumPy-style ops, almost all ``jax.numpy`` under Keras's argument names.

The tables map each Keras name to its ``jax.numpy`` function and Keras's parameter list; the
functions below them are the few where Keras's semantics differ (defaults, dtypes, return types).

>>> import jax.numpy as jnp
>>> mean(jnp.array([[1.0, 2.0], [3.0, 4.0]]), axis=0).tolist()
[2.0, 3.0]
>>> full((2,), 1).dtype.name  # Keras creates floats unless told otherwise
'float32'
"""

from __future__ import annotations

import builtins

import jax
import jax.numpy as jnp

from lamina.ops.dispatch import FLOATX, aliases, op, same_params

_UNARY = """abs absolute angle arccos arccosh arcsin arcsinh arctan arctanh bartlett blackman cbrt
    ceil conj conjugate copy corrcoef cos cosh deg2rad exp exp2 expm1 fabs fliplr flipud floor
    hamming hanning i0 imag isfinite isinf isnan isneginf isposinf isreal log log10 log1p log2
    logical_not ndim negative nonzero rad2deg ravel real reciprocal sign signbit sin sinc sinh size
    sqrt square tan tanh trunc"""
_BINARY = """add arctan2 divide dot equal floor_divide fmax fmin fmod gcd greater greater_equal
    heaviside hypot inner kron lcm ldexp less less_equal logaddexp logaddexp2 logical_and logical_or
    logical_xor matmul maximum minimum mod multiply nextafter not_equal outer power subtract
    true_divide vdot"""
_REDUCTIONS = """all any amax amin argmax argmin mean nanargmax nanargmin nanmax nanmean nanmedian nanmin
    nanprod nanstd nansum nanvar ptp std sum var"""

_TABLE = {
    **same_params(_UNARY, jnp, "x"),
    **same_params(_BINARY, jnp, "x1 x2"),
    **same_params(_REDUCTIONS, jnp, "x | axis keepdims"),
    **same_params("bitwise_and bitwise_or bitwise_xor left_shift right_shift", jnp, "x y"),
    **same_params("cumsum cumprod nancumsum nancumprod", jnp, "x | axis dtype"),
    **same_params("quantile percentile nanquantile nanpercentile", jnp,
                  "x q | axis method keepdims"),
    **same_params("zeros ones empty", jnp, "shape | dtype"),
    **same_params("zeros_like ones_like empty_like", jnp, "x | dtype"),
    **same_params("hsplit vsplit dsplit", jnp, "x indices_or_sections"),
    **same_params("split array_split", jnp, "x indices_or_sections axis"),
    **same_params("hstack vstack dstack", jnp, "xs"),
    **same_params("tril triu diag diagflat", jnp, "x k"),
    **same_params("diagonal trace", jnp, "x offset axis1 axis2"),
    **same_params("argsort sort", jnp, "x axis"),
    **same_params("isclose allclose", jnp, "x1 x2 rtol atol equal_nan"),
    "bitwise_invert": (jnp.invert, "x"),
    "bitwise_not": (jnp.invert, "x"),
    "bitwise_left_shift": (jnp.left_shift, "x y"),
    "bitwise_right_shift": (jnp.right_shift, "x y"),
    "max": (jnp.max, "x | axis keepdims initial"),
    "min": (jnp.min, "x | axis keepdims initial"),
    "prod": (jnp.prod, "x | axis keepdims dtype"),
    "average": (jnp.average, "x axis weights"),
    "count_nonzero": (jnp.count_nonzero, "x axis"),
    "append": (jnp.append, "x1 x2 axis"),
    "arange": (jnp.arange, "start stop step dtype"),
    "array": (jnp.array, "x dtype"),
    "broadcast_to": (jnp.broadcast_to, "x shape"),
    "concatenate": (jnp.concatenate, "xs axis"),
    "correlate": (jnp.correlate, "x1 x2 mode"),
    "cross": (jnp.cross, "x1 x2 axisa axisb axisc axis"),
    "diff": (jnp.diff, "a n axis"),
    "digitize": (jnp.digitize, "x bins"),
    "expand_dims": (jnp.expand_dims, "x axis"),
    "eye": (jnp.eye, "N M k dtype"),
    "flip": (jnp.flip, "x axis"),
    "full_like": (jnp.full_like, "x fill_value dtype"),
    "geomspace": (jnp.geomspace, "start stop num endpoint dtype axis"),
    "histogram": (jnp.histogram, "x bins range"),
    "identity": (jnp.identity, "n dtype"),
    "isin": (jnp.isin, "x1 x2 assume_unique invert"),
    "kaiser": (jnp.kaiser, "x beta"),
    "linspace": (jnp.linspace, "start stop num endpoint retstep dtype axis"),
    "logspace": (jnp.logspace, "start stop num endpoint base dtype axis"),
    "moveaxis": (jnp.moveaxis, "x source destination"),
    "nan_to_num": (jnp.nan_to_num, "x | nan posinf neginf"),
    "repeat": (jnp.repeat, "x repeats axis"),
    "reshape": (jnp.reshape, "x newshape"),
    "roll": (jnp.roll, "x shift axis"),
    "rot90": (jnp.rot90, "array k axes"),
    "round": (jnp.round, "x decimals"),
    "searchsorted": (jnp.searchsorted, "sorted_sequence values side"),
    "select": (jnp.select, "condlist choicelist default"),
    "squeeze": (jnp.squeeze, "x axis"),
    "stack": (jnp.stack, "x axis"),
    "swapaxes": (jnp.swapaxes, "x axis1 axis2"),
    "take": (jnp.take, "x indices axis"),
    "tensordot": (jnp.tensordot, "x1 x2 axes"),
    "tile": (jnp.tile, "x repeats"),
    "transpose": (jnp.transpose, "x axes"),
    "trapezoid": (jnp.trapezoid, "y x dx axis"),
    "tri": (jnp.tri, "N M k dtype"),
    "unravel_index": (jnp.unravel_index, "indices shape"),
    "vander": (jnp.vander, "x N increasing"),
    "where": (jnp.where, "condition x1 x2"),
}
globals().update(aliases(_TABLE, __name__))


@op
def clip(x, x_min, x_max):
    """Limits ``x`` to ``[x_min, x_max]``; booleans are clipped as int32, as in Keras."""
    x = jnp.asarray(x)
    if x.dtype == jnp.bool_:
        x = x.astype("int32")
    return jnp.clip(x, x_min, x_max)


@op
def full(shape, fill_value, dtype=None):
    """An array of ``shape`` filled with ``fill_value``; float32 unless ``dtype`` says otherwise.

    >>> full((2,), 3).tolist()
    [3.0, 3.0]
    """
    return jnp.full(shape, fill_value, dtype=dtype or FLOATX)


@op
def median(x, axis=None, keepdims=False):
    """The median along ``axis`` (all axes when ``None``)."""
    x = jnp.asarray(x)
    axis = tuple(axis) if isinstance(axis, list) else axis
    out = jnp.median(x, axis=axis, keepdims=keepdims)
    if keepdims and axis is None:
        out = jnp.reshape(out, (1,) * x.ndim)
    return out


@op
def divide_no_nan(x1, x2):
    """``x1 / x2``, with 0 wherever ``x2`` is 0.

    >>> divide_no_nan(jnp.array([1.0, 2.0]), jnp.array([0.0, 4.0])).tolist()
    [0.0, 0.5]
    """
    x1, x2 = jnp.asarray(x1), jnp.asarray(x2)
    safe = jnp.where(x2 == 0, 1, x2)
    return jnp.where(x2 == 0, 0, jnp.divide(x1, safe))


@op
def take_along_axis(x, indices, axis=None):
    """Gathers ``x`` at ``indices`` along ``axis`` (over the flattened array when ``None``)."""
    return jnp.take_along_axis(x, indices, axis=axis)


@op
def pad(x, pad_width, mode="constant", constant_values=None):
    """Pads ``x``; ``constant_values`` only with ``mode="constant"``."""
    if constant_values is None:
        return jnp.pad(x, pad_width, mode=mode)
    if mode != "constant":
        raise ValueError(f"ops.pad: `constant_values` needs mode='constant'; received mode={mode!r}.")
    return jnp.pad(x, pad_width, mode=mode, constant_values=constant_values)


@op
def argpartition(x, kth, axis=-1):
    """Indices that partition ``x`` around its ``kth`` element (over the flattened array if ``axis=None``)."""
    if axis is None:
        return jnp.argpartition(jnp.ravel(x), kth, axis=0)
    return jnp.argpartition(x, kth, axis=axis)


@op
def bincount(x, weights=None, minlength=0, sparse=False):
    """Counts of each non-negative integer in ``x`` (per row for 2-D ``x``), optionally weighted.

    >>> bincount(jnp.array([0, 2, 2])).tolist()
    [1, 0, 2]
    """
    if sparse:
        raise NotImplementedError("ops.bincount(sparse=True): lamina has no sparse tensors.")
    x = jnp.asarray(x)
    if isinstance(x, jax.core.Tracer):  # the largest value is unknown while tracing
        if not minlength:
            raise ValueError("ops.bincount inside a compiled function needs `minlength` (the "
                             "output length; larger values are dropped).")
        length = minlength
    else:
        length = builtins.max(int(jnp.max(x)) + 1 if x.size else 0, minlength)
    if x.ndim == 2:
        rows = (jnp.bincount(r, None if weights is None else w, minlength, length=length)
                for r, w in zip(x, x if weights is None else weights))
        return jnp.stack(list(rows))
    return jnp.bincount(x, weights, minlength, length=length)


@op
def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False,
           axis=None, size=None, fill_value=None):
    """The unique elements of ``x`` (with indices, inverse and counts on request)."""
    return jnp.unique(x, return_index=return_index, return_inverse=return_inverse,
                      return_counts=return_counts, axis=axis, equal_nan=False, size=size,
                      sorted=sorted, fill_value=fill_value)


@op
def meshgrid(*x, indexing="xy"):
    """Coordinate matrices from coordinate vectors."""
    return jnp.meshgrid(*x, indexing=indexing)


@op
def einsum(subscripts, *operands, **kwargs):
    """Einstein summation over ``operands`` (``jax.numpy.einsum``)."""
    return jnp.einsum(subscripts, *operands, **kwargs)


def vectorize(pyfunc, *, excluded=None, signature=None):
    """``pyfunc`` mapped over the leading axes of its arguments (``jax.numpy.vectorize``)."""
    return op(jnp.vectorize(pyfunc, excluded=excluded or frozenset(), signature=signature))


@op
def slogdet(x):
    """``(sign, log|det|)`` of square matrices."""
    return tuple(jnp.linalg.slogdet(x))


@op
def view(x, dtype=None):
    """The same bits read as ``dtype``."""
    return jnp.asarray(x).view(dtype)


@op
def get_item(x, key):
    """``x[key]``; a list key is a tuple of indices (as a config stores a tuple), as in Keras.

    >>> get_item(jnp.arange(6).reshape(2, 3), [slice(None), 1]).tolist()
    [1, 4]
    """
    return jnp.asarray(x)[tuple(key) if isinstance(key, list) else key]


__all__ = sorted([*_TABLE, "clip", "full", "median", "divide_no_nan", "take_along_axis", "pad",
                  "argpartition", "bincount", "unique", "meshgrid", "einsum", "vectorize", "slogdet",
                  "view", "get_item"])
