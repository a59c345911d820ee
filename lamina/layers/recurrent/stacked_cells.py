"""StackedRNNCells: several cells run as one, each feeding its output to the next."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.core.layer import Layer
from lamina.layers.recurrent.cell import RecurrentCell, call_cell


def output_size(cell):
    """A cell's output size: ``output_size``, else its (first) state size."""
    size = getattr(cell, "output_size", None)
    if size is not None:
        return size
    return cell.state_size[0] if isinstance(cell.state_size, (list, tuple)) else cell.state_size


class StackedRNNCells(Layer):
    """Wraps a list of cells so that an ``RNN`` runs them as a stack in one time loop.

    The states are one entry per cell (each the cell's own state list).

    >>> from lamina.layers.recurrent.rnn import RNN
    >>> from lamina.layers.recurrent.lstm import LSTMCell
    >>> cells = StackedRNNCells([LSTMCell(4), LSTMCell(2)])
    >>> RNN(cells)(jnp.ones((3, 5, 6))).shape, cells.state_size
    ((3, 2), [[4, 4], [2, 2]])
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        for cell in cells:
            for attribute in ("call", "state_size"):
                if not hasattr(cell, attribute):
                    raise ValueError(f"StackedRNNCells: every cell must have a `{attribute}`; "
                                     f"received {cell!r}.")
        self.cells = list(cells)

    @property
    def state_size(self):
        return [cell.state_size for cell in self.cells]

    @property
    def output_size(self):
        return output_size(self.cells[-1])

    def build(self, input_shape):
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell.build(input_shape)
            input_shape = (input_shape[0], output_size(cell))

    def get_initial_state(self, batch_size=None):
        states = []
        for cell in self.cells:
            make = getattr(cell, "get_initial_state", None)
            if make is not None:
                states.append(make(batch_size=batch_size))
            else:
                sizes = cell.state_size if isinstance(cell.state_size, (list, tuple)) else [
                    cell.state_size]
                states.append([jnp.zeros((batch_size, s), self.compute_dtype) for s in sizes])
        return states

    # The RecurrentCell protocol, so that an RNN passes every cell its once-drawn masks.
    def dropout_masks(self, step_input, training):
        masks, x = [], step_input
        for cell in self.cells:
            built_in = isinstance(cell, RecurrentCell)
            masks.append(cell.dropout_masks(x, training) if built_in else (None, None))
            x = jnp.zeros((x.shape[0], output_size(cell)), x.dtype)  # only its shape matters
        return masks[0][0], masks

    def project(self, inputs, input_masks=None):
        first = self.cells[0]
        return first.project(inputs, input_masks) if isinstance(first, RecurrentCell) else inputs

    def transition(self, projected, states, masks=None):
        x, new_states = projected, []
        for i, (cell, state) in enumerate(zip(self.cells, states)):
            as_list = isinstance(state, (list, tuple))
            state = list(state) if as_list else [state]
            if isinstance(cell, RecurrentCell):
                input_masks, recurrent_masks = masks[i] if masks else (None, None)
                x = x if i == 0 else cell.project(x, input_masks)
                x, state = cell.transition(x, state, recurrent_masks)
            else:
                x, state = call_cell(cell, x, state, self)
                state = list(state) if isinstance(state, (list, tuple)) else [state]
            new_states.append(state if as_list else state[0])
        return x, new_states

    def call(self, inputs, states, training=False):
        input_masks, masks = self.dropout_masks(inputs, training)
        return self.transition(self.project(inputs, input_masks), states, masks)
