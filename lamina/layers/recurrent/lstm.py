"""LSTM: the long short-term memory cell and layer (Keras's gate order i, f, c, o)."""

from __future__ import annotations

import jax.numpy as jnp

from lamina import activations
from lamina.core.errors import describe
from lamina.core.input_spec import InputSpec
from lamina.layers.recurrent import cudnn_lstm, fused_lstm
from lamina.layers.recurrent.cell import (RecurrentCell, check_positive, check_use_cudnn,
                                          forget_bias_initializer, masked_matmul)
from lamina.layers.recurrent.rnn import RNN, cell_properties

_CELL_ARGUMENTS = ("units", "activation", "recurrent_activation", "use_bias",
                   "kernel_initializer", "recurrent_initializer", "bias_initializer",
                   "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer",
                   "bias_regularizer", "kernel_constraint", "recurrent_constraint",
                   "bias_constraint", "dropout", "recurrent_dropout", "seed")


class LSTMCell(RecurrentCell):
    """One LSTM step: ``cell(x_t, [h, c]) -> (h_new, [h_new, c_new])``.

    Weights (as in Keras): ``kernel`` ``(input_dim, 4 * units)``, ``recurrent_kernel``
    ``(units, 4 * units)``, ``bias`` ``(4 * units,)``, gates in the order i, f, c, o.
    ``unit_forget_bias`` starts the forget gate's bias at one. With ``recurrent_dropout``
    (or ``implementation=1``) every gate gets its own dropout masks, as in Keras.

    >>> cell = LSTMCell(3)
    >>> h, (h2, c) = cell(jnp.ones((2, 5)), [jnp.zeros((2, 3)), jnp.zeros((2, 3))])
    >>> h.shape, c.shape
    ((2, 3), (2, 3))
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, implementation=2, **kwargs):
        check_positive("LSTMCell", "units", units)
        super().__init__(**kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias, self.unit_forget_bias = use_bias, unit_forget_bias
        self._init_weight_arguments(locals())
        self._init_dropout(dropout, recurrent_dropout, seed)
        self.implementation = 1 if self.recurrent_dropout else implementation
        self.dropout_mask_count = 4 if self.implementation == 1 else None
        self.state_size = [units, units]
        self.output_size = units

    def build(self, input_shape):
        units = self.units
        self.kernel = self._add_cell_weight("kernel", (input_shape[-1], 4 * units))
        self.recurrent_kernel = self._add_cell_weight("recurrent_kernel", (units, 4 * units))
        self.bias = lstm_bias(self, units)

    def project(self, inputs, input_masks=None):
        z = masked_matmul(inputs, self.kernel.value, input_masks)
        return z + self.bias.value if self.bias is not None else z

    def transition(self, projected, states, recurrent_masks=None):
        h, c = states
        z = projected + masked_matmul(h, self.recurrent_kernel.value, recurrent_masks)
        h, c = lstm_update(self, z, c)
        return h, [h, c]


def lstm_bias(cell, units):
    """An LSTM cell's ``bias`` (gate blocks i, f, c, o of ``units``), or ``None`` without
    ``use_bias``; ``unit_forget_bias`` starts the forget block at one (Keras's rule)."""
    if not cell.use_bias:
        return None
    init = (forget_bias_initializer(cell.bias_initializer, units) if cell.unit_forget_bias
            else cell.bias_initializer)
    return cell._add_cell_weight("bias", (4 * units,), init)


def lstm_update(cell, z, c):
    """``(h, c)`` after one step, from the gates' pre-activations ``z`` (i, f, c, o on the last
    axis) and the previous cell state ``c``, with the cell's activations."""
    z_i, z_f, z_c, z_o = jnp.split(z, 4, axis=-1)
    gate = cell.recurrent_activation
    c = gate(z_f) * c + gate(z_i) * cell.activation(z_c)
    return gate(z_o) * cell.activation(c), c


@cell_properties(*_CELL_ARGUMENTS)
class LSTM(RNN):
    """Long short-term memory layer (Hochreiter & Schmidhuber, 1997), with Keras's arguments.

    The cell arguments are :class:`LSTMCell`'s; the others are :class:`RNN`'s. On NVIDIA GPUs
    an LSTM without mask, recurrent dropout or custom activations runs on cuDNN (as in Keras;
    ``use_cudnn=False`` turns that off); elsewhere such an LSTM (masks allowed) runs a time loop
    with a hand-written gradient (:mod:`~lamina.layers.recurrent.fused_lstm`), faster to train.

    >>> layer = LSTM(4, return_sequences=True, return_state=True)
    >>> outputs, h, c = layer(jnp.ones((2, 7, 3)))
    >>> outputs.shape, h.shape, [w.shape for w in layer.get_weights()]
    ((2, 7, 4), (2, 4), [(3, 16), (4, 16), (16,)])
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 use_cudnn="auto", zero_output_for_mask=False, **kwargs):
        check_use_cudnn("LSTM", use_cudnn)
        cell = LSTMCell(units, activation, recurrent_activation, use_bias, kernel_initializer,
                        recurrent_initializer, bias_initializer, unit_forget_bias,
                        kernel_regularizer, recurrent_regularizer, bias_regularizer,
                        kernel_constraint, recurrent_constraint, bias_constraint, dropout,
                        recurrent_dropout, seed, kwargs.pop("implementation", 2),
                        dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
                        name="lstm_cell")
        super().__init__(cell, return_sequences, return_state, go_backwards, stateful, unroll,
                         zero_output_for_mask, activity_regularizer=activity_regularizer,
                         **kwargs)
        self.use_cudnn = use_cudnn
        self.input_spec = InputSpec(ndim=3)

    def _loop(self, sequences, states, mask, training):
        if cudnn_lstm.usable(self, mask):
            try:
                return self._cudnn_loop(sequences, states, training)
            except NotImplementedError:
                pass
        if self.use_cudnn is True:
            raise ValueError(f"{describe(self)}: use_cudnn=True, but cuDNN cannot run this layer "
                             "here (it needs an NVIDIA GPU, no mask, no recurrent dropout, "
                             "tanh/sigmoid activations); pass use_cudnn='auto'.")
        if fused_lstm.usable(self, sequences):
            return self._fused_loop(sequences, states, mask, training)
        return super()._loop(sequences, states, mask, training)

    def _dropped_out(self, sequences, training):
        input_masks, _ = self.cell.dropout_masks(sequences[:, 0], training)
        if input_masks is None:
            return sequences
        return sequences * input_masks[:, None]  # one mask per sequence, the same at every step

    def _cudnn_loop(self, sequences, states, training):
        cell = self.cell
        bias = cell.bias.value if cell.bias is not None else None
        outputs, h, c = cudnn_lstm.lstm(self._dropped_out(sequences, training), states[0],
                                        states[1], cell.kernel.value,
                                        cell.recurrent_kernel.value, bias, self.go_backwards)
        return outputs[:, -1], (outputs if self.return_sequences else None), [h, c]

    def _fused_loop(self, sequences, states, mask, training):
        cell = self.cell
        bias = cell.bias.value if cell.bias is not None else None
        last, outputs, states = fused_lstm.lstm(
            self._dropped_out(sequences, training), mask, cell.kernel.value,
            cell.recurrent_kernel.value, bias, states[0], states[1], self.go_backwards,
            self.zero_output_for_mask)
        return last, (jnp.swapaxes(outputs, 0, 1) if self.return_sequences else None), states
