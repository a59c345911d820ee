"""Convolutions, pooling and patch ops of ``keras.ops.nn`` over ``jax.lax``.

Layouts follow Keras: inputs ``(batch, *spatial, channels)`` (``data_format="channels_last"``,
the default) or ``(batch, channels, *spatial)``; kernels ``(*spatial, in_channels, out_channels)``
(``conv_transpose``: ``(*spatial, out_channels, in_channels)``) whatever the data format.

>>> import jax.numpy as jnp
>>> conv(jnp.ones((1, 5, 5, 2)), jnp.ones((3, 3, 2, 4))).shape
(1, 3, 3, 4)
>>> max_pool(jnp.arange(16.0).reshape(1, 4, 4, 1), 2)[0, :, :, 0].tolist()
[[5.0, 7.0], [13.0, 15.0]]
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from lamina.ops.dispatch import op


def _tuple(value, n):
    return (value,) * n if isinstance(value, int) else tuple(value)


def data_format_of(data_format):
    """``data_format`` checked, ``None`` meaning ``"channels_last"``."""
    data_format = data_format or "channels_last"
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError("`data_format` must be 'channels_last' or 'channels_first'; received "
                         f"{data_format!r}.")
    return data_format


def _padding(padding):
    padding = padding.lower()
    if padding not in ("valid", "same"):
        raise ValueError(f"`padding` must be 'valid' or 'same'; received {padding!r}.")
    return padding.upper()


def _spatial_axes(ndim, data_format):
    return tuple(range(1, ndim - 1)) if data_format == "channels_last" else tuple(range(2, ndim))


def _dimension_numbers(ndim, data_format):
    """Keras's layouts as lax's (batch, feature, *spatial) axis positions."""
    n = ndim - 2
    lhs = (0, ndim - 1, *range(1, ndim - 1)) if data_format == "channels_last" else tuple(range(ndim))
    return jax.lax.ConvDimensionNumbers(lhs, (n + 1, n, *range(n)), lhs)


def _channels(inputs, data_format):
    return inputs.shape[-1 if data_format == "channels_last" else 1]


@op
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-d convolution; ``kernel.shape[-2]`` dividing the input channels gives grouped convolution."""
    kernel = jnp.asarray(kernel)
    inputs = jnp.asarray(inputs, kernel.dtype)
    fmt, n = data_format_of(data_format), inputs.ndim - 2
    channels = _channels(inputs, fmt)
    if channels % kernel.shape[-2]:
        raise ValueError(f"ops.conv: the input channels ({channels}) must be a multiple of the "
                         f"kernel's input channels ({kernel.shape[-2]}).")
    return jax.lax.conv_general_dilated(
        inputs, kernel, _tuple(strides, n), _padding(padding),
        rhs_dilation=_tuple(dilation_rate, n), dimension_numbers=_dimension_numbers(inputs.ndim, fmt),
        feature_group_count=channels // kernel.shape[-2])


@op
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Each input channel convolved with its own ``kernel[..., c, :]`` (``channel_multiplier`` outputs)."""
    inputs, kernel = jnp.asarray(inputs), jnp.asarray(kernel)
    fmt, n = data_format_of(data_format), inputs.ndim - 2
    channels = _channels(inputs, fmt)
    if kernel.shape[-2] != channels:
        raise ValueError(f"ops.depthwise_conv: the kernel's input channels ({kernel.shape[-2]}) must "
                         f"equal the input channels ({channels}).")
    kernel = jnp.reshape(kernel, kernel.shape[:-2] + (1, channels * kernel.shape[-1]))
    return jax.lax.conv_general_dilated(
        inputs, kernel, _tuple(strides, n), _padding(padding),
        rhs_dilation=_tuple(dilation_rate, n), dimension_numbers=_dimension_numbers(inputs.ndim, fmt),
        feature_group_count=channels)


@op
def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """A depthwise convolution followed by a 1x1 (pointwise) convolution."""
    hidden = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv(hidden, pointwise_kernel, 1, "valid", data_format, dilation_rate)


def _transpose_padding(kernel_size, stride, dilation, padding, output_padding):
    """Padding of the stride-dilated input that gives Keras's transposed-convolution output size."""
    span = (kernel_size - 1) * dilation + 1
    if padding == "VALID":
        extra = max(span, stride) - span if output_padding is None else output_padding
        return span - 1, span - 1 + extra
    total = stride + span - 2 if output_padding is None else span + span % 2 - 2 + output_padding
    left = min(total // 2 + total % 2, span - 1)
    return left, total - left


@op
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """Transposed convolution (the gradient of ``conv``): ``"same"`` gives ``input * strides``."""
    inputs, kernel = jnp.asarray(inputs), jnp.asarray(kernel)
    fmt, n = data_format_of(data_format), inputs.ndim - 2
    strides, dilation = _tuple(strides, n), _tuple(dilation_rate, n)
    extras = (output_padding,) * n if output_padding is None or isinstance(output_padding, int) \
        else tuple(output_padding)
    pads = [_transpose_padding(k, s, d, _padding(padding), e)
            for k, s, d, e in zip(kernel.shape[:n], strides, dilation, extras)]
    return jax.lax.conv_transpose(inputs, kernel, strides, pads, rhs_dilation=dilation,
                                  dimension_numbers=_dimension_numbers(inputs.ndim, fmt),
                                  transpose_kernel=True)


def _window(inputs, pool_size, strides, data_format):
    fmt = data_format_of(data_format)
    n = inputs.ndim - 2
    pool = _tuple(pool_size, n)
    strides = pool if strides is None else _tuple(strides, n)
    whole = [1] * inputs.ndim
    window, steps = list(whole), list(whole)
    for axis, p, s in zip(_spatial_axes(inputs.ndim, fmt), pool, strides):
        window[axis], steps[axis] = p, s
    return fmt, tuple(window), tuple(steps)


def _as_blocks(inputs, window):
    """Non-overlapping windows as extra axes: XLA:CPU runs this far faster than reduce_window."""
    inputs = inputs[tuple(slice(0, d - d % w) for d, w in zip(inputs.shape, window))]
    shape, block_axes = [], []
    for d, w in zip(inputs.shape, window):
        shape.append(d // w)
        if w > 1:
            block_axes.append(len(shape))
            shape.append(w)
    return jnp.reshape(inputs, shape), tuple(block_axes)


@op
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Maximum over windows of ``pool_size`` (strides default to ``pool_size``)."""
    inputs = jnp.asarray(inputs)
    fmt, window, steps = _window(inputs, pool_size, strides, data_format)
    pad = _padding(padding)
    if pad == "VALID" and window == steps:
        blocks, axes = _as_blocks(inputs, window)
        return jnp.max(blocks, axis=axes)
    lowest = -np.inf if jnp.issubdtype(inputs.dtype, jnp.floating) else jnp.iinfo(inputs.dtype).min
    # a concrete (NumPy) identity lets lax recognise the max-monoid, which it can differentiate
    return jax.lax.reduce_window(inputs, np.array(lowest, inputs.dtype), jax.lax.max, window,
                                 steps, pad)


@op
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Mean over windows of ``pool_size``; with ``"same"`` padding only real entries count."""
    inputs = jnp.asarray(inputs)
    fmt, window, steps = _window(inputs, pool_size, strides, data_format)
    pad = _padding(padding)
    if pad == "VALID" and window == steps:
        blocks, axes = _as_blocks(inputs, window)
        return jnp.mean(blocks, axis=axes)
    zero = np.array(0, inputs.dtype)
    total = jax.lax.reduce_window(inputs, zero, jax.lax.add, window, steps, pad)
    if pad == "VALID":
        return total / math.prod(window)
    ones = jnp.ones([d if w > 1 else 1 for d, w in zip(inputs.shape, window)], inputs.dtype)
    return total / jax.lax.reduce_window(ones, zero, jax.lax.add, window, steps, pad)


def _adaptive(inputs, output_size, data_format, reduce):
    inputs = jnp.asarray(inputs)
    fmt = data_format_of(data_format)
    axes = _spatial_axes(inputs.ndim, fmt)
    x = inputs
    for axis, out in zip(axes, _tuple(output_size, len(axes))):
        length = x.shape[axis]
        # output cell i pools input positions floor(i*L/out) .. ceil((i+1)*L/out) - 1
        member = np.zeros((out, length), bool)
        for i in range(out):
            member[i, (i * length) // out:-((-(i + 1) * length) // out)] = True
        x = jnp.moveaxis(reduce(jnp.moveaxis(x, axis, -1), member), -1, axis)
    return x


@op
def adaptive_average_pool(inputs, output_size, data_format=None):
    """Average pooling to a fixed ``output_size``, with windows as in PyTorch's adaptive pooling."""
    def mean(x, member):
        weights = member / member.sum(axis=1, keepdims=True)
        return jnp.einsum("...l,ol->...o", x, weights.astype(x.dtype),
                          precision=jax.lax.Precision.HIGHEST)
    return _adaptive(inputs, output_size, data_format, mean)


@op
def adaptive_max_pool(inputs, output_size, data_format=None):
    """Max pooling to a fixed ``output_size``, with windows as in PyTorch's adaptive pooling."""
    def largest(x, member):
        return jnp.max(jnp.where(member, x[..., None, :], -jnp.inf), axis=-1).astype(x.dtype)
    return _adaptive(inputs, output_size, data_format, largest)


def _pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


@op
def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding ``kernel_size`` blocks of an NCHW batch as columns: ``(N, C*kh*kw, blocks)``."""
    x = jnp.asarray(x)
    ph, pw = _pair(padding)
    x = jnp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    patches = jax.lax.conv_general_dilated_patches(
        x, _pair(kernel_size), _pair(stride), "VALID", rhs_dilation=_pair(dilation),
        dimension_numbers=("NCHW", "OIHW", "NCHW"))
    return jnp.reshape(patches, patches.shape[:2] + (-1,))


@op
def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """The adjoint of :func:`unfold`: sums the columns of ``x`` back into an NCHW image."""
    x = jnp.asarray(x)
    kh, kw = _pair(kernel_size)
    image = jax.ShapeDtypeStruct((x.shape[0], x.shape[1] // (kh * kw), *_pair(output_size)), x.dtype)
    transpose = jax.linear_transpose(lambda im: unfold(im, kernel_size, dilation, padding, stride),
                                     image)
    return transpose(x)[0]


@op
def depth_to_space(x, block_size, data_format="channels_last"):
    """Moves channel groups into ``block_size`` x ``block_size`` spatial blocks (4-D inputs)."""
    x, b = jnp.asarray(x), block_size
    if data_format_of(data_format) == "channels_last":
        n, h, w, c = x.shape
        x = jnp.transpose(jnp.reshape(x, (n, h, w, b, b, c // b**2)), (0, 1, 3, 2, 4, 5))
        return jnp.reshape(x, (n, h * b, w * b, c // b**2))
    n, c, h, w = x.shape
    x = jnp.transpose(jnp.reshape(x, (n, c // b**2, b, b, h, w)), (0, 1, 4, 2, 5, 3))
    return jnp.reshape(x, (n, c // b**2, h * b, w * b))


@op
def space_to_depth(x, block_size, data_format="channels_last"):
    """Moves ``block_size`` x ``block_size`` spatial blocks into channels (4-D inputs)."""
    x, b = jnp.asarray(x), block_size
    if data_format_of(data_format) == "channels_last":
        n, h, w, c = x.shape
        x = jnp.transpose(jnp.reshape(x, (n, h // b, b, w // b, b, c)), (0, 1, 3, 2, 4, 5))
        return jnp.reshape(x, (n, h // b, w // b, c * b**2))
    n, c, h, w = x.shape
    x = jnp.transpose(jnp.reshape(x, (n, c, h // b, b, w // b, b)), (0, 1, 3, 5, 2, 4))
    return jnp.reshape(x, (n, c * b**2, h // b, w // b))


__all__ = ["conv", "depthwise_conv", "separable_conv", "conv_transpose", "max_pool", "average_pool",
           "adaptive_average_pool", "adaptive_max_pool", "unfold", "fold", "depth_to_space",
           "space_to_depth"]
