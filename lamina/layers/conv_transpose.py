"""Transposed convolutions: ``ConvTranspose`` and ``Conv1DTranspose/2D/3D`` (upsampling convs)."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.core.errors import describe
from lamina.layers import _conv_impl
from lamina.layers.conv import BaseConv, as_tuple, rank_alias


def keras_transpose_padding(kernel_size, strides, dilation_rate, padding, output_padding):
    """``(low, high)`` padding around the stride-dilated input that gives Keras's output size:
    ``(n - 1) * s + max(k, s)`` for ``"valid"``, ``n * s`` for ``"same"``, or, when
    ``output_padding`` is set, ``(n - 1) * s + k + output_padding`` (``"valid"``) and
    ``(n - 1) * s + k % 2 + output_padding`` (``"same"``), ``k`` being the dilated kernel size.

    >>> keras_transpose_padding((3,), (2,), (1,), "same", None)
    ((2, 1),)
    """
    pairs = []
    for i, (k, s, d) in enumerate(zip(kernel_size, strides, dilation_rate)):
        span = (k - 1) * d + 1
        extra = None if output_padding is None else output_padding[i]
        if padding == "valid":
            extra = max(span, s) - span if extra is None else extra
            pairs.append((span - 1, span - 1 + extra))
        else:
            total = s + span - 2 if extra is None else span + span % 2 - 2 + extra
            low = min(total // 2 + total % 2, span - 1)
            pairs.append((low, total - low))
    return tuple(pairs)


class ConvTranspose(BaseConv):
    """N-d transposed convolution (the gradient of a convolution with respect to its input), used
    to upsample. Kernel shape ``(*kernel_size, filters, channels)``. Use the rank aliases.

    Args:
        rank: number of spatial axes.
        filters: number of output channels.
        kernel_size, strides, dilation_rate: ints or tuples of ``rank`` ints.
        padding: ``"valid"`` or ``"same"`` (output size ``input * strides``).
        output_padding: extra rows at the high end of each spatial axis (each < its stride), or
            ``None`` to let ``padding`` decide.
        data_format, activation, use_bias and the initializers, regularizers and constraints:
            as :class:`~lamina.layers.conv.Conv`.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._configure(rank, kernel_size, strides, padding, data_format, dilation_rate, activation,
                        use_bias, bias_initializer, bias_regularizer, bias_constraint)
        if not isinstance(filters, int) or filters <= 0:
            raise ValueError(f"{describe(self)}: `filters` must be a positive integer; received "
                             f"filters={filters!r}.")
        self.filters = filters
        self.output_padding = None if output_padding is None else as_tuple(
            output_padding, rank, "output_padding", describe(self), allow_zero=True)
        if self.output_padding is not None and any(
                p >= s for p, s in zip(self.output_padding, self.strides)):
            raise ValueError(f"{describe(self)}: each `output_padding` must be smaller than its "
                             f"stride; received output_padding={self.output_padding}, "
                             f"strides={self.strides}.")
        self.kernel_initializer = kernel_initializer
        self.kernel_regularizer, self.kernel_constraint = kernel_regularizer, kernel_constraint

    def _check_output_size(self, input_shape):
        """Every input size gives a non-empty output."""

    def _build_kernels(self, channels):
        self.kernel = self.add_weight(self.kernel_size + (self.filters, channels),
                                      self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")
        return self.filters

    def _convolve(self, x):
        padding = keras_transpose_padding(self.kernel_size, self.strides, self.dilation_rate,
                                          self.padding, self.output_padding)
        return _conv_impl.conv_transpose(x, self.kernel.value, self.strides, padding,
                                         self.dilation_rate)


Conv1DTranspose = rank_alias(ConvTranspose, 1, "Conv1DTranspose", """1D transposed convolution over
``(batch, steps, channels)``; see :class:`ConvTranspose` for the arguments.

>>> Conv1DTranspose(4, 3, strides=2)(jnp.ones((2, 5, 3))).shape
(2, 11, 4)
""")
Conv2DTranspose = rank_alias(ConvTranspose, 2, "Conv2DTranspose", """2D transposed convolution over
``(batch, height, width, channels)``; see :class:`ConvTranspose` for the arguments.

>>> Conv2DTranspose(8, 3, strides=2, padding="same")(jnp.ones((2, 4, 4, 3))).shape
(2, 8, 8, 8)
""")
Conv3DTranspose = rank_alias(ConvTranspose, 3, "Conv3DTranspose", """3D transposed convolution over
``(batch, depth, height, width, channels)``; see :class:`ConvTranspose` for the arguments.

>>> Conv3DTranspose(2, 2, strides=2)(jnp.ones((1, 3, 3, 3, 1))).shape
(1, 6, 6, 6, 2)
""")
Convolution1DTranspose, Convolution2DTranspose = Conv1DTranspose, Conv2DTranspose
Convolution3DTranspose = Conv3DTranspose
