"""Convolution lowerings chosen for speed, shared by every convolution layer.

Everything here works on channels-last arrays ``(batch, *spatial, channels)`` with kernels laid
out as ``(*window, in_channels // groups, out_channels)`` and explicit ``(low, high)`` padding.

Why not just ``lax.conv_general_dilated`` and autodiff: on XLA:CPU the forward convolution and its
input gradient are fast, but the *kernel* gradient (a convolution over the batch) takes the slow
generic path. :func:`conv` and :func:`conv_transpose` therefore carry a custom VJP whose kernel
gradient is one small matmul per window tap (or one matmul over stacked taps when the patches are
narrow), two to three times faster there; the numbers are the same up to summation order.

>>> import jax.numpy as jnp
>>> x, k = jnp.ones((1, 5, 5, 2)), jnp.ones((3, 3, 2, 4))
>>> conv(x, k, (1, 1), ((1, 1), (1, 1)), (1, 1)).shape
(1, 5, 5, 4)
"""

from __future__ import annotations

import functools
import itertools
import operator

import jax
import jax.numpy as jnp
from jax import lax

# Widest stacked-patches matrix (taps * channels per group) for which one matmul over all taps
# beats one matmul per tap (measured: single-channel images stack, 32-channel maps do not).
_STACK_TAPS_UP_TO = 32


def explicit_padding(spatial, window, strides, dilation, padding):
    """``(low, high)`` pairs for ``"valid"``, ``"same"`` (TensorFlow's rule) or ``"causal"``.

    >>> explicit_padding((28,), (3,), (1,), (1,), "same")
    ((1, 1),)
    >>> explicit_padding((8,), (3,), (1,), (2,), "causal")
    ((4, 0),)
    """
    pairs = []
    for size, k, s, d in zip(spatial, window, strides, dilation):
        span = (k - 1) * d + 1
        if padding == "valid":
            pairs.append((0, 0))
        elif padding == "causal":
            pairs.append((span - 1, 0))
        elif s == 1:  # the total does not depend on the size
            pairs.append(((span - 1) // 2, span - 1 - (span - 1) // 2))
        else:  # operator.index refuses symbolic sizes, so shape inference retries with a number
            size = operator.index(size)
            total = max((-(-size // s) - 1) * s + span - size, 0)
            pairs.append((total // 2, total - total // 2))
    return tuple(pairs)


def _dimension_numbers(rank):
    spatial = "DHW"[-rank:] if rank <= 3 else "".join(chr(ord("a") + i) for i in range(rank))
    return ("N" + spatial + "C", spatial + "IO", "N" + spatial + "C")


def _lax_conv(x, kernel, strides, padding, dilation, groups):
    return lax.conv_general_dilated(x, kernel, strides, padding, rhs_dilation=dilation,
                                    dimension_numbers=_dimension_numbers(x.ndim - 2),
                                    feature_group_count=groups)


def window_taps(x, padding, window, out_spatial, strides, dilation, fill=0):
    """The strided slices of ``x`` (padded with ``fill``), one per window position in row-major
    order: ``taps[t][:, i, ...] = padded_x[:, i * stride + t * dilation, ...]``."""
    x = jnp.pad(x, ((0, 0),) + tuple(padding) + ((0, 0),), constant_values=fill)
    for offset in itertools.product(*(range(k) for k in window)):
        start = [o * d for o, d in zip(offset, dilation)]
        limit = [b + (n - 1) * s + 1 for b, n, s in zip(start, out_spatial, strides)]
        yield lax.slice(x, [0, *start, 0], [x.shape[0], *limit, x.shape[-1]],
                        [1, *strides, 1])


def kernel_grad(x, dy, window, strides, padding, dilation, groups=1):
    """Gradient of ``conv(x, kernel)`` with respect to ``kernel``, given the output gradient ``dy``.

    ``dW[tap] = slice_tap(x)^T @ dy`` summed over batch and positions; ``padding`` may have a
    high side too large (extra rows are never read).
    """
    cin, cout = x.shape[-1], dy.shape[-1]
    cin_g, cout_g = cin // groups, cout // groups
    taps = list(window_taps(x, [(lo, max(hi, 0)) for lo, hi in padding], window, dy.shape[1:-1],
                      strides, dilation))
    if groups == 1:
        dy2 = dy.reshape(-1, cout).T
        if len(taps) * cin <= _STACK_TAPS_UP_TO:
            patches = jnp.concatenate(taps, axis=-1).reshape(-1, len(taps) * cin)
            return (dy2 @ patches).T.reshape(*window, cin, cout)
        return jnp.stack([(dy2 @ t.reshape(-1, cin)).T for t in taps]).reshape(*window, cin, cout)
    dyg = dy.reshape(-1, groups, cout_g)
    per_tap = [jnp.einsum("mgi,mgo->igo", t.reshape(-1, groups, cin_g), dyg).reshape(cin_g, cout)
               for t in taps]
    return jnp.stack(per_tap).reshape(*window, cin_g, cout)


# -- convolution ---------------------------------------------------------------------------------
@functools.partial(jax.custom_vjp, nondiff_argnums=(2, 3, 4, 5))
def _conv(x, kernel, strides, padding, dilation, groups):
    return _lax_conv(x, kernel, strides, padding, dilation, groups)


def _conv_fwd(x, kernel, strides, padding, dilation, groups):
    return _lax_conv(x, kernel, strides, padding, dilation, groups), (x, kernel)


def _conv_bwd(strides, padding, dilation, groups, residuals, dy):
    x, kernel = residuals
    _, input_vjp = jax.vjp(lambda x: _lax_conv(x, kernel, strides, padding, dilation, groups), x)
    return (input_vjp(dy)[0],
            kernel_grad(x, dy, kernel.shape[:-2], strides, padding, dilation, groups))


_conv.defvjp(_conv_fwd, _conv_bwd)


def conv(x, kernel, strides, padding, dilation, groups=1):
    """N-d convolution of channels-last ``x`` with ``kernel`` ``(*window, in/groups, out)``.

    ``padding`` is a tuple of ``(low, high)`` pairs (see :func:`explicit_padding`).
    """
    return _conv(x, kernel, tuple(strides), tuple(map(tuple, padding)), tuple(dilation), groups)


# -- transposed convolution ----------------------------------------------------------------------
def _forward_padding(padding, window, dilation):
    """The padding of the forward convolution whose input gradient is the transposed convolution
    with (lhs-dilated) ``padding``; a negative high side crops rows the input never reaches."""
    return tuple(((k - 1) * d - lo, (k - 1) * d - hi)
                 for (lo, hi), k, d in zip(padding, window, dilation))


def _lax_conv_transpose(x, kernel, strides, padding, dilation):
    # ``kernel`` is Keras's (*window, filters, in): flip it and swap its channel axes.
    rank = x.ndim - 2
    flipped = jnp.swapaxes(jnp.flip(kernel, tuple(range(rank))), -1, -2)
    return lax.conv_general_dilated(x, flipped, (1,) * rank, padding, lhs_dilation=strides,
                                    rhs_dilation=dilation,
                                    dimension_numbers=_dimension_numbers(rank))


@functools.partial(jax.custom_vjp, nondiff_argnums=(2, 3, 4))
def _conv_transpose(x, kernel, strides, padding, dilation):
    return _lax_conv_transpose(x, kernel, strides, padding, dilation)


def _conv_transpose_fwd(x, kernel, strides, padding, dilation):
    return _lax_conv_transpose(x, kernel, strides, padding, dilation), (x, kernel)


def _conv_transpose_bwd(strides, padding, dilation, residuals, dy):
    x, kernel = residuals
    # The transposed convolution is the input gradient of a forward convolution with this kernel:
    # its gradients are that convolution (for x) and its kernel gradient with x and dy swapped.
    forward = _forward_padding(padding, kernel.shape[:-2], dilation)
    return (_lax_conv(dy, kernel, strides, forward, dilation, 1),
            kernel_grad(dy, x, kernel.shape[:-2], strides, forward, dilation))


_conv_transpose.defvjp(_conv_transpose_fwd, _conv_transpose_bwd)


def conv_transpose(x, kernel, strides, padding, dilation):
    """Transposed convolution of channels-last ``x`` with Keras's kernel ``(*window, out, in)``.

    ``padding`` holds ``(low, high)`` pairs added around the stride-dilated input (as in
    ``lax.conv_transpose``); the output has ``out`` channels.

    >>> conv_transpose(jnp.ones((1, 4, 1)), jnp.ones((3, 2, 1)), (2,), ((2, 2),), (1,)).shape
    (1, 9, 2)
    """
    return _conv_transpose(x, kernel, tuple(strides), tuple(map(tuple, padding)), tuple(dilation))


# -- depthwise convolution -----------------------------------------------------------------------
def _depthwise_taps(x, kernel, strides, padding, dilation):
    # XLA:CPU runs grouped convolutions with one channel per group very slowly (tens of times
    # slower than this): a depthwise convolution is a sum of shifted, scaled copies of the input.
    window = kernel.shape[:-1]
    out_spatial = [(n + lo + hi - (k - 1) * d - 1) // s + 1 for n, (lo, hi), k, s, d
                   in zip(x.shape[1:-1], padding, window, strides, dilation)]
    taps = kernel.reshape(-1, kernel.shape[-1])
    return sum(t * taps[i] for i, t in
               enumerate(window_taps(x, padding, window, out_spatial, strides, dilation)))


@functools.partial(jax.custom_vjp, nondiff_argnums=(2, 3, 4))
def _depthwise(x, kernel, strides, padding, dilation):
    return _depthwise_taps(x, kernel, strides, padding, dilation)


def _depthwise_fwd(x, kernel, strides, padding, dilation):
    return _depthwise_taps(x, kernel, strides, padding, dilation), (x, kernel)


def _depthwise_bwd(strides, padding, dilation, residuals, dy):
    # The input gradient of the shifted copies is cheap; the kernel gradient is a per-channel
    # reduction, where the grouped convolution's own gradient is the fastest measured.
    x, kernel = residuals
    _, input_vjp = jax.vjp(lambda x: _depthwise_taps(x, kernel, strides, padding, dilation), x)
    channels = kernel.shape[-1]
    _, kernel_vjp = jax.vjp(lambda k: _lax_conv(x, k, strides, padding, dilation, channels),
                            kernel[..., None, :])
    return input_vjp(dy)[0], kernel_vjp(dy)[0].reshape(kernel.shape)


_depthwise.defvjp(_depthwise_fwd, _depthwise_bwd)


def depthwise_conv(x, kernel, strides, padding, dilation):
    """Depthwise convolution with Keras's kernel ``(*window, channels, multiplier)``: each input
    channel ``c`` gives output channels ``c * multiplier + m``.

    >>> depthwise_conv(jnp.ones((1, 5, 5, 2)), jnp.ones((3, 3, 2, 2)), (1, 1), ((0, 0), (0, 0)),
    ...                (1, 1))[0, 0, 0].tolist()
    [9.0, 9.0, 9.0, 9.0]
    """
    multiplier = kernel.shape[-1]
    if multiplier > 1:  # repeat each channel: then every output channel has its own input channel
        x = jnp.repeat(x, multiplier, axis=-1)
    return _depthwise(x, kernel.reshape(*kernel.shape[:-2], -1), tuple(strides),
                      tuple(map(tuple, padding)), tuple(dilation))
