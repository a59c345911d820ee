"""Convolution layers: one N-d ``Conv`` with rank aliases ``Conv1D``, ``Conv2D``, ``Conv3D``.

:class:`BaseConv` is the skeleton the whole family shares (argument checks, channel layout,
bias and activation); each layer adds its kernels and its ``convolve``. The arithmetic lives in
:mod:`lamina.layers._conv_impl`, which picks fast lowerings for XLA:CPU.
"""

from __future__ import annotations

import inspect

import jax.numpy as jnp

from lamina import activations
from lamina.core.errors import IncompatibleInputError, describe
from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.layers import _conv_impl


def as_tuple(value, rank, argument, owner, allow_zero=False):
    """``value`` as a tuple of ``rank`` positive ints (an int is repeated).

    >>> as_tuple(3, 2, "kernel_size", "Conv2D")
    (3, 3)
    """
    values = (value,) * rank if isinstance(value, int) else tuple(value)
    if len(values) != rank or not all(isinstance(v, int) and (v > 0 or allow_zero and v == 0)
                                      for v in values):
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{owner}: `{argument}` must be an int or a tuple of {rank} {kind} ints; "
                         f"received {argument}={value!r}.")
    return values


def rank_alias(base, rank, name, doc):
    """A subclass of ``base`` with ``rank`` fixed: ``Conv2D = rank_alias(Conv, 2, "Conv2D", ...)``.

    Its signature is ``base``'s without ``rank``, so automatic configs list every argument.
    """
    def __init__(self, *args, **kwargs):
        base.__init__(self, rank, *args, **kwargs)

    params = list(inspect.signature(base.__init__).parameters.values())
    __init__.__signature__ = inspect.Signature([params[0]] + params[2:])
    return type(name, (base,), {"__init__": __init__, "__doc__": doc, "__qualname__": name,
                                "__module__": base.__module__})


class BaseConv(Layer):
    """Shared skeleton of the convolution layers (not used directly).

    Subclasses call :meth:`_configure` from ``__init__`` and implement ``_build_kernels(channels)``
    (returning the number of output channels) and ``_convolve(x)`` on channels-last ``x``.
    """

    _slow_in_loops_on_cpu = True  # XLA:CPU loses its fast convolution path inside loops
    _allow_causal = False

    def _configure(self, rank, kernel_size, strides, padding, data_format, dilation_rate,
                   activation, use_bias, bias_initializer, bias_regularizer, bias_constraint):
        owner = describe(self)
        self.rank = rank
        self.kernel_size = as_tuple(kernel_size, rank, "kernel_size", owner)
        self.strides = as_tuple(strides, rank, "strides", owner)
        self.dilation_rate = as_tuple(dilation_rate, rank, "dilation_rate", owner)
        allowed = ("valid", "same", "causal") if self._allow_causal else ("valid", "same")
        self.padding = str(padding).lower()
        if self.padding not in allowed:
            raise ValueError(f"{owner}: `padding` must be one of {allowed}; received {padding!r}.")
        self.data_format = data_format or "channels_last"
        if self.data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"{owner}: `data_format` must be 'channels_last' or 'channels_first'; "
                             f"received {data_format!r}.")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{owner}: `strides > 1` cannot be combined with `dilation_rate > 1`; "
                             f"received strides={self.strides}, "
                             f"dilation_rate={self.dilation_rate}.")
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.bias_initializer = bias_initializer
        self.bias_regularizer, self.bias_constraint = bias_regularizer, bias_constraint
        self.input_spec = InputSpec(ndim=rank + 2)

    @property
    def _channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    def build(self, input_shape):
        rank = self.rank + 2
        if len(input_shape) != rank:
            raise IncompatibleInputError(
                self, f"an input of rank {rank} (batch, {self._layout()})",
                f"rank {len(input_shape)}", f"Full input shape received: {tuple(input_shape)}.")
        channels = input_shape[self._channel_axis]
        if channels is None:
            raise ValueError(f"{describe(self)}: the channel axis of the input must be known; "
                             f"received input shape {tuple(input_shape)}.")
        self._check_output_size(input_shape)
        out_channels = self._build_kernels(channels)
        self.bias = self.add_weight((out_channels,), self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint,
                                    name="bias") if self.use_bias else None
        self.input_spec = InputSpec(ndim=rank, axes={self._channel_axis: channels})
        self.built = True  # also when `build` is called directly, before `set_weights`

    def _layout(self):
        spatial = {1: "steps", 2: "height, width", 3: "depth, height, width"}.get(self.rank, "...")
        first = self.data_format == "channels_first"
        return f"channels, {spatial}" if first else f"{spatial}, channels"

    def _spatial(self, input_shape):
        return tuple(input_shape[1:-1] if self.data_format == "channels_last" else input_shape[2:])

    def _check_output_size(self, input_shape):
        if self.padding != "valid":
            return
        for size, k, s, d in zip(self._spatial(input_shape), self.kernel_size, self.strides,
                                 self.dilation_rate):
            if size is not None and size < (k - 1) * d + 1:
                raise ValueError(
                    f"{describe(self)}: the input is smaller than the kernel, so the output would "
                    f"be empty; received input shape {tuple(input_shape)} with kernel_size="
                    f"{self.kernel_size}, dilation_rate={self.dilation_rate} and padding='valid'. "
                    "Use padding='same' or a larger input.")

    def _padding_pairs(self, x):
        return _conv_impl.explicit_padding(x.shape[1:-1], self.kernel_size, self.strides,
                                           self.dilation_rate, self.padding)

    def call(self, inputs):
        x = inputs if self.data_format == "channels_last" else jnp.moveaxis(inputs, 1, -1)
        y = self._convolve(x)
        if self.bias is not None:
            y = y + self.bias.value
        y = self.activation(y)
        return y if self.data_format == "channels_last" else jnp.moveaxis(y, -1, 1)


class Conv(BaseConv):
    """N-d convolution: ``activation(conv(inputs, kernel) + bias)``, kernel ``(*kernel_size,
    channels // groups, filters)``. Use the rank aliases ``Conv1D``, ``Conv2D``, ``Conv3D``.

    Args:
        rank: number of spatial axes.
        filters: number of output channels.
        kernel_size, strides, dilation_rate: ints or tuples of ``rank`` ints.
        padding: ``"valid"``, ``"same"``, or ``"causal"`` (rank 1 only: left padding, so output
            ``t`` sees inputs up to ``t``).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        groups: split the channels into this many groups, each convolved with its own filters.
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: as ``Dense``.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, lora_alpha=None,
                 **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if lora_rank is not None:
            raise NotImplementedError(f"{describe(self)}: LoRA (`lora_rank`) is not implemented in "
                                      "lamina yet.")
        self._allow_causal = rank == 1
        self._configure(rank, kernel_size, strides, padding, data_format, dilation_rate, activation,
                        use_bias, bias_initializer, bias_regularizer, bias_constraint)
        if not isinstance(filters, int) or filters <= 0:
            raise ValueError(f"{describe(self)}: `filters` must be a positive integer; received "
                             f"filters={filters!r}.")
        if not isinstance(groups, int) or groups <= 0 or filters % groups:
            raise ValueError(f"{describe(self)}: `groups` must be a positive integer dividing "
                             f"`filters`; received groups={groups!r}, filters={filters}.")
        self.filters, self.groups = filters, groups
        self.kernel_initializer = kernel_initializer
        self.kernel_regularizer, self.kernel_constraint = kernel_regularizer, kernel_constraint

    def _build_kernels(self, channels):
        if channels % self.groups:
            raise ValueError(f"{describe(self)}: the number of input channels ({channels}) must be "
                             f"divisible by groups={self.groups}.")
        self.kernel = self.add_weight(self.kernel_size + (channels // self.groups, self.filters),
                                      self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")
        return self.filters

    def _convolve(self, x):
        return _conv_impl.conv(x, self.kernel.value, self.strides, self._padding_pairs(x),
                               self.dilation_rate, self.groups)


Conv1D = rank_alias(Conv, 1, "Conv1D", """1D convolution over ``(batch, steps, channels)``; see
:class:`Conv` for the arguments (``padding="causal"`` is allowed here).

>>> Conv1D(4, 3, padding="causal")(jnp.ones((2, 10, 3))).shape
(2, 10, 4)
""")
Conv2D = rank_alias(Conv, 2, "Conv2D", """2D convolution over ``(batch, height, width, channels)``;
see :class:`Conv` for the arguments.

>>> Conv2D(8, 3, strides=2)(jnp.ones((2, 9, 9, 3))).shape
(2, 4, 4, 8)
""")
Conv3D = rank_alias(Conv, 3, "Conv3D", """3D convolution over ``(batch, depth, height, width,
channels)``; see :class:`Conv` for the arguments.

>>> Conv3D(2, 3)(jnp.ones((1, 5, 5, 5, 1))).shape
(1, 3, 3, 3, 2)
""")
Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
