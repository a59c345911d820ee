"""TimeDistributed: applies a layer to every time step of a sequence."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.core import call_context
from lamina.core.errors import describe
from lamina.core.layer import Layer


class TimeDistributed(Layer):
    """Applies ``layer`` to each slice ``inputs[:, t]`` of ``(batch, time, ...)`` inputs.

    The time axis is folded into the batch, so the layer runs once on ``batch * time`` rows
    (one compiled call, any sequence length). A mask ``(batch, time)`` is folded the same way
    for layers that take one. Layers computing batch statistics (``BatchNormalization`` in
    training) see all steps together, where Keras computes them step by step.

    >>> from lamina.layers.dense import Dense
    >>> layer = TimeDistributed(Dense(4))
    >>> layer(jnp.ones((2, 5, 3))).shape, layer.layer.kernel.shape
    ((2, 5, 4), (3, 4))
    """

    supports_masking = True

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"TimeDistributed: `layer` must be a Layer instance; received "
                             f"{layer!r}.")
        super().__init__(**kwargs)
        self.layer = layer

    def _check(self, input_shape):
        if len(input_shape) < 3:
            raise ValueError(f"{describe(self)}: expected inputs of rank >= 3 (batch, time, "
                             f"...), received shape {tuple(input_shape)}.")

    def build(self, input_shape):
        self._check(input_shape)
        if not self.layer.built:
            self.layer.build((None,) + tuple(input_shape[2:]))

    def call(self, inputs, training=None, mask=None):
        self._check(inputs.shape)
        batch, steps = inputs.shape[0], inputs.shape[1]
        kwargs = {"training": training} if self.layer._call_accepts_training else {}
        if mask is not None:
            if mask.ndim < 2 or mask.shape[:2] != inputs.shape[:2]:
                raise ValueError(f"{describe(self)}: the mask must start with the input's "
                                 f"(batch, time) axes {inputs.shape[:2]}; received a mask of "
                                 f"shape {mask.shape}.")
            if self.layer._call_accepts_mask:
                kwargs["mask"] = mask.reshape((-1,) + mask.shape[2:])
        rows = call_context.current_padding_mask()
        with call_context.padding_mask(None if rows is None else jnp.repeat(rows, steps)):
            outputs = self.layer(inputs.reshape((-1,) + inputs.shape[2:]), **kwargs)
        return outputs.reshape((batch, steps) + outputs.shape[1:])
