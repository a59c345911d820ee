"""``keras.ops.nn``: activations, cross-entropies, normalizations, attention, one-hot, CTC.

Activations are ``jax.nn``'s under Keras's names and defaults (``gelu`` approximates by default,
``leaky_relu`` slopes 0.2); convolutions and pooling live in :mod:`lamina.ops.conv`.

>>> import jax.numpy as jnp
>>> softmax(jnp.array([0.0, 0.0])).tolist()
[0.5, 0.5]
>>> leaky_relu(jnp.array([-1.0])).tolist()
[-0.20000000298023224]
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

from lamina.ops.conv import (adaptive_average_pool, adaptive_max_pool, average_pool, conv,  # noqa: F401
                             conv_transpose, depth_to_space, depthwise_conv, fold, max_pool,
                             separable_conv, space_to_depth, unfold)
from lamina.ops.conv import __all__ as _conv_names
from lamina.ops.dispatch import EPSILON, FLOATX, aliases, op, same_params

_TABLE = {
    **same_params("""relu relu6 sigmoid sparse_sigmoid softplus silu swish log_sigmoid hard_sigmoid
                  hard_silu hard_swish selu hard_tanh sparse_plus""", jax.nn, "x"),
    **same_params("elu celu", jax.nn, "x alpha"),
    **same_params("softmax log_softmax glu", jax.nn, "x axis"),
    "softsign": (jax.nn.soft_sign, "x"),
    "gelu": (jax.nn.gelu, "x approximate"),
    "squareplus": (jax.nn.squareplus, "x b"),
}
globals().update(aliases(_TABLE, __name__))


@op
def leaky_relu(x, negative_slope=0.2):
    """``x`` where positive, ``negative_slope * x`` elsewhere."""
    return jax.nn.leaky_relu(x, negative_slope)


@op
def tanh_shrink(x):
    """``x - tanh(x)``."""
    return x - jnp.tanh(x)


@op
def soft_shrink(x, threshold=0.5):
    """``x`` moved towards 0 by ``threshold``; 0 inside ``[-threshold, threshold]``."""
    x = jnp.asarray(x)
    return jnp.where(x > threshold, x - threshold, jnp.where(x < -threshold, x + threshold, 0.0))


@op
def hard_shrink(x, threshold=0.5):
    """``x`` where ``|x| > threshold``, 0 elsewhere."""
    x = jnp.asarray(x)
    return jnp.where(jnp.abs(x) > threshold, x, 0.0)


@op
def threshold(x, threshold, default_value):
    """``x`` where ``x > threshold``, ``default_value`` elsewhere."""
    x = jnp.asarray(x)
    return jnp.where(x > threshold, x, default_value)


@op
def sparsemax(x, axis=-1):
    """The Euclidean projection of ``x`` onto the probability simplex (sparse softmax).

    >>> sparsemax(jnp.array([2.0, 0.0, -1.0])).tolist()
    [1.0, 0.0, 0.0]
    """
    x = jnp.asarray(x)
    ranked = -jnp.sort(-x, axis=axis)
    ranks = jnp.arange(1, x.shape[axis] + 1, dtype=x.dtype)
    ranks = jnp.reshape(ranks, [-1 if a == axis % x.ndim else 1 for a in range(x.ndim)])
    totals = jnp.cumsum(ranked, axis=axis)
    in_support = ranked * ranks > totals - 1
    count = jnp.sum(in_support, axis=axis, keepdims=True)
    tau = (jnp.sum(jnp.where(in_support, ranked, 0.0), axis=axis, keepdims=True) - 1) / count
    return jnp.maximum(x - tau, 0.0)


@op
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """One-hot vectors of ``num_classes`` along ``axis``; negative labels give all zeros."""
    if sparse:
        raise NotImplementedError("ops.one_hot(sparse=True): lamina has no sparse tensors.")
    return jax.nn.one_hot(x, num_classes, dtype=dtype or FLOATX, axis=axis)


@op
def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Per row of integer labels, a vector with 1 at each label present.

    >>> multi_hot(jnp.array([[0, 2]]), 3).tolist()
    [[1.0, 0.0, 1.0]]
    """
    num_classes = kwargs.pop("num_tokens", None) if num_classes is None else num_classes
    if kwargs:
        raise TypeError(f"ops.multi_hot got unexpected arguments {sorted(kwargs)}.")
    if num_classes is None:
        raise ValueError("ops.multi_hot: `num_classes` must be given.")
    if sparse:
        raise NotImplementedError("ops.multi_hot(sparse=True): lamina has no sparse tensors.")
    inputs = jnp.asarray(inputs, "int32")
    encoded = jax.nn.one_hot(inputs, num_classes, dtype=dtype or FLOATX, axis=axis)
    return jnp.max(encoded, axis=1 if inputs.ndim > 1 else 0)


def _same_shape(name, target, output):
    if target.shape != output.shape:
        raise ValueError(f"ops.{name}: `target` and `output` must have the same shape; received "
                         f"target.shape={target.shape}, output.shape={output.shape}.")


def _log_probabilities(output, from_logits, axis):
    if from_logits:
        return jax.nn.log_softmax(output, axis=axis)
    output = output / jnp.sum(output, axis, keepdims=True)
    return jnp.log(jnp.clip(output, EPSILON, 1.0 - EPSILON))


@op
def binary_crossentropy(target, output, from_logits=False):
    """Element-wise binary cross-entropy; probabilities are clipped to ``[1e-7, 1 - 1e-7]``."""
    target, output = jnp.asarray(target), jnp.asarray(output)
    _same_shape("binary_crossentropy", target, output)
    if from_logits:
        return -target * jax.nn.log_sigmoid(output) - (1.0 - target) * jax.nn.log_sigmoid(-output)
    output = jnp.clip(output, EPSILON, 1.0 - EPSILON)
    return -(target * jnp.log(output) + (1.0 - target) * jnp.log(1.0 - output))


@op
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy between one-hot (or soft) ``target`` and ``output`` along ``axis``."""
    target, output = jnp.asarray(target), jnp.asarray(output)
    _same_shape("categorical_crossentropy", target, output)
    if target.ndim < 1:
        raise ValueError("ops.categorical_crossentropy needs inputs of rank >= 1.")
    return -jnp.sum(target * _log_probabilities(output, from_logits, axis), axis=axis)


@op
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy between integer labels ``target`` and ``output``'s class axis."""
    target, output = jnp.asarray(target, "int32"), jnp.asarray(output)
    if target.ndim == output.ndim and target.shape[-1] == 1:
        target = jnp.squeeze(target, -1)
    if target.shape != output.shape[:-1]:
        raise ValueError("ops.sparse_categorical_crossentropy: `target` must have `output`'s shape "
                         f"without the class axis; received target.shape={target.shape}, "
                         f"output.shape={output.shape}.")
    log_probs = _log_probabilities(output, from_logits, axis)
    labels = jax.nn.one_hot(target, output.shape[axis], axis=axis, dtype=log_probs.dtype)
    return -jnp.sum(labels * log_probs, axis=axis)


def _axes(axes):
    return tuple(axes) if isinstance(axes, (list, tuple)) else axes


@op
def moments(x, axes, keepdims=False, synchronized=False):
    """``(mean, variance)`` of ``x`` over ``axes`` (computed in float32 for half precision)."""
    if synchronized:
        raise NotImplementedError("ops.moments(synchronized=True) is not supported on JAX.")
    x = jnp.asarray(x)
    half = x.dtype in (jnp.float16, jnp.bfloat16)
    work = x.astype("float32") if half else x
    mean = jnp.mean(work, _axes(axes), keepdims=keepdims)
    variance = jnp.var(work, _axes(axes), keepdims=keepdims)
    if half:
        limit = jnp.finfo(jnp.float16).max
        mean, variance = (jnp.clip(v, -limit, limit).astype(x.dtype) for v in (mean, variance))
    return mean, variance


@op
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """``(x - mean) / sqrt(variance + epsilon) * scale + offset`` with statistics along ``axis``."""
    x = jnp.asarray(x)
    shape = [1] * x.ndim
    shape[axis] = jnp.shape(mean)[0]
    inv = jax.lax.rsqrt(jnp.reshape(variance, shape) + epsilon)
    if scale is not None:
        inv = inv * jnp.reshape(scale, shape)
    shift = -jnp.reshape(mean, shape) * inv
    if offset is not None:
        shift = shift + jnp.reshape(offset, shape)
    return x * inv + shift


def _broadcast_params(params, x, axis):
    shape = [1] * x.ndim
    for a in axis:
        shape[a] = x.shape[a]
    return [None if p is None else jnp.reshape(jnp.asarray(p, x.dtype), shape) for p in params]


@op
def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """Normalizes ``x`` over ``axis`` to zero mean and unit variance, then scales and shifts."""
    rms_scaling = kwargs.pop("rms_scaling", False)
    if kwargs:
        raise TypeError(f"ops.layer_normalization got unexpected arguments {sorted(kwargs)}.")
    epsilon = EPSILON if epsilon is None else epsilon
    x = jnp.asarray(x)
    dtype = x.dtype
    x = x.astype(jnp.promote_types(dtype, jnp.float32))
    axis = sorted(a % x.ndim for a in ((axis,) if isinstance(axis, int) else axis))
    gamma, beta = _broadcast_params((gamma, beta), x, axis)
    if rms_scaling:  # deprecated in Keras: scales by the variance, not the mean square
        out = x * jax.lax.rsqrt(jnp.var(x, axis=axis, keepdims=True) + epsilon)
        return (out if gamma is None else out * gamma).astype(dtype)
    mean = jnp.mean(x, axis=axis, keepdims=True)
    inv = jax.lax.rsqrt(jnp.var(x, axis=axis, keepdims=True) + epsilon)
    if gamma is not None:
        inv = inv * gamma
    shift = -mean * inv
    if beta is not None:
        shift = shift + beta
    return (x * inv + shift).astype(dtype)


@op
def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """``x / sqrt(mean(x**2) + epsilon) * scale`` over ``axis``."""
    epsilon = EPSILON if epsilon is None else epsilon
    x = jnp.asarray(x)
    dtype = x.dtype
    x = jnp.atleast_1d(x.astype(jnp.promote_types(dtype, jnp.float32)))
    axis = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    out = x * jax.lax.rsqrt(jnp.mean(jnp.square(x), axis=axis, keepdims=True) + epsilon)
    if scale is not None:
        out = out * jnp.asarray(scale, x.dtype)
    return out.astype(dtype)


@op
def normalize(x, axis=-1, order=2, epsilon=None):
    """``x / max(norm(x, order), epsilon)`` along ``axis``.

    >>> normalize(jnp.array([3.0, 4.0])).tolist()
    [0.6000000238418579, 0.800000011920929]
    """
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"ops.normalize: `order` must be an int >= 1; received {order!r}.")
    epsilon = EPSILON if epsilon is None else epsilon
    x = jnp.atleast_1d(jnp.asarray(x))
    if order == 2:
        inv = jax.lax.rsqrt(jnp.sum(jnp.square(x), axis=axis, keepdims=True))
        return x * jnp.minimum(inv, 1.0 / epsilon)
    norm = jnp.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    return x / jnp.maximum(norm, epsilon)


@op
def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio in dB: ``20 log10(max_val) - 10 log10(mse)``."""
    x1, x2 = jnp.asarray(x1), jnp.asarray(x2)
    if x1.shape != x2.shape:
        raise ValueError(f"ops.psnr: the inputs differ in shape: {x1.shape} vs {x2.shape}.")
    mse = jnp.mean(jnp.square(x1 - x2))
    return 20 * jnp.log10(jnp.asarray(max_val, x2.dtype)) - 10 * jnp.log10(mse)


@op
def polar(abs_, angle):
    """The complex numbers ``abs_ * (cos(angle) + i sin(angle))``."""
    abs_, angle = jnp.asarray(abs_), jnp.asarray(angle)
    return jax.lax.complex(abs_ * jnp.cos(angle), abs_ * jnp.sin(angle))


@op
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """Scaled dot-product attention over ``(batch, time, heads, depth)`` tensors.

    ``key``/``value`` may have fewer heads than ``query`` (grouped-query attention); ``mask`` is
    True where attention is allowed; ``attn_logits_soft_cap`` bounds the logits as
    ``logits / (1 + |logits| / cap)``.
    """
    query, key, value = jnp.asarray(query), jnp.asarray(key), jnp.asarray(value)
    if query.ndim != 4 or key.ndim != 4 or value.ndim != 4:
        raise ValueError("ops.dot_product_attention needs 4-D (batch, time, heads, depth) inputs; "
                         f"received {query.shape}, {key.shape}, {value.shape}.")
    if attn_logits_soft_cap is None:
        return jax.nn.dot_product_attention(
            query, key, value, bias=bias, mask=mask, scale=scale, is_causal=is_causal,
            implementation="cudnn" if flash_attention else None)
    batch, steps, heads, depth = query.shape
    groups = heads // key.shape[2]
    q = jnp.reshape(query, (batch, steps, key.shape[2], groups, depth))
    logits = jnp.einsum("btkgh,bskh->bkgts", q, key, preferred_element_type=jnp.float32)
    logits = logits * (depth ** -0.5 if scale is None else scale)
    logits = jnp.reshape(logits, (batch, heads, steps, key.shape[1]))
    if bias is not None:
        logits = logits + bias
    logits = logits / (1.0 + jnp.abs(logits) / attn_logits_soft_cap)
    allowed = jnp.ones(logits.shape, bool) if mask is None else jnp.broadcast_to(mask, logits.shape)
    if is_causal:
        allowed = allowed & jnp.tril(jnp.ones((steps, key.shape[1]), bool))
    logits = jnp.where(allowed, logits, -0.7 * jnp.finfo(logits.dtype).max)
    probs = jax.nn.softmax(logits, axis=-1).astype(value.dtype)
    probs = jnp.reshape(probs, (batch, key.shape[2], groups, steps, key.shape[1]))
    out = jnp.einsum("bkgts,bskh->btkgh", probs, value)
    return jnp.reshape(out, (batch, steps, heads, value.shape[-1]))


def _paddings(lengths, size, dtype):
    return (jnp.arange(size)[None, :] >= jnp.asarray(lengths)[:, None]).astype(dtype)


@op
def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """Per-sequence CTC loss of logits ``output`` ``(batch, time, classes)`` for labels ``target``."""
    output = jnp.asarray(output)
    output = output.astype(jnp.promote_types(output.dtype, jnp.float32))
    target = jnp.asarray(target, "int32")
    return optax.ctc_loss(output, _paddings(output_length, output.shape[1], output.dtype), target,
                          _paddings(target_length, target.shape[1], output.dtype),
                          blank_id=mask_index)


@op
def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    """Greedy CTC decoding: ``(paths (1, batch, time) padded with -1, scores (batch, 1))``."""
    if strategy == "beam_search":
        raise NotImplementedError("ops.ctc_decode(strategy='beam_search') is not implemented in "
                                  "lamina; use strategy='greedy'.")
    if strategy != "greedy":
        raise ValueError(f"ops.ctc_decode: `strategy` must be 'greedy' or 'beam_search'; "
                         f"received {strategy!r}.")
    inputs = jnp.asarray(inputs)
    inputs = inputs.astype(jnp.promote_types(inputs.dtype, jnp.float32))
    batch, steps, classes = inputs.shape
    blank = classes - 1 if mask_index is None else mask_index
    best, score = jnp.argmax(inputs, axis=-1), jnp.max(inputs, axis=-1)
    beyond = jnp.arange(steps)[None, :] >= jnp.asarray(sequence_lengths)[:, None]
    best = jnp.where(beyond, blank, best)
    score = jnp.where(beyond, 0.0, score)
    if merge_repeated:
        repeated = jnp.pad(best[:, 1:] == best[:, :-1], ((0, 0), (1, 0)))
        best = jnp.where(repeated, blank, best)
    dropped = best == blank
    order = jnp.argsort(jnp.where(dropped, steps, jnp.arange(steps)[None, :]), axis=-1)
    paths = jnp.take_along_axis(jnp.where(dropped, -1, best), order, axis=-1)
    return paths[None], -jnp.sum(score, axis=1, keepdims=True)


__all__ = sorted([*_TABLE, *_conv_names, "leaky_relu", "tanh_shrink", "soft_shrink", "hard_shrink",
                  "threshold", "sparsemax", "one_hot", "multi_hot", "binary_crossentropy",
                  "categorical_crossentropy", "sparse_categorical_crossentropy", "moments",
                  "batch_normalization", "layer_normalization", "rms_normalization", "normalize",
                  "psnr", "polar", "dot_product_attention", "ctc_loss", "ctc_decode"])
