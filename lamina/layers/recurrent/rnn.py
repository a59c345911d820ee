"""RNN: runs a cell over the time axis of a sequence, with one ``lax.scan``.

Built-in cells (:class:`~lamina.layers.recurrent.cell.RecurrentCell`) run their step from its
two halves, with dropout masks drawn once per sequence before the loop; any other cell (a user
``Layer`` with ``call(inputs, states)`` and ``state_size``) is called once per step.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina.core import call_context
from lamina.core import config as configs
from lamina.core.errors import describe
from lamina.core.layer import Layer
from lamina.core.state import current_scope
from lamina.core.variable import Variable
from lamina.layers.recurrent.cell import RecurrentCell, call_cell
from lamina.layers.recurrent.stacked_cells import StackedRNNCells
from lamina.layers.recurrent.time_loop import scan_over_time


class _StateVariables:
    """The states a ``stateful`` RNN carries between calls: non-trainable variables that are
    part of the model's state (so compiled steps carry them) but not of its weights (so
    ``set_weights`` lists match Keras)."""

    _lamina_state_holder = True

    def __init__(self, structure, path):
        leaves, self.treedef = jax.tree_util.tree_flatten(structure)
        self.variables = []
        for i, value in enumerate(leaves):
            variable = Variable(value, trainable=False, name="rnn_state")
            variable.path = f"{path}/rnn_state_{i}"
            self.variables.append(variable)

    def values(self):
        return jax.tree_util.tree_unflatten(self.treedef, [v.value for v in self.variables])

    def assign(self, structure):
        for variable, value in zip(self.variables, jax.tree_util.tree_leaves(structure)):
            variable.assign(value)


def _can_assign(values):
    """Traced values can be stored only where a state scope collects them (a compiled step);
    a shape-only trace or a bare ``jax.grad`` of the layer leaves the stored states alone."""
    return current_scope() is not None or not any(
        isinstance(v, jax.core.Tracer) for v in jax.tree_util.tree_leaves(values))


def cell_properties(*names):
    """Class decorator: read-only attributes forwarded to ``self.cell`` (``LSTM(4).units``)."""
    def decorate(cls):
        for name in names:
            setattr(cls, name, property(lambda self, name=name: getattr(self.cell, name)))
        return cls
    return decorate


class RNN(Layer):
    """Runs a recurrent ``cell`` over the time axis of ``(batch, time, ...)`` inputs.

    Args:
        cell: a cell (``call(inputs, states) -> (output, new_states)`` and ``state_size``)
            or a list of cells (stacked with :class:`StackedRNNCells`).
        return_sequences: return every step's output, not only the last.
        return_state: also return the final states: ``(output, *states)``.
        go_backwards: process the sequence from its end (outputs in processing order).
        stateful: the final states of a batch are the initial states of the next one (kept in
            non-trainable variables; the batch size must be fixed); ``reset_state`` clears them.
        unroll: unroll the time loop in the compiled program (short sequences only).
        zero_output_for_mask: masked steps output zeros instead of the previous output.

    Call arguments: ``sequences``, ``initial_state`` (a list of arrays), ``mask`` (booleans
    ``(batch, time)``: a ``False`` step keeps the previous states), ``training``.

    >>> from lamina.layers.recurrent.simple_rnn import SimpleRNNCell
    >>> RNN(SimpleRNNCell(4), return_sequences=True)(jnp.ones((2, 5, 3))).shape
    (2, 5, 4)
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        for attribute in ("call", "state_size"):
            if not hasattr(cell, attribute):
                raise ValueError(f"RNN: the cell must have a `{attribute}` "
                                 f"{'method' if attribute == 'call' else 'attribute'}; "
                                 f"received {cell!r}.")
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences, self.return_state = return_sequences, return_state
        self.go_backwards, self.stateful, self.unroll = go_backwards, stateful, unroll
        self.zero_output_for_mask = zero_output_for_mask
        self.supports_masking = True
        self._state_variables = None

    @property
    def state_size(self):
        size = self.cell.state_size
        return list(size) if isinstance(size, (list, tuple)) else [size]

    def __call__(self, *args, **kwargs):
        # `initial_state` travels as a positional argument, so symbolic states (functional
        # models) are traced like the sequences.
        if len(args) == 1 and kwargs.get("initial_state") is not None:
            args = args + (kwargs.pop("initial_state"),)
        return super().__call__(*args, **kwargs)

    def build(self, sequences_shape, initial_state_shape=None):
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build((sequences_shape[0],) + tuple(sequences_shape[2:]))
        if self.stateful:
            if sequences_shape[0] is None:
                raise ValueError(f"{describe(self)}: a stateful RNN needs a fixed batch size; "
                                 f"received input shape {sequences_shape}. Pass `batch_size=` "
                                 "to the `Input` (or `batch_input_shape=` to the first layer).")
            with jax.ensure_compile_time_eval():  # build may run while a model is traced
                states = jax.tree_util.tree_map(lambda s: s.astype(self.variable_dtype),
                                                self.get_initial_state(sequences_shape[0]))
            self._state_variables = _StateVariables(states, self.name)

    @property
    def states(self):
        """The state variables of a stateful RNN (``None`` otherwise)."""
        if self._state_variables is None:
            return None
        return jax.tree_util.tree_unflatten(self._state_variables.treedef,
                                            self._state_variables.variables)

    def reset_state(self, states=None):
        """Sets a stateful RNN's states to zeros (or to ``states``)."""
        if self._state_variables is None:
            if self.stateful:
                return
            raise AttributeError(f"{describe(self)} is not stateful; only stateful RNNs "
                                 "keep states to reset.")
        if states is None:
            states = jax.tree_util.tree_map(jnp.zeros_like, self._state_variables.values())
        self._state_variables.assign(states)

    reset_states = reset_state

    def get_initial_state(self, batch_size):
        """Zero states for ``batch_size`` sequences (or the cell's own initial states)."""
        make = getattr(self.cell, "get_initial_state", None)
        if make is not None:
            states = make(batch_size=batch_size)
            return list(states) if isinstance(states, (list, tuple)) else [states]
        return [jnp.zeros((batch_size, size), self.compute_dtype) for size in self.state_size]

    def _step_function(self, sequences, training):
        """``(inputs, step)``: time-major inputs for the loop and the per-step function."""
        inputs = jnp.swapaxes(sequences, 0, 1)
        cell = self.cell
        if isinstance(cell, (RecurrentCell, StackedRNNCells)):
            # Each step projects its own input: on XLA:CPU a loop over the projected, 4x wider
            # sequence measured 2.5x slower forward and 3x slower in the gradient.
            input_masks, recurrent_masks = cell.dropout_masks(sequences[:, 0], training)
            return inputs, lambda x, states: cell.transition(cell.project(x, input_masks),
                                                             states, recurrent_masks)

        def step(x, states):
            return call_cell(cell, x, states, self)

        return inputs, step

    def call(self, sequences, initial_state=None, mask=None, training=False):
        batch = sequences.shape[0]
        stored = self._state_variables
        expected = None if stored is None else stored.variables[0].shape[0]
        if expected is not None and not (isinstance(batch, int) and batch == expected):
            # A shape-only trace may use any batch size (zero states stand in); real calls,
            # eager or compiled, are checked.
            if not call_context.in_shape_trace():
                raise ValueError(f"{describe(self)}: this stateful RNN was built for batches of "
                                 f"{expected}, received a batch of {batch}.")
            stored = None
        if initial_state is None:
            initial_state = stored.values() if stored is not None else self.get_initial_state(batch)
        if not isinstance(initial_state, (list, tuple)):
            initial_state = [initial_state]
        initial_state = jax.tree_util.tree_map(
            lambda s: jnp.asarray(s, self.compute_dtype), list(initial_state))
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if mask is not None:
            mask = jnp.swapaxes(jnp.asarray(mask).astype(bool), 0, 1)
        last, outputs, states = self._loop(sequences, initial_state, mask, training)
        if stored is not None and _can_assign(states):
            stored.assign(states)
        output = outputs if self.return_sequences else last
        return (output, *states) if self.return_state else output

    def _loop(self, sequences, states, mask, training):
        """``(last_output, outputs, final_states)``; ``outputs`` batch-major (or ``None``)."""
        inputs, step = self._step_function(sequences, training)
        last, outputs, states = scan_over_time(
            step, inputs, states, mask=mask, go_backwards=self.go_backwards,
            unroll=self.unroll, return_sequences=self.return_sequences,
            zero_output_for_mask=self.zero_output_for_mask)
        return last, (jnp.swapaxes(outputs, 0, 1) if self.return_sequences else None), states

    def compute_mask(self, inputs, previous_mask=None):
        """The input mask when ``return_sequences``; ``None`` for each returned state."""
        if isinstance(previous_mask, (list, tuple)):
            previous_mask = previous_mask[0]
        output_mask = previous_mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(self.state_size)
        return output_mask

    def get_config(self):
        config = super().get_config()
        if "cell" in config:  # a list of cells is written as the StackedRNNCells it became
            config["cell"] = configs.serialize(self.cell, "cell")
        return config
