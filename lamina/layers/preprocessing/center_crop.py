"""CenterCrop: the central ``(height, width)`` window of each image."""

from lamina.core.errors import describe
from lamina.core.layer import Layer
from lamina.layers.preprocessing import image_ops


class CenterCrop(Layer):
    """Crops the centre ``(height, width)`` of images (float output). An image smaller than the
    target in either side is instead cropped to the target aspect ratio and resized (bilinear),
    as Keras does. Works inside compiled models.

    Args:
        height, width: output size.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> import numpy as np
    >>> CenterCrop(2, 2)(np.arange(16).reshape(4, 4, 1))[..., 0].tolist()
    [[5.0, 6.0], [9.0, 10.0]]
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.height, self.width = height, width
        self.data_format = image_ops.standardize_data_format(data_format)

    def call(self, inputs):
        if inputs.ndim not in (3, 4):
            raise ValueError(f"{describe(self)}: expected images of rank 3 or 4, received shape "
                             f"{tuple(inputs.shape)}.")
        images = inputs.astype(self.dtype)
        h_axis, w_axis = image_ops.spatial_axes(images.ndim, self.data_format)
        height, width = images.shape[h_axis], images.shape[w_axis]
        if height >= self.height and width >= self.width:
            return image_ops.crop(images, (height - self.height) // 2, (width - self.width) // 2,
                                  self.height, self.width, self.data_format)
        box = image_ops.aspect_crop_box(height, width, self.height, self.width)
        return image_ops.resize(image_ops.crop(images, *box, self.data_format), self.height,
                                self.width, "bilinear", False, self.data_format)
