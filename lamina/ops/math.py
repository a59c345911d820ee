"""Keras's math ops: segment reductions, top-k, special functions, FFTs and short-time Fourier transforms.

Complex results follow Keras: FFTs take and return ``(real, imag)`` pairs of float arrays.

>>> import jax.numpy as jnp
>>> segment_sum(jnp.array([1.0, 2.0, 3.0]), jnp.array([0, 0, 1]), num_segments=2).tolist()
[3.0, 3.0]
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import jax.scipy.special as jss

from lamina.ops.dispatch import aliases, op

_TABLE = {
    "erf": (jax.lax.erf, "x"),
    "erfc": (jss.erfc, "x"),
    "erfinv": (jss.erfinv, "x"),
    "rsqrt": (jax.lax.rsqrt, "x"),
    "logsumexp": (jss.logsumexp, "x | axis keepdims"),
}
globals().update(aliases(_TABLE, __name__))


def _segment(reduce, name):
    def segment_op(data, segment_ids, num_segments=None, sorted=False):
        if num_segments is None:
            if isinstance(segment_ids, jax.core.Tracer):
                raise ValueError(f"ops.{name} inside a compiled function needs `num_segments`.")
            num_segments = int(jnp.max(segment_ids)) + 1
        return reduce(data, segment_ids, num_segments, indices_are_sorted=sorted)

    segment_op.__name__ = segment_op.__qualname__ = name
    segment_op.__doc__ = (f"Per-segment {name.split('_')[1]} of ``data`` (rows grouped by "
                          "``segment_ids``); ``num_segments`` defaults to ``max(segment_ids) + 1`` "
                          "outside compiled code.")
    return op(segment_op)


segment_sum = _segment(jax.ops.segment_sum, "segment_sum")
segment_max = _segment(jax.ops.segment_max, "segment_max")
segment_min = _segment(jax.ops.segment_min, "segment_min")
segment_prod = _segment(jax.ops.segment_prod, "segment_prod")


@op
def top_k(x, k, sorted=True):
    """``(values, indices)`` of the ``k`` largest entries along the last axis, largest first.

    >>> [a.tolist() for a in top_k(jnp.array([1.0, 3.0, 2.0]), 2)]
    [[3.0, 2.0], [1, 2]]
    """
    return jax.lax.top_k(x, k)


@op
def in_top_k(targets, predictions, k):
    """Whether each target class is among the ``k`` highest predictions of its row.

    A target counts as in the top ``k`` when fewer than ``k`` classes score strictly higher.
    """
    predictions = jnp.asarray(predictions)
    at_target = jnp.take_along_axis(predictions, jnp.asarray(targets)[..., None], axis=-1)
    at_target = jnp.where(jnp.isnan(at_target), -jnp.inf, at_target)
    return jnp.sum(predictions > at_target, axis=-1) < k


@op
def logdet(x):
    """``log(det(x))`` of positive-definite matrices."""
    return jnp.linalg.slogdet(x)[1]


@op
def cdist(x, y):
    """Euclidean distances between the rows of ``x`` and ``y`` (batched over leading axes)."""
    x, y = jnp.asarray(x), jnp.asarray(y)
    if x.ndim < 2 or y.ndim < 2 or x.shape[-1] != y.shape[-1]:
        raise ValueError(f"ops.cdist needs inputs of rank >= 2 with the same last dimension; "
                         f"received shapes {x.shape} and {y.shape}.")
    diff = x[..., :, None, :] - y[..., None, :, :]
    return jnp.sqrt(jnp.sum(diff * diff, axis=-1))


@op
def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of ``sequence_length`` samples every ``sequence_stride`` along the last axis.

    >>> extract_sequences(jnp.arange(5.0), 2, 2).tolist()
    [[0.0, 1.0], [2.0, 3.0]]
    """
    x = jnp.asarray(x)
    count = 1 + (x.shape[-1] - sequence_length) // sequence_stride
    starts = jnp.arange(count) * sequence_stride
    index = starts[:, None] + jnp.arange(sequence_length)[None, :]
    return x[..., index]


def _complex(pair):
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise ValueError(f"Expected a (real, imag) pair of float tensors; received {pair!r}.")
    real, imag = (jnp.asarray(p) for p in pair)
    if real.shape != imag.shape:
        raise ValueError(f"The real and imaginary parts differ in shape: {real.shape} vs {imag.shape}.")
    if not (jnp.issubdtype(real.dtype, jnp.floating) and jnp.issubdtype(imag.dtype, jnp.floating)):
        raise ValueError(f"The real and imaginary parts must be floats; received {real.dtype}, "
                         f"{imag.dtype}.")
    return jax.lax.complex(real, imag)


def _pair(z):
    return jnp.real(z), jnp.imag(z)


@op
def fft(x):
    """FFT over the last axis of a ``(real, imag)`` pair; returns a pair."""
    return _pair(jnp.fft.fft(_complex(x)))


@op
def fft2(x):
    """2-D FFT over the last two axes of a ``(real, imag)`` pair; returns a pair."""
    return _pair(jnp.fft.fft2(_complex(x)))


@op
def ifft2(x):
    """Inverse 2-D FFT over the last two axes of a ``(real, imag)`` pair; returns a pair."""
    return _pair(jnp.fft.ifft2(_complex(x)))


@op
def rfft(x, fft_length=None):
    """FFT of a real signal over its last axis; returns ``(real, imag)``."""
    return _pair(jnp.fft.rfft(x, n=fft_length, axis=-1))


@op
def irfft(x, fft_length=None):
    """The real signal whose :func:`rfft` is the ``(real, imag)`` pair ``x``."""
    return jnp.fft.irfft(_complex(x), n=fft_length, axis=-1)


def _window(window, sequence_length, fft_length, dtype):
    """The analysis window, zero-padded on both sides to ``fft_length``."""
    if window is None:
        win = jnp.ones((sequence_length,), dtype)
    elif isinstance(window, str):
        # periodic windows, as scipy.signal.get_window returns them
        n = jnp.arange(sequence_length, dtype=dtype)
        cos = jnp.cos(2 * math.pi * n / sequence_length)
        if window == "hann":
            win = 0.5 - 0.5 * cos
        elif window == "hamming":
            win = 0.54 - 0.46 * cos
        else:
            raise ValueError(f"A string `window` must be 'hann' or 'hamming'; received {window!r}.")
    else:
        win = jnp.asarray(window, dtype)
        if win.shape != (sequence_length,):
            raise ValueError(f"`window` must have shape ({sequence_length},); received {win.shape}.")
    left = (fft_length - sequence_length) // 2
    return jnp.pad(win, (left, fft_length - sequence_length - left))


@op
def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """Short-time Fourier transform over the last axis; returns ``(real, imag)`` of shape
    ``(..., frames, fft_length // 2 + 1)``."""
    x = jnp.asarray(x)
    if x.dtype.name not in ("float32", "float64"):
        raise TypeError(f"ops.stft expects float32 or float64 input; received {x.dtype}.")
    if fft_length < sequence_length:
        raise ValueError(f"`fft_length` ({fft_length}) must be at least `sequence_length` "
                         f"({sequence_length}).")
    if center:
        half = fft_length // 2
        x = jnp.pad(x, [(0, 0)] * (x.ndim - 1) + [(half, half)], mode="reflect")
    frames = extract_sequences(x, fft_length, sequence_stride)
    win = _window(window, sequence_length, fft_length, x.dtype)
    return _pair(jnp.fft.rfft(frames * win, n=fft_length, axis=-1))


@op
def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann",
          center=True):
    """Inverse of :func:`stft`: windowed overlap-add of the inverse FFTs of the frames."""
    spectrum = _complex(x)
    if spectrum.ndim < 2:
        raise ValueError(f"ops.istft needs at least 2 dimensions; received shape {spectrum.shape}.")
    dtype = jnp.real(spectrum).dtype
    frames = jnp.fft.irfft(spectrum, n=fft_length, axis=-1)
    count = frames.shape[-2]
    win = _window(window, sequence_length, fft_length, dtype)
    total = fft_length + sequence_stride * (count - 1)
    index = (jnp.arange(count) * sequence_stride)[:, None] + jnp.arange(fft_length)[None, :]
    signal = jnp.zeros(frames.shape[:-2] + (total,), dtype).at[..., index].add(frames * win)
    norm = jnp.zeros((total,), dtype).at[index].add(jnp.broadcast_to(win * win, index.shape))
    signal = signal / jnp.where(norm > 1e-10, norm, 1.0)
    start = fft_length // 2 if center else 0
    if length is not None:
        return signal[..., start:start + length]
    return signal[..., start:total - fft_length // 2] if center else signal


@op
def view_as_real(x):
    """A complex tensor as floats with a trailing ``(real, imag)`` axis of size 2."""
    x = jnp.asarray(x)
    return jnp.stack([jnp.real(x), jnp.imag(x)], axis=-1)


@op
def view_as_complex(x):
    """The complex tensor whose real and imaginary parts are ``x[..., 0]`` and ``x[..., 1]``."""
    x = jnp.asarray(x)
    if x.ndim < 1 or x.shape[-1] != 2:
        raise ValueError(f"ops.view_as_complex needs a last dimension of size 2; received {x.shape}.")
    return x[..., 0].astype("complex64") + 1j * x[..., 1].astype("complex64")


__all__ = sorted([*_TABLE, "segment_sum", "segment_max", "segment_min", "segment_prod", "top_k",
                  "in_top_k", "logdet", "cdist", "extract_sequences", "fft", "fft2", "ifft2", "rfft",
                  "irfft", "stft", "istft", "view_as_real", "view_as_complex"])
