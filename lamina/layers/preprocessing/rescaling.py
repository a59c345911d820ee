"""Rescaling: ``inputs * scale + offset``."""

import numpy as np

from lamina.core.layer import Layer
from lamina.layers.preprocessing.config_arrays import listify_init_args


class Rescaling(Layer):
    """Multiplies inputs by ``scale`` and adds ``offset`` (e.g. ``scale=1/255`` maps pixels to
    ``[0, 1]``), in training and inference. Integer inputs give float outputs.

    Args:
        scale: a number, or an array broadcastable to the input (e.g. one per channel).
        offset: a number or array, added after scaling.

    >>> Rescaling(1 / 127.5, offset=-1)(np.array([0, 255], "uint8")).tolist()
    [-1.0, 1.0]
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset
        self.supports_masking = True
        listify_init_args(self, "scale", "offset")

    def call(self, inputs):
        scale = np.asarray(self.scale, self.dtype)
        offset = np.asarray(self.offset, self.dtype)
        return inputs.astype(self.dtype) * scale + offset
