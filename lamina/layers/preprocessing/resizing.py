"""Resizing: images to a fixed height and width, optionally cropping or padding to keep the
aspect ratio."""

from lamina.core.errors import describe
from lamina.core.layer import Layer
from lamina.layers.preprocessing import image_ops


class Resizing(Layer):
    """Resizes images to ``(height, width)`` with ``jax.image.resize``, like Keras on JAX.

    Works inside compiled models. Integer images come back rounded, in their own dtype.
    ``antialias`` defaults to ``False`` as in Keras (``jax.image.resize`` alone defaults to
    ``True``): downsampling then samples the input instead of averaging it.

    Args:
        height, width: output size.
        interpolation: ``"bilinear"`` (default), ``"nearest"``, ``"bicubic"``, ``"lanczos3"``,
            ``"lanczos5"``.
        crop_to_aspect_ratio: first crop the largest centred window with the target aspect ratio.
        pad_to_aspect_ratio: first pad the short side evenly with ``fill_value`` instead.
        fill_mode: only ``"constant"``.
        fill_value: padding value.
        antialias: low-pass filter when downsampling.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> import numpy as np
    >>> Resizing(2, 2, interpolation="nearest")(np.arange(16.0).reshape(4, 4, 1))[..., 0].tolist()
    [[5.0, 7.0], [13.0, 15.0]]
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, antialias=False,
                 data_format=None, **kwargs):
        super().__init__(**kwargs)
        if interpolation not in image_ops.INTERPOLATIONS:
            raise ValueError(f"{describe(self)}: `interpolation` must be one of "
                             f"{image_ops.INTERPOLATIONS}, received {interpolation!r}.")
        if fill_mode != "constant":
            raise ValueError(f"{describe(self)}: only fill_mode='constant' is supported, "
                             f"received {fill_mode!r}.")
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError(f"{describe(self)}: set at most one of `crop_to_aspect_ratio` and "
                             "`pad_to_aspect_ratio`.")
        self.height, self.width = height, width
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.fill_mode, self.fill_value = fill_mode, fill_value
        self.antialias = bool(antialias)
        self.data_format = image_ops.standardize_data_format(data_format)

    def call(self, inputs):
        if inputs.ndim not in (3, 4):
            raise ValueError(f"{describe(self)}: expected images of rank 3 or 4, received shape "
                             f"{tuple(inputs.shape)}.")
        images = inputs
        h_axis, w_axis = image_ops.spatial_axes(images.ndim, self.data_format)
        if self.crop_to_aspect_ratio:
            box = image_ops.aspect_crop_box(images.shape[h_axis], images.shape[w_axis],
                                            self.height, self.width)
            images = image_ops.crop(images, *box, self.data_format)
        elif self.pad_to_aspect_ratio:
            images = image_ops.pad_to_aspect(images, self.height, self.width, self.fill_value,
                                             self.data_format)
        resized = image_ops.resize(images, self.height, self.width, self.interpolation,
                                   self.antialias, self.data_format)
        return resized if resized.dtype == inputs.dtype else image_ops.saturate_cast(
            resized, inputs.dtype)
