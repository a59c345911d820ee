"""ConvLSTM: an LSTM whose input and recurrent transformations are convolutions.

``ConvLSTM1D/2D/3D`` are rank aliases of one N-d :class:`ConvLSTM`. The cell works channels
last; a ``channels_first`` layer moves the channel axis around the whole loop, not per step.
"""

from __future__ import annotations

import jax.numpy as jnp

from lamina import activations
from lamina.core.input_spec import InputSpec
from lamina.layers import _conv_impl
from lamina.layers.conv import as_tuple, rank_alias
from lamina.layers.recurrent.cell import RecurrentCell, check_positive
from lamina.layers.recurrent.lstm import lstm_bias, lstm_update
from lamina.layers.recurrent.rnn import RNN, cell_properties

_CELL_ARGUMENTS = ("filters", "kernel_size", "strides", "padding", "data_format",
                   "dilation_rate", "activation", "recurrent_activation", "use_bias",
                   "kernel_initializer", "recurrent_initializer", "bias_initializer",
                   "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer",
                   "bias_regularizer", "kernel_constraint", "recurrent_constraint",
                   "bias_constraint", "dropout", "recurrent_dropout", "seed")


def _conv(x, kernel, masks, strides, padding, dilation):
    """``conv(x, kernel)`` over any leading axes, with per-gate dropout ``masks`` on ``x``."""
    rank = kernel.ndim - 2
    lead, step = x.shape[:-(rank + 1)], x.shape[-(rank + 1):]
    if masks is None:
        parts = [(x, kernel)]
    else:
        parts = list(zip([x * m for m in masks], jnp.split(kernel, len(masks), axis=-1)))
    outputs = [_conv_impl.conv(p.reshape((-1,) + step), k, strides,
                               _conv_impl.explicit_padding(step[:-1], k.shape[:-2], strides,
                                                           dilation, padding), dilation)
               for p, k in parts]
    y = jnp.concatenate(outputs, axis=-1) if len(outputs) > 1 else outputs[0]
    return y.reshape(lead + y.shape[1:])


class ConvLSTMCell(RecurrentCell):
    """One ConvLSTM step on channels-last inputs ``(batch, *spatial, channels)``.

    Weights (as in Keras): ``kernel`` ``(*kernel_size, channels, 4 * filters)``,
    ``recurrent_kernel`` ``(*kernel_size, filters, 4 * filters)``, ``bias`` ``(4 * filters,)``.
    The recurrent convolution uses ``"same"`` padding and stride 1.
    """

    dropout_mask_count = 4

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        owner = f"ConvLSTM{rank}D"
        check_positive(owner, "filters", filters)
        super().__init__(**kwargs)
        self.rank, self.filters = rank, filters
        self.kernel_size = as_tuple(kernel_size, rank, "kernel_size", owner)
        self.strides = as_tuple(strides, rank, "strides", owner)
        self.dilation_rate = as_tuple(dilation_rate, rank, "dilation_rate", owner)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{owner}: `strides > 1` cannot be combined with `dilation_rate > 1`"
                             f"; received strides={strides}, dilation_rate={dilation_rate}.")
        self.padding = str(padding).lower()
        if self.padding not in ("valid", "same"):
            raise ValueError(f"{owner}: `padding` must be 'valid' or 'same'; received {padding!r}.")
        self.data_format = data_format or "channels_last"
        if self.data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"{owner}: `data_format` must be 'channels_last' or "
                             f"'channels_first'; received {data_format!r}.")
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias, self.unit_forget_bias = use_bias, unit_forget_bias
        self._init_weight_arguments(locals())
        self._init_dropout(dropout, recurrent_dropout, seed)
        self.state_size = filters
        self.output_size = filters

    def build(self, input_shape):
        """``input_shape``: one step, ``(batch, *spatial, channels)`` (channels last)."""
        spatial, channels = tuple(input_shape[1:-1]), input_shape[-1]
        if None in spatial or channels is None:
            raise ValueError(f"ConvLSTM{self.rank}D: the spatial and channel axes of the input "
                             f"must be known; received step shape {tuple(input_shape)}.")
        pads = _conv_impl.explicit_padding(spatial, self.kernel_size, self.strides,
                                           self.dilation_rate, self.padding)
        self.state_spatial = tuple(
            (n + lo + hi - (k - 1) * d - 1) // s + 1 for n, (lo, hi), k, s, d in
            zip(spatial, pads, self.kernel_size, self.strides, self.dilation_rate))
        gates = 4 * self.filters
        self.kernel = self._add_cell_weight("kernel", self.kernel_size + (channels, gates))
        self.recurrent_kernel = self._add_cell_weight("recurrent_kernel",
                                                      self.kernel_size + (self.filters, gates))
        self.bias = lstm_bias(self, self.filters)

    def get_initial_state(self, batch_size=None):
        shape = (batch_size,) + self.state_spatial + (self.filters,)
        return [jnp.zeros(shape, self.compute_dtype), jnp.zeros(shape, self.compute_dtype)]

    def project(self, inputs, input_masks=None):
        z = _conv(inputs, self.kernel.value, input_masks, self.strides, self.padding,
                  self.dilation_rate)
        return z + self.bias.value if self.bias is not None else z

    def transition(self, projected, states, recurrent_masks=None):
        h, c = states
        ones = (1,) * self.rank
        z = projected + _conv(h, self.recurrent_kernel.value, recurrent_masks, ones, "same", ones)
        h, c = lstm_update(self, z, c)
        return h, [h, c]


@cell_properties(*_CELL_ARGUMENTS)
class ConvLSTM(RNN):
    """N-d convolutional LSTM over ``(batch, time, *spatial, channels)`` inputs (or
    ``(batch, time, channels, *spatial)`` with ``data_format="channels_first"``).

    Use the rank aliases ``ConvLSTM1D``, ``ConvLSTM2D``, ``ConvLSTM3D``; arguments are Keras's
    (the convolution ones as in ``Conv``, the recurrent ones as in ``LSTM``).

    >>> ConvLSTM(2, 3, 3, padding="same")(jnp.ones((1, 4, 6, 6, 2))).shape
    (1, 6, 6, 3)
    """

    _slow_in_loops_on_cpu = True  # convolutions inside the time loop already; see conv.py

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, zero_output_for_mask=False,
                 **kwargs):
        cell = ConvLSTMCell(rank, filters, kernel_size, strides, padding, data_format,
                            dilation_rate, activation, recurrent_activation, use_bias,
                            kernel_initializer, recurrent_initializer, bias_initializer,
                            unit_forget_bias, kernel_regularizer, recurrent_regularizer,
                            bias_regularizer, kernel_constraint, recurrent_constraint,
                            bias_constraint, dropout, recurrent_dropout, seed,
                            dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
                            name="conv_lstm_cell")
        super().__init__(cell, return_sequences, return_state, go_backwards, stateful, unroll,
                         zero_output_for_mask, activity_regularizer=activity_regularizer,
                         **kwargs)
        self.input_spec = InputSpec(ndim=rank + 3)

    def _to_last(self, x, axis):
        return x if self.data_format == "channels_last" else jnp.moveaxis(x, axis, -1)

    def _from_last(self, x, axis):
        return x if self.data_format == "channels_last" else jnp.moveaxis(x, -1, axis)

    def build(self, sequences_shape, initial_state_shape=None):
        shape = tuple(sequences_shape)
        if self.data_format == "channels_first":
            shape = shape[:2] + shape[3:] + shape[2:3]
        super().build(shape)

    def call(self, sequences, initial_state=None, mask=None, training=False):
        if initial_state is not None:
            initial_state = [self._to_last(jnp.asarray(s), 1) for s in initial_state]
        result = super().call(self._to_last(sequences, 2), initial_state, mask, training)
        outputs = result if isinstance(result, tuple) else (result,)
        output = self._from_last(outputs[0], 2 if self.return_sequences else 1)
        states = tuple(self._from_last(s, 1) for s in outputs[1:])
        return (output,) + states if self.return_state else output


_ALIAS_DOC = """{rank}D convolutional LSTM over ``(batch, time, {spatial}, channels)``; see
:class:`ConvLSTM` for the arguments.
{example}"""

ConvLSTM1D = rank_alias(ConvLSTM, 1, "ConvLSTM1D", _ALIAS_DOC.format(
    rank=1, spatial="steps", example="""
>>> ConvLSTM1D(3, 2)(jnp.ones((2, 4, 8, 5))).shape
(2, 7, 3)
"""))
ConvLSTM2D = rank_alias(ConvLSTM, 2, "ConvLSTM2D", _ALIAS_DOC.format(
    rank=2, spatial="height, width", example="""
>>> ConvLSTM2D(3, 3, padding="same", return_sequences=True)(jnp.ones((1, 4, 6, 6, 2))).shape
(1, 4, 6, 6, 3)
"""))
ConvLSTM3D = rank_alias(ConvLSTM, 3, "ConvLSTM3D", _ALIAS_DOC.format(
    rank=3, spatial="depth, height, width", example=""))
