"""``keras.ops.image``: resizing, colour spaces, geometric transforms, patches, filters, SSIM.

Images are ``(height, width, channels)`` or batches ``(batch, height, width, channels)``
(``data_format="channels_first"``: channels before height). Resampling uses ``jax.image`` and
``jax.scipy.ndimage.map_coordinates``.

>>> import jax.numpy as jnp
>>> resize(jnp.ones((2, 4, 4, 3)), (2, 2)).shape
(2, 2, 2, 3)
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from lamina import random
from lamina.ops.conv import conv, data_format_of, depthwise_conv
from lamina.ops.core import saturate_cast
from lamina.ops.dispatch import op

_RESIZE_METHODS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic")
_ORDERS = {"nearest": 0, "bilinear": 1}
_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")
_SCALE_METHODS = ("linear", "bilinear", "trilinear", "cubic", "bicubic", "tricubic", "lanczos3",
                  "lanczos5")


def _images(images):
    images = jnp.asarray(images)
    if images.ndim not in (3, 4):
        raise ValueError("Expected an image (rank 3) or a batch of images (rank 4); received "
                         f"shape {images.shape}.")
    return images


def _hw_axes(images, data_format):
    """The (height, width, channel) axes of ``images``."""
    if data_format_of(data_format) == "channels_last":
        return images.ndim - 3, images.ndim - 2, images.ndim - 1
    return images.ndim - 2, images.ndim - 1, images.ndim - 3


def _to_batch_last(images, data_format):
    """A ``(batch, height, width, channels)`` view, and the function that undoes it."""
    single, first = images.ndim == 3, data_format_of(data_format) == "channels_first"
    x = images[None] if single else images
    x = jnp.transpose(x, (0, 2, 3, 1)) if first else x

    def back(y):
        y = jnp.transpose(y, (0, 3, 1, 2)) if first else y
        return y[0] if single else y

    return x, back


@op
def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """Resizes images to ``size = (height, width)``, optionally cropping or padding to its aspect
    ratio first; integer images are rounded and saturated back to their dtype."""
    images = _images(images)
    if interpolation not in _RESIZE_METHODS:
        raise ValueError(f"`interpolation` must be one of {_RESIZE_METHODS}; received "
                         f"{interpolation!r}.")
    if fill_mode != "constant":
        raise ValueError(f"Only fill_mode='constant' is supported; received {fill_mode!r}.")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("Only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` can be True.")
    if len(size) != 2:
        raise ValueError(f"`size` must be (height, width); received {size!r}.")
    h_axis, w_axis, _ = _hw_axes(images, data_format)
    height, width = images.shape[h_axis], images.shape[w_axis]
    out_h, out_w = size
    if crop_to_aspect_ratio:
        crop_h = max(min(height, int(width * out_h / out_w)), 1)
        crop_w = max(min(width, int(height * out_w / out_h)), 1)
        top, left = int((height - crop_h) / 2), int((width - crop_w) / 2)
        images = jax.lax.slice_in_dim(images, top, top + crop_h, axis=h_axis)
        images = jax.lax.slice_in_dim(images, left, left + crop_w, axis=w_axis)
    elif pad_to_aspect_ratio:
        pad_h = int((max(height, int(width * out_h / out_w)) - height) / 2)
        pad_w = int((max(width, int(height * out_w / out_h)) - width) / 2)
        widths = [(0, 0)] * images.ndim
        if pad_h > 0:
            widths[h_axis] = (pad_h, pad_h)
        elif pad_w > 0:
            widths[w_axis] = (pad_w, pad_w)
        images = jnp.pad(images, widths, constant_values=jnp.asarray(fill_value, images.dtype))
    shape = list(images.shape)
    shape[h_axis], shape[w_axis] = out_h, out_w
    out = jax.image.resize(images, shape, method=interpolation, antialias=antialias)
    if out.dtype == images.dtype:
        return out
    if jnp.issubdtype(images.dtype, jnp.integer):
        out = jnp.round(out)
    return saturate_cast(out, images.dtype)


@op
def rgb_to_grayscale(images, data_format=None):
    """Luma ``0.2989 R + 0.5870 G + 0.1140 B`` as a single channel."""
    images = _images(images)
    axis = _hw_axes(images, data_format)[2]
    if images.shape[axis] == 1:
        return images
    if images.shape[axis] != 3:
        raise ValueError(f"Expected 3 (RGB) or 1 channels; received shape {images.shape}.")
    work = images.astype(jnp.promote_types(images.dtype, jnp.float32))
    gray = jnp.tensordot(work, jnp.asarray([0.2989, 0.5870, 0.1140], work.dtype), axes=([axis], [0]))
    return jnp.expand_dims(gray, axis).astype(images.dtype)


def _float_images(images):
    images = _images(images)
    if not jnp.issubdtype(images.dtype, jnp.floating):
        raise ValueError(f"Expected float images; received dtype {images.dtype}.")
    return images


@op
def rgb_to_hsv(images, data_format=None):
    """RGB in ``[0, 1]`` to hue, saturation, value in ``[0, 1]``."""
    images = _float_images(images)
    axis = _hw_axes(images, data_format)[2]
    images = jnp.where(jnp.abs(images) < jnp.finfo(images.dtype).eps, 0.0, images)
    r, g, b = (jnp.take(images, i, axis=axis) for i in range(3))
    value = jnp.maximum(jnp.maximum(r, g), b)
    spread = value - jnp.minimum(jnp.minimum(r, g), b)
    saturation = jnp.where(value > 0, spread / jnp.where(value > 0, value, 1.0), 0.0)
    scale = 1.0 / (6.0 * jnp.where(spread > 0, spread, 1.0))
    hue = jnp.where(value == g, scale * (b - r) + 2.0 / 6.0, scale * (r - g) + 4.0 / 6.0)
    hue = jnp.where(value == r, scale * (g - b), hue)
    hue = jnp.where(spread > 0, hue, 0.0) + (hue < 0.0).astype(hue.dtype)
    return jnp.stack([hue, saturation, value], axis=axis)


@op
def hsv_to_rgb(images, data_format=None):
    """Hue, saturation, value in ``[0, 1]`` to RGB."""
    images = _float_images(images)
    axis = _hw_axes(images, data_format)[2]
    hue, saturation, value = (jnp.take(images, i, axis=axis) for i in range(3))
    sector = jnp.mod(hue, 1.0) * 6.0
    weights = (jnp.clip(jnp.abs(sector - 3.0) - 1.0, 0.0, 1.0),
               jnp.clip(2.0 - jnp.abs(sector - 2.0), 0.0, 1.0),
               jnp.clip(2.0 - jnp.abs(sector - 4.0), 0.0, 1.0))
    return jnp.stack([value * (1.0 - saturation + saturation * w) for w in weights], axis=axis)


def _sample(images, rows, cols, order, fill_mode, fill_value):
    """``images[b, rows[b], cols[b], c]`` interpolated; ``images`` is batch-last, rows/cols (B, H, W)."""
    def one_channel(channel, r, c):
        return jax.scipy.ndimage.map_coordinates(channel, [r, c], order=order, mode=fill_mode,
                                                 cval=fill_value)

    per_image = jax.vmap(one_channel, in_axes=(2, None, None), out_axes=2)
    grid = (images.shape[0],) + rows.shape[-2:]
    return jax.vmap(per_image)(images, jnp.broadcast_to(rows, grid), jnp.broadcast_to(cols, grid))


def _check_resampling(interpolation, fill_mode):
    if interpolation not in _ORDERS:
        raise ValueError(f"`interpolation` must be one of {tuple(_ORDERS)}; received "
                         f"{interpolation!r}.")
    if fill_mode not in _FILL_MODES:
        raise ValueError(f"`fill_mode` must be one of {_FILL_MODES}; received {fill_mode!r}.")


@op
def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0, data_format=None):
    """Resamples images through ``transform = [a0, a1, a2, b0, b1, b2, c0, c1]``: output pixel
    ``(x, y)`` reads input ``((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)``, ``k = c0 x + c1 y + 1``."""
    _check_resampling(interpolation, fill_mode)
    images = _images(images)
    x, back = _to_batch_last(images, data_format)
    transform = jnp.asarray(transform, jnp.promote_types(x.dtype, jnp.float32))
    transform = jnp.broadcast_to(transform, (x.shape[0], 8)) if transform.ndim == 1 else transform
    ys, xs = jnp.meshgrid(jnp.arange(x.shape[1]), jnp.arange(x.shape[2]), indexing="ij")
    t = [transform[:, i, None, None] for i in range(8)]
    k = t[6] * xs + t[7] * ys + 1.0
    cols = (t[0] * xs + t[1] * ys + t[2]) / k
    rows = (t[3] * xs + t[4] * ys + t[5]) / k
    return back(_sample(x, rows, cols, _ORDERS[interpolation], fill_mode, fill_value))


def _homographies(start_points, end_points):
    """The 8 parameters mapping each ``end`` point onto its ``start`` point, per batch row."""
    sx, sy = start_points[..., 0], start_points[..., 1]
    ex, ey = end_points[..., 0], end_points[..., 1]
    zero, one = jnp.zeros_like(ex), jnp.ones_like(ex)
    x_rows = jnp.stack([ex, ey, one, zero, zero, zero, -sx * ex, -sx * ey], axis=-1)
    y_rows = jnp.stack([zero, zero, zero, ex, ey, one, -sy * ex, -sy * ey], axis=-1)
    system = jnp.concatenate([x_rows, y_rows], axis=1)
    return jnp.linalg.solve(system, jnp.concatenate([sx, sy], axis=-1)[..., None])[..., 0]


@op
def perspective_transform(images, start_points, end_points, interpolation="bilinear", fill_value=0,
                          data_format=None):
    """Warps images so that the four ``start_points`` (x, y) land on ``end_points``."""
    _check_resampling(interpolation, "constant")
    images = _images(images)
    start, end = jnp.asarray(start_points, "float32"), jnp.asarray(end_points, "float32")
    if start.shape[-2:] != (4, 2) or start.shape != end.shape:
        raise ValueError("`start_points` and `end_points` must both have shape (4, 2) or "
                         f"(batch, 4, 2); received {start.shape} and {end.shape}.")
    x, back = _to_batch_last(images, data_format)
    h = _homographies(start.reshape(-1, 4, 2), end.reshape(-1, 4, 2))
    ys, xs = jnp.meshgrid(jnp.arange(x.shape[1]), jnp.arange(x.shape[2]), indexing="ij")
    t = [h[:, i, None, None] for i in range(8)]
    k = t[6] * xs + t[7] * ys + 1.0
    cols, rows = (t[0] * xs + t[1] * ys + t[2]) / k, (t[3] * xs + t[4] * ys + t[5]) / k
    return back(_sample(x, rows, cols, _ORDERS[interpolation], "constant", fill_value))


@op
def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """``inputs`` interpolated (order 0 or 1) at ``coordinates`` (one array per input axis)."""
    inputs = jnp.asarray(inputs)
    if len(coordinates) != inputs.ndim:
        raise ValueError(f"`coordinates` needs one entry per input axis ({inputs.ndim}); received "
                         f"{len(coordinates)}.")
    if order not in (0, 1):
        raise ValueError(f"`order` must be 0 or 1; received {order!r}.")
    _check_resampling("nearest", fill_mode)
    return jax.scipy.ndimage.map_coordinates(inputs, list(coordinates), order, mode=fill_mode,
                                             cval=fill_value)


def _gaussian(size, sigma, dtype):
    x = jnp.arange(size, dtype=dtype) - (size - 1) / 2
    weights = jnp.exp(-0.5 * jnp.square(x / sigma))
    return weights / jnp.sum(weights)


@op
def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Blurs each channel with a Gaussian (zero padding, output the same size).

    As in Keras, ``kernel_size[0]``/``sigma[0]`` shape the kernel along the width and
    ``kernel_size[1]``/``sigma[1]`` along the height.
    """
    images = _images(images)
    x, back = _to_batch_last(images, data_format)
    sigma = jnp.asarray(sigma, x.dtype)
    kernel = jnp.outer(_gaussian(kernel_size[1], sigma[1], x.dtype),
                       _gaussian(kernel_size[0], sigma[0], x.dtype))
    kernel = jnp.broadcast_to(kernel[:, :, None, None], kernel.shape + (x.shape[-1], 1))
    return back(depthwise_conv(x, kernel, padding="same"))


@op
def elastic_transform(images, alpha=20.0, sigma=5.0, interpolation="bilinear", fill_mode="reflect",
                      fill_value=0.0, seed=None, data_format=None):
    """Displaces pixels by a Gaussian-smoothed random field scaled by ``alpha``.

    Random numbers come from :mod:`lamina.random` (``seed``: int, SeedGenerator or None), so the
    result differs from Keras's for the same seed.
    """
    _check_resampling(interpolation, fill_mode)
    images = _images(images)
    x, back = _to_batch_last(images, data_format)
    batch, height, width, _ = x.shape
    size = int(6 * sigma) | 1
    field = random.normal((batch, height, width, 2), stddev=sigma, dtype=x.dtype, seed=seed)
    kernel = jnp.outer(_gaussian(size, sigma, x.dtype), _gaussian(size, sigma, x.dtype))
    field = depthwise_conv(field, jnp.broadcast_to(kernel[:, :, None, None], (size, size, 2, 1)),
                           padding="same")
    ys, xs = jnp.meshgrid(jnp.arange(height), jnp.arange(width), indexing="ij")
    rows, cols = ys + alpha * field[..., 1], xs + alpha * field[..., 0]
    out = _sample(x, rows, cols, _ORDERS[interpolation], fill_mode, fill_value)
    return back(out.astype(x.dtype))


@op
def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method,
                        antialias=True):
    """Resamples ``spatial_dims`` of ``images`` to ``output_shape`` (``jax.image.scale_and_translate``)."""
    if method not in _SCALE_METHODS:
        raise ValueError(f"`method` must be one of {_SCALE_METHODS}; received {method!r}.")
    return jax.image.scale_and_translate(jnp.asarray(images), output_shape, spatial_dims,
                                         jnp.asarray(scale), jnp.asarray(translation), method,
                                         antialias)


@op
def sobel_edges(images, data_format=None):
    """Sobel gradients of each channel, stacked on a new last axis as ``(d/dy, d/dx)``."""
    images = jnp.asarray(images)
    x, back = _to_batch_last(images, data_format)
    dx = jnp.asarray([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], x.dtype)
    kernels = {name: jnp.broadcast_to(k[:, :, None, None], (3, 3, x.shape[-1], 1))
               for name, k in (("x", dx), ("y", dx.T))}
    edges = [back(depthwise_conv(x, kernels[name], padding="same")) for name in ("y", "x")]
    return jnp.stack(edges, axis=-1)


@op
def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
         data_format=None):
    """Structural similarity of two images (or batches), averaged over pixels and channels."""
    image1, image2 = _images(image1), _images(image2)
    dtype = image1.dtype
    work = jnp.promote_types(dtype, jnp.float32)
    a, back = _to_batch_last(image1.astype(work), data_format)
    b, _ = _to_batch_last(image2.astype(work), data_format)
    g = _gaussian(filter_size, filter_sigma, work)
    kernel = jnp.broadcast_to(jnp.outer(g, g)[:, :, None, None],
                              (filter_size, filter_size, a.shape[-1], 1))

    def blur(v):
        return depthwise_conv(v, kernel)

    mu_a, mu_b = blur(a), blur(b)
    var_a, var_b = blur(a * a) - mu_a**2, blur(b * b) - mu_b**2
    cov = blur(a * b) - mu_a * mu_b
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    ssim_map = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    value = jnp.mean(ssim_map, axis=(1, 2, 3))
    return (value[0] if image1.ndim == 3 else value).astype(dtype)


def _patch_kernel(size, channels, dtype):
    """An identity kernel whose output channel ``(i, j, c)`` copies input ``c`` at offset ``(i, j)``."""
    features = int(np.prod(size)) * channels
    return jnp.reshape(jnp.eye(features, dtype=dtype), (*size, channels, features))


def _patches(images, size, strides, dilation_rate, padding, data_format, rank):
    images = jnp.asarray(images)
    size = (size,) * rank if isinstance(size, int) else tuple(size)
    if len(size) != rank:
        raise TypeError(f"`size` must be an int or a tuple of {rank}; received {size!r}.")
    fmt = data_format_of(data_format)
    single = images.ndim == rank + 1
    batch = images[None] if single else images
    channels = batch.shape[-1 if fmt == "channels_last" else 1]
    patches = conv(batch, _patch_kernel(size, channels, batch.dtype), strides or size, padding, fmt,
                   dilation_rate)
    return patches[0] if single else patches


@op
def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    """Patches of ``size`` flattened into the channel axis (``(ph * pw * channels)`` features)."""
    rank = 3 if not isinstance(size, int) and len(size) == 3 else 2
    return _patches(images, size, strides, dilation_rate, padding, data_format, rank)


@op
def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid",
                       data_format=None):
    """3-D patches of ``size`` flattened into the channel axis."""
    return _patches(volumes, size, strides, dilation_rate, padding, data_format, 3)


def _sides(size, before, after, target, names, sign):
    """``(before, after, target)`` with the one missing value filled in so that
    ``size + sign * (before + after) == target`` (``sign`` +1 pads, -1 crops).

    >>> _sides(5, 1, None, 8, ("top", "bottom", "height"), 1), _sides(5, 1, 1, None, "abc", -1)
    ((1, 2, 8), (1, 1, 3))
    """
    if [before, after, target].count(None) != 1:
        raise ValueError(f"Give exactly two of {', '.join(names)}; received {before}, {after}, "
                         f"{target}.")
    for value, name in zip((before, after, target), names):
        if value is not None and value < 0:
            raise ValueError(f"`{name}` must be >= 0; received {value}.")
    if target is None:
        target = size + sign * (before + after)
    elif before is None:
        before = sign * (target - size) - after
    else:
        after = sign * (target - size) - before
    return before, after, target


@op
def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None,
               right_padding=None, target_height=None, target_width=None, data_format=None):
    """Zero-pads images; on each axis give two of the paddings and the target size."""
    images = _images(images)
    h_axis, w_axis, _ = _hw_axes(images, data_format)
    top, bottom, _ = _sides(images.shape[h_axis], top_padding, bottom_padding, target_height,
                            ("top_padding", "bottom_padding", "target_height"), 1)
    left, right, _ = _sides(images.shape[w_axis], left_padding, right_padding, target_width,
                            ("left_padding", "right_padding", "target_width"), 1)
    for value, name in ((top, "top"), (bottom, "bottom"), (left, "left"), (right, "right")):
        if value < 0:
            raise ValueError(f"The target size needs a negative {name} padding ({value}).")
    widths = [(0, 0)] * images.ndim
    widths[h_axis], widths[w_axis] = (top, bottom), (left, right)
    return jnp.pad(images, widths)


@op
def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                right_cropping=None, target_height=None, target_width=None, data_format=None):
    """Crops images; on each axis give two of the croppings and the target size."""
    images = _images(images)
    h_axis, w_axis, _ = _hw_axes(images, data_format)
    top, bottom, height = _sides(images.shape[h_axis], top_cropping, bottom_cropping,
                                 target_height, ("top_cropping", "bottom_cropping",
                                                 "target_height"), -1)
    left, right, width = _sides(images.shape[w_axis], left_cropping, right_cropping,
                                target_width, ("left_cropping", "right_cropping",
                                               "target_width"), -1)
    if min(top, bottom, left, right, height, width) < 0:
        raise ValueError(f"The croppings do not fit images of shape {images.shape}.")
    images = jax.lax.slice_in_dim(images, top, top + height, axis=h_axis)
    return jax.lax.slice_in_dim(images, left, left + width, axis=w_axis)


__all__ = ["affine_transform", "crop_images", "elastic_transform", "extract_patches",
           "extract_patches_3d", "gaussian_blur", "hsv_to_rgb", "map_coordinates", "pad_images",
           "perspective_transform", "resize", "rgb_to_grayscale", "rgb_to_hsv", "scale_and_translate",
           "sobel_edges", "ssim"]
