"""Depthwise convolutions, one filter set per channel: ``DepthwiseConv``, ``DepthwiseConv1D/2D``."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.core.errors import describe
from lamina.layers import _conv_impl
from lamina.layers.conv import BaseConv, rank_alias


class DepthwiseConv(BaseConv):
    """N-d depthwise convolution: each input channel is convolved with its own
    ``depth_multiplier`` filters; output channel ``c * depth_multiplier + m``. Kernel shape
    ``(*kernel_size, channels, depth_multiplier)``. Use the rank aliases.

    Args:
        rank: number of spatial axes.
        depth_multiplier: output channels per input channel.
        kernel_size, strides, padding (``"valid"``/``"same"``), data_format, dilation_rate,
            activation, use_bias: as :class:`~lamina.layers.conv.Conv`.
        depthwise_initializer, depthwise_regularizer, depthwise_constraint: for the kernel.
        bias_initializer, bias_regularizer, bias_constraint, activity_regularizer: as ``Dense``.
    """

    def __init__(self, rank, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._configure(rank, kernel_size, strides, padding, data_format, dilation_rate, activation,
                        use_bias, bias_initializer, bias_regularizer, bias_constraint)
        if not isinstance(depth_multiplier, int) or depth_multiplier <= 0:
            raise ValueError(f"{describe(self)}: `depth_multiplier` must be a positive integer; "
                             f"received depth_multiplier={depth_multiplier!r}.")
        self.depth_multiplier = depth_multiplier
        self.depthwise_initializer = depthwise_initializer
        self.depthwise_regularizer = depthwise_regularizer
        self.depthwise_constraint = depthwise_constraint

    def _build_kernels(self, channels):
        self.kernel = self.add_weight(self.kernel_size + (channels, self.depth_multiplier),
                                      self.depthwise_initializer,
                                      regularizer=self.depthwise_regularizer,
                                      constraint=self.depthwise_constraint, name="kernel")
        return channels * self.depth_multiplier

    def _convolve(self, x):
        return _conv_impl.depthwise_conv(x, self.kernel.value, self.strides, self._padding_pairs(x),
                                         self.dilation_rate)


DepthwiseConv1D = rank_alias(DepthwiseConv, 1, "DepthwiseConv1D", """1D depthwise convolution over
``(batch, steps, channels)``; see :class:`DepthwiseConv` for the arguments.

>>> DepthwiseConv1D(3, depth_multiplier=2)(jnp.ones((2, 10, 3))).shape
(2, 8, 6)
""")
DepthwiseConv2D = rank_alias(DepthwiseConv, 2, "DepthwiseConv2D", """2D depthwise convolution over
``(batch, height, width, channels)``; see :class:`DepthwiseConv` for the arguments.

>>> DepthwiseConv2D(3, padding="same")(jnp.ones((2, 8, 8, 3))).shape
(2, 8, 8, 3)
""")
