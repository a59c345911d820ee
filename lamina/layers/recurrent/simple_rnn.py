"""SimpleRNN: ``h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)``."""

from __future__ import annotations

from lamina import activations
from lamina.core.input_spec import InputSpec
from lamina.layers.recurrent.cell import RecurrentCell, check_positive, masked_matmul
from lamina.layers.recurrent.rnn import RNN, cell_properties

_CELL_ARGUMENTS = ("units", "activation", "use_bias", "kernel_initializer",
                   "recurrent_initializer", "bias_initializer", "kernel_regularizer",
                   "recurrent_regularizer", "bias_regularizer", "kernel_constraint",
                   "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout",
                   "seed")


class SimpleRNNCell(RecurrentCell):
    """One fully-connected recurrent step: ``cell(x_t, h) -> (h_new, h_new)``.

    Weights (as in Keras): ``kernel`` ``(input_dim, units)``, ``recurrent_kernel``
    ``(units, units)``, ``bias`` ``(units,)``.

    >>> import jax.numpy as jnp
    >>> cell = SimpleRNNCell(3)
    >>> cell(jnp.ones((2, 5)), [jnp.zeros((2, 3))])[0].shape
    (2, 3)
    """

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        check_positive("SimpleRNNCell", "units", units)
        super().__init__(**kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self._init_weight_arguments(locals())
        self._init_dropout(dropout, recurrent_dropout, seed)
        self.state_size = units
        self.output_size = units

    def build(self, input_shape):
        self.kernel = self._add_cell_weight("kernel", (input_shape[-1], self.units))
        self.recurrent_kernel = self._add_cell_weight("recurrent_kernel", (self.units, self.units))
        self.bias = self._add_cell_weight("bias", (self.units,)) if self.use_bias else None

    def project(self, inputs, input_masks=None):
        h = masked_matmul(inputs, self.kernel.value, input_masks)
        return h + self.bias.value if self.bias is not None else h

    def transition(self, projected, states, recurrent_masks=None):
        h = self.activation(projected + masked_matmul(states[0], self.recurrent_kernel.value,
                                                      recurrent_masks))
        return h, [h]


@cell_properties(*_CELL_ARGUMENTS)
class SimpleRNN(RNN):
    """Fully-connected RNN whose output is fed back as its input, with Keras's arguments.

    The cell arguments are :class:`SimpleRNNCell`'s; the others are :class:`RNN`'s.

    >>> import jax.numpy as jnp
    >>> SimpleRNN(4, return_sequences=True)(jnp.ones((2, 7, 3))).shape
    (2, 7, 4)
    """

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, seed=None,
                 zero_output_for_mask=False, **kwargs):
        cell = SimpleRNNCell(units, activation, use_bias, kernel_initializer,
                             recurrent_initializer, bias_initializer, kernel_regularizer,
                             recurrent_regularizer, bias_regularizer, kernel_constraint,
                             recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
                             seed, dtype=kwargs.get("dtype"),
                             trainable=kwargs.get("trainable", True), name="simple_rnn_cell")
        super().__init__(cell, return_sequences, return_state, go_backwards, stateful, unroll,
                         zero_output_for_mask, activity_regularizer=activity_regularizer,
                         **kwargs)
        self.input_spec = InputSpec(ndim=3)
