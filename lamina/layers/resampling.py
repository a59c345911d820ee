"""Spatial resizing layers: Cropping, ZeroPadding and UpSampling in 1, 2 and 3 dimensions.

One N-d implementation per family; the rank aliases only fix Keras's argument defaults.
``data_format`` is ``"channels_last"`` (default) or ``"channels_first"``.
"""

import jax
import jax.numpy as jnp

from lamina.core.errors import describe
from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer

_INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5")


def _data_format(value, cls):
    value = "channels_last" if value is None else str(value).lower()
    if value not in ("channels_last", "channels_first"):
        raise ValueError(f"{cls}: `data_format` must be 'channels_last' or 'channels_first', "
                         f"received data_format={value!r}.")
    return value


def _ints(value, n, name, cls, minimum):
    """``value`` (an int or ``n`` ints) as a tuple of ``n`` ints ``>= minimum``."""
    values = (value,) * n if isinstance(value, int) else tuple(value)
    if len(values) != n or any(not isinstance(v, int) or v < minimum for v in values):
        raise ValueError(f"{cls}: `{name}` must be an int or a tuple of {n} ints >= {minimum}, "
                         f"received {name}={value!r}.")
    return values


def _pairs(value, rank, name, cls):
    """Per spatial axis ``(before, after)``: from an int, ``rank`` ints or ``rank`` pairs
    (for rank 1, ``value`` is the single pair)."""
    if rank == 1:
        return (_ints(value, 2, name, cls, 0),)
    if isinstance(value, int):
        value = (value,) * rank
    if not hasattr(value, "__len__") or len(value) != rank:
        raise ValueError(f"{cls}: `{name}` must be an int, a tuple of {rank} ints or a tuple of "
                         f"{rank} (before, after) pairs; received {name}={value!r}.")
    return tuple(_ints(v, 2, name, cls, 0) for v in value)


class _Spatial(Layer):
    """A layer over the ``rank`` spatial axes of a ``(batch, *spatial, channels)`` input."""

    rank = None

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _data_format(data_format, type(self).__name__)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    @property
    def _spatial_axes(self):
        first = 2 if self.data_format == "channels_first" else 1
        return range(first, first + self.rank)


class _Cropping(_Spatial):
    def __init__(self, cropping, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.cropping = cropping
        self._pairs = _pairs(cropping, self.rank, "cropping", type(self).__name__)

    def call(self, inputs):
        index = [slice(None)] * inputs.ndim
        for axis, (before, after) in zip(self._spatial_axes, self._pairs):
            size = inputs.shape[axis]
            if isinstance(size, int) and before + after >= size:
                raise ValueError(f"{describe(self)}: cropping {(before, after)} removes all of "
                                 f"axis {axis} (size {size}) of inputs of shape {inputs.shape}.")
            index[axis] = slice(before, -after if after else None)  # also for unknown sizes
        return inputs[tuple(index)]


class Cropping1D(_Cropping):
    """Crops ``cropping = (start, end)`` steps off axis 1 of ``(batch, steps, features)``.

    >>> Cropping1D((1, 2))(jnp.ones((2, 6, 3))).shape
    (2, 3, 3)
    """

    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, **kwargs)


class Cropping2D(_Cropping):
    """Crops rows and columns: ``cropping`` is an int, ``(rows, cols)`` or
    ``((top, bottom), (left, right))``.

    >>> Cropping2D(((1, 0), (2, 2)))(jnp.ones((2, 5, 6, 3))).shape
    (2, 4, 2, 3)
    """

    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(_Cropping):
    """Crops the three spatial axes of a volume (``cropping`` as in :class:`Cropping2D`).

    >>> Cropping3D(1)(jnp.ones((1, 4, 4, 4, 2))).shape
    (1, 2, 2, 2, 2)
    """

    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class _ZeroPadding(_Spatial):
    def __init__(self, padding, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.padding = padding
        self._pairs = _pairs(padding, self.rank, "padding", type(self).__name__)

    def call(self, inputs):
        widths = [(0, 0)] * inputs.ndim
        for axis, pair in zip(self._spatial_axes, self._pairs):
            widths[axis] = pair
        return jnp.pad(inputs, widths)


class ZeroPadding1D(_ZeroPadding):
    """Adds zeros at the start and end of the steps axis (``padding``: int or ``(start, end)``).

    >>> ZeroPadding1D(2)(jnp.ones((1, 3, 4))).shape
    (1, 7, 4)
    """

    rank = 1

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding2D(_ZeroPadding):
    """Adds rows and columns of zeros: ``padding`` is an int, ``(rows, cols)`` or
    ``((top, bottom), (left, right))``.

    >>> ZeroPadding2D((1, 2))(jnp.ones((1, 3, 3, 2))).shape
    (1, 5, 7, 2)
    """

    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding3D(_ZeroPadding):
    """Zero-pads the three spatial axes of a volume (``padding`` as in :class:`ZeroPadding2D`).

    >>> ZeroPadding3D()(jnp.ones((1, 2, 2, 2, 1))).shape
    (1, 4, 4, 4, 1)
    """

    rank = 3

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class _UpSampling(_Spatial):
    def __init__(self, size, data_format=None, interpolation="nearest", **kwargs):
        super().__init__(data_format, **kwargs)
        self.size = size
        self._factors = _ints(size, self.rank, "size", type(self).__name__, 1)
        self.interpolation = str(interpolation).lower()
        if self.interpolation not in _INTERPOLATIONS:
            raise ValueError(f"{type(self).__name__}: `interpolation` must be one of "
                             f"{_INTERPOLATIONS}, received interpolation={interpolation!r}.")

    def call(self, inputs):
        axes = list(self._spatial_axes)
        if self.interpolation == "nearest":
            for axis, factor in zip(axes, self._factors):
                inputs = jnp.repeat(inputs, factor, axis=axis)
            return inputs
        shape = list(inputs.shape)
        for axis, factor in zip(axes, self._factors):
            shape[axis] = shape[axis] * factor
        return jax.image.resize(inputs, tuple(shape), method=self.interpolation,
                                antialias=False).astype(inputs.dtype)


class UpSampling1D(_UpSampling):
    """Repeats each step ``size`` times along axis 1.

    >>> UpSampling1D(3)(jnp.array([[[1.0], [2.0]]]))[0, :, 0].tolist()
    [1.0, 1.0, 1.0, 2.0, 2.0, 2.0]
    """

    rank = 1

    def __init__(self, size=2, **kwargs):
        if not isinstance(size, int) or isinstance(size, bool):
            raise TypeError(f"UpSampling1D: `size` must be an integer, received {size!r}.")
        super().__init__(size, **kwargs)


class UpSampling2D(_UpSampling):
    """Scales rows and columns by ``size``: repeating (``"nearest"``) or interpolating
    (``"bilinear"``, ``"bicubic"``, ``"lanczos3"``, ``"lanczos5"``).

    >>> UpSampling2D((2, 3))(jnp.ones((1, 2, 2, 4))).shape
    (1, 4, 6, 4)
    """

    rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size, data_format, interpolation, **kwargs)


class UpSampling3D(_UpSampling):
    """Repeats each voxel ``size`` times along the three spatial axes.

    >>> UpSampling3D()(jnp.ones((1, 1, 2, 3, 4))).shape
    (1, 2, 4, 6, 4)
    """

    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, data_format, **kwargs)
