"""Separable convolutions: ``SeparableConv`` and ``SeparableConv1D/2D`` (depthwise, then 1x1)."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.core.errors import describe
from lamina.layers import _conv_impl
from lamina.layers.conv import BaseConv, rank_alias


class SeparableConv(BaseConv):
    """N-d separable convolution: a depthwise convolution (``depth_multiplier`` filters per
    channel) followed by a pointwise (1x1) convolution to ``filters`` channels. Kernels
    ``depthwise_kernel (*kernel_size, channels, depth_multiplier)`` and ``pointwise_kernel
    (1, ..., 1, channels * depth_multiplier, filters)``. Use the rank aliases.

    Args:
        rank: number of spatial axes.
        filters: number of output channels.
        kernel_size, strides, padding (``"valid"``/``"same"``), data_format, dilation_rate,
            activation, use_bias: as :class:`~lamina.layers.conv.Conv`.
        depth_multiplier: depthwise output channels per input channel.
        depthwise_* / pointwise_* initializer, regularizer and constraint: for each kernel.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._configure(rank, kernel_size, strides, padding, data_format, dilation_rate, activation,
                        use_bias, bias_initializer, bias_regularizer, bias_constraint)
        for name, value in (("filters", filters), ("depth_multiplier", depth_multiplier)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"{describe(self)}: `{name}` must be a positive integer; "
                                 f"received {name}={value!r}.")
        self.filters, self.depth_multiplier = filters, depth_multiplier
        self.depthwise_initializer, self.pointwise_initializer = (depthwise_initializer,
                                                                  pointwise_initializer)
        self.depthwise_regularizer, self.pointwise_regularizer = (depthwise_regularizer,
                                                                  pointwise_regularizer)
        self.depthwise_constraint, self.pointwise_constraint = (depthwise_constraint,
                                                                pointwise_constraint)

    def _build_kernels(self, channels):
        self.depthwise_kernel = self.add_weight(
            self.kernel_size + (channels, self.depth_multiplier), self.depthwise_initializer,
            regularizer=self.depthwise_regularizer, constraint=self.depthwise_constraint,
            name="depthwise_kernel")
        self.pointwise_kernel = self.add_weight(
            (1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint, name="pointwise_kernel")
        return self.filters

    def _convolve(self, x):
        y = _conv_impl.depthwise_conv(x, self.depthwise_kernel.value, self.strides,
                                      self._padding_pairs(x), self.dilation_rate)
        pointwise = self.pointwise_kernel.value
        return jnp.matmul(y, pointwise.reshape(pointwise.shape[-2:]))


SeparableConv1D = rank_alias(SeparableConv, 1, "SeparableConv1D", """1D separable convolution over
``(batch, steps, channels)``; see :class:`SeparableConv` for the arguments.

>>> SeparableConv1D(4, 3, padding="same")(jnp.ones((2, 10, 3))).shape
(2, 10, 4)
""")
SeparableConv2D = rank_alias(SeparableConv, 2, "SeparableConv2D", """2D separable convolution over
``(batch, height, width, channels)``; see :class:`SeparableConv` for the arguments.

>>> SeparableConv2D(8, 3, depth_multiplier=2)(jnp.ones((2, 9, 9, 3))).shape
(2, 7, 7, 8)
""")
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
