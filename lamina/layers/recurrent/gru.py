"""GRU: the gated recurrent unit cell and layer (Keras's gate order z, r, h)."""

from __future__ import annotations

import jax.numpy as jnp

from lamina import activations
from lamina.core.input_spec import InputSpec
from lamina.layers.recurrent.cell import (RecurrentCell, check_positive, check_use_cudnn,
                                          masked_matmul)
from lamina.layers.recurrent.rnn import RNN, cell_properties

_CELL_ARGUMENTS = ("units", "activation", "recurrent_activation", "use_bias",
                   "kernel_initializer", "recurrent_initializer", "bias_initializer",
                   "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
                   "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
                   "recurrent_dropout", "reset_after", "seed")


class GRUCell(RecurrentCell):
    """One GRU step: ``cell(x_t, h) -> (h_new, h_new)`` (or with ``[h]``, a list back).

    Weights (as in Keras): ``kernel`` ``(input_dim, 3 * units)``, ``recurrent_kernel``
    ``(units, 3 * units)``, ``bias`` ``(2, 3 * units)`` with ``reset_after=True`` (input and
    recurrent biases, the default) or ``(3 * units,)``. ``reset_after`` applies the reset gate
    after the recurrent matmul (the cuDNN variant) instead of before.

    >>> cell = GRUCell(3, reset_after=False)
    >>> h, states = cell(jnp.ones((2, 5)), [jnp.zeros((2, 3))])
    >>> h.shape, len(states)
    ((2, 3), 1)
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, reset_after=True,
                 seed=None, implementation=2, **kwargs):
        check_positive("GRUCell", "units", units)
        super().__init__(**kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias, self.reset_after = use_bias, reset_after
        self._init_weight_arguments(locals())
        self._init_dropout(dropout, recurrent_dropout, seed)
        self.implementation = 1 if self.recurrent_dropout else implementation
        self.dropout_mask_count = 3 if self.implementation == 1 else None
        self.state_size = units
        self.output_size = units

    def build(self, input_shape):
        units = self.units
        self.kernel = self._add_cell_weight("kernel", (input_shape[-1], 3 * units))
        self.recurrent_kernel = self._add_cell_weight("recurrent_kernel", (units, 3 * units))
        self.bias = None
        if self.use_bias:
            shape = (2, 3 * units) if self.reset_after else (3 * units,)
            self.bias = self._add_cell_weight("bias", shape)

    def project(self, inputs, input_masks=None):
        x = masked_matmul(inputs, self.kernel.value, input_masks)
        if self.bias is None:
            return x
        return x + (self.bias.value[0] if self.reset_after else self.bias.value)

    def transition(self, projected, states, recurrent_masks=None):
        (h,) = states
        units, kernel, masks = self.units, self.recurrent_kernel.value, recurrent_masks
        per_gate = isinstance(masks, (list, tuple))
        x_z, x_r, x_h = jnp.split(projected, 3, axis=-1)
        if self.reset_after:
            inner = masked_matmul(h, kernel, masks)
            if self.bias is not None:
                inner = inner + self.bias.value[1]
            r_z, r_r, r_h = jnp.split(inner, 3, axis=-1)
        else:
            zr_masks = masks[:2] if per_gate else masks
            r_z, r_r = jnp.split(masked_matmul(h, kernel[:, :2 * units], zr_masks), 2, axis=-1)
        z = self.recurrent_activation(x_z + r_z)
        r = self.recurrent_activation(x_r + r_r)
        if self.reset_after:
            candidate = self.activation(x_h + r * r_h)
        else:
            h_masked = h if masks is None else h * (masks[2] if per_gate else masks)
            candidate = self.activation(x_h + (r * h_masked) @ kernel[:, 2 * units:])
        h = z * h + (1 - z) * candidate
        return h, [h]


@cell_properties(*_CELL_ARGUMENTS)
class GRU(RNN):
    """Gated recurrent unit layer (Cho et al., 2014), with Keras's arguments.

    The cell arguments are :class:`GRUCell`'s (``reset_after=True`` by default, as in Keras);
    the others are :class:`RNN`'s. ``use_cudnn`` is accepted for compatibility.

    >>> layer = GRU(4)
    >>> layer(jnp.ones((2, 7, 3))).shape, [w.shape for w in layer.get_weights()]
    ((2, 4), [(3, 12), (4, 12), (2, 12)])
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, reset_after=True,
                 use_cudnn="auto", zero_output_for_mask=False, **kwargs):
        check_use_cudnn("GRU", use_cudnn)
        cell = GRUCell(units, activation, recurrent_activation, use_bias, kernel_initializer,
                       recurrent_initializer, bias_initializer, kernel_regularizer,
                       recurrent_regularizer, bias_regularizer, kernel_constraint,
                       recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
                       reset_after, seed, kwargs.pop("implementation", 2),
                       dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
                       name="gru_cell")
        super().__init__(cell, return_sequences, return_state, go_backwards, stateful, unroll,
                         zero_output_for_mask, activity_regularizer=activity_regularizer,
                         **kwargs)
        self.use_cudnn = use_cudnn
        self.input_spec = InputSpec(ndim=3)
