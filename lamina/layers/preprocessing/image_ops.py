"""Image helpers shared by Resizing and CenterCrop: layout, aspect-ratio crop and pad, resize.

Images are ``(height, width, channels)`` or ``(batch, height, width, channels)`` for
``channels_last``; ``channels_first`` puts channels before height.
"""

import jax
import jax.numpy as jnp

INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic")


def standardize_data_format(data_format):
    """``"channels_last"`` (the default) or ``"channels_first"``; raises for anything else."""
    data_format = "channels_last" if data_format is None else str(data_format).lower()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError("`data_format` must be 'channels_last' or 'channels_first', "
                         f"received {data_format!r}.")
    return data_format


def spatial_axes(ndim, data_format):
    """The (height, width) axes of an image array of rank ``ndim``."""
    return (ndim - 2, ndim - 1) if data_format == "channels_first" else (ndim - 3, ndim - 2)


def aspect_crop_box(height, width, target_height, target_width):
    """``(top, left, crop_height, crop_width)`` of the largest centred window with the target
    aspect ratio (Keras's ``smart_resize`` crop).

    >>> aspect_crop_box(4, 8, 2, 2)
    (0, 2, 4, 4)
    """
    crop_h = max(min(height, int(width * target_height / target_width)), 1)
    crop_w = max(min(width, int(height * target_width / target_height)), 1)
    return int((height - crop_h) / 2), int((width - crop_w) / 2), crop_h, crop_w


def crop(images, top, left, crop_height, crop_width, data_format):
    """The window ``[top:top+crop_height, left:left+crop_width]`` of every image."""
    h_axis, w_axis = spatial_axes(images.ndim, data_format)
    images = jax.lax.slice_in_dim(images, top, top + crop_height, axis=h_axis)
    return jax.lax.slice_in_dim(images, left, left + crop_width, axis=w_axis)


def pad_to_aspect(images, target_height, target_width, fill_value, data_format):
    """Pads the short side evenly with ``fill_value`` towards the target aspect ratio."""
    h_axis, w_axis = spatial_axes(images.ndim, data_format)
    height, width = images.shape[h_axis], images.shape[w_axis]
    pad_h = max(height, int(width * target_height / target_width))
    pad_w = max(width, int(height * target_width / target_height))
    top, left = int((pad_h - height) / 2), int((pad_w - width) / 2)
    widths = [(0, 0)] * images.ndim
    if top > 0:
        widths[h_axis] = (top, top)
    elif left > 0:
        widths[w_axis] = (left, left)
    return jnp.pad(images, widths, constant_values=jnp.asarray(fill_value, images.dtype))


def resize(images, height, width, interpolation, antialias, data_format):
    """``jax.image.resize`` of the spatial axes (what Keras's JAX backend calls)."""
    if images.ndim not in (3, 4):
        raise ValueError("expected images of rank 3 (one image) or 4 (a batch), received shape "
                         f"{tuple(images.shape)}")
    h_axis, w_axis = spatial_axes(images.ndim, data_format)
    shape = list(images.shape)
    shape[h_axis], shape[w_axis] = height, width
    return jax.image.resize(images, tuple(shape), method=interpolation, antialias=antialias)


def saturate_cast(values, dtype):
    """Rounds (for integer ``dtype``), clips to ``dtype``'s range and casts."""
    dtype = jnp.dtype(dtype)
    if jnp.issubdtype(dtype, jnp.integer):
        info = jnp.iinfo(dtype)
        values = jnp.clip(jnp.round(values), info.min, info.max)
    return values.astype(dtype)
