"""RecurrentCell: the base of lamina's built-in cells, with their step split in two halves.

``project(inputs, input_masks)`` is the inputs' contribution to the gates (it works on any
leading axes); ``transition(projected, states, recurrent_masks)`` is the recurrent half. The
split lets :class:`~lamina.layers.recurrent.rnn.RNN` and ``StackedRNNCells`` pass dropout masks
drawn once per sequence, outside the time loop.

Dropout follows Keras: masks are drawn once per sequence and reused at every step; with
``dropout_mask_count`` (Keras's ``implementation=1``) each gate gets its own mask.
"""

from __future__ import annotations

import jax.numpy as jnp

from lamina import initializers, random
from lamina.core.errors import describe
from lamina.core.layer import Layer
from lamina.core.state import StateScope


def masked_matmul(x, kernel, masks):
    """``x @ kernel`` with dropout ``masks`` on ``x``: none, one for all gates, or one per gate
    (then ``kernel``'s columns split into ``len(masks)`` equal gate blocks).

    >>> masked_matmul(jnp.ones((1, 2)), jnp.ones((2, 4)), [jnp.zeros((1, 2)), jnp.ones((1, 2))])
    Array([[0., 0., 2., 2.]], dtype=float32)
    """
    if masks is None:
        return x @ kernel
    if not isinstance(masks, (list, tuple)):
        return (x * masks) @ kernel
    blocks = jnp.split(kernel, len(masks), axis=-1)
    return jnp.concatenate([(x * m) @ k for m, k in zip(masks, blocks)], axis=-1)


def forget_bias_initializer(base, units, gates=4):
    """Keras's ``unit_forget_bias``: ``base`` everywhere except ones for the forget gate (the
    second block of ``units``)."""
    base = initializers.get(base)

    def initialize(shape, dtype=None):
        return jnp.concatenate([jnp.asarray(base((units,), dtype)),
                                jnp.ones((units,), dtype or "float32"),
                                jnp.asarray(base(((gates - 2) * units,), dtype))])

    return initialize


def call_cell(cell, inputs, states, owner):
    """One step of any cell (a user ``Layer`` or an object with ``call``) inside the time loop.

    A cell that assigns variables at each step (its own random masks, running statistics)
    cannot work inside ``lax.scan``: that is refused with a message naming what it assigned.
    """
    with StateScope() as scope:
        output, new_states = cell(inputs, states) if callable(cell) else cell.call(inputs, states)
    if scope.written():
        raise NotImplementedError(
            f"{describe(owner)}: its cell assigns {[v.path for v in scope.written()]} at every "
            "time step, which a scanned time loop cannot carry out; compute such values "
            "outside the cell's `call` (lamina's built-in cells draw dropout masks once).")
    return output, new_states


_WEIGHT_ARGUMENTS = tuple(f"{weight}_{kind}" for weight in ("kernel", "recurrent", "bias")
                          for kind in ("initializer", "regularizer", "constraint"))


def check_use_cudnn(owner, value):
    if value not in ("auto", True, False):
        raise ValueError(f"{owner}: `use_cudnn` must be 'auto', True or False; received "
                         f"{value!r}.")


def check_positive(owner, name, value):
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{owner}: `{name}` must be a positive integer, received {name}={value!r}.")


class RecurrentCell(Layer):
    """Base class of the built-in cells (``SimpleRNNCell``, ``LSTMCell``, ``GRUCell``, ...).

    Subclasses set ``state_size`` and ``output_size`` and implement ``project`` and
    ``transition``; calling the cell runs one step: ``cell(x_t, states) -> (output, states)``.
    """

    dropout_mask_count = None  # None: one mask for all gates; n: one per gate

    def _init_weight_arguments(self, arguments):
        """Stores the ``kernel_*``, ``recurrent_*`` and ``bias_*`` initializer, regularizer and
        constraint arguments from ``arguments`` (the constructor's ``locals()``)."""
        for name in _WEIGHT_ARGUMENTS:
            setattr(self, name, arguments[name])

    def _add_cell_weight(self, name, shape, initializer=None):
        """The ``kernel``, ``recurrent_kernel`` or ``bias`` weight, with the cell's initializer
        (unless ``initializer`` is given), regularizer and constraint for it."""
        prefix = name.replace("_kernel", "")  # kernel, recurrent or bias
        return self.add_weight(shape, initializer or getattr(self, f"{prefix}_initializer"),
                               regularizer=getattr(self, f"{prefix}_regularizer"),
                               constraint=getattr(self, f"{prefix}_constraint"), name=name)

    def _init_dropout(self, dropout, recurrent_dropout, seed):
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed, name=f"{self.name}_seed_generator")

    def get_initial_state(self, batch_size=None):
        """Zero states, one ``(batch_size, size)`` array per entry of ``state_size``."""
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        return [jnp.zeros((batch_size, size), self.compute_dtype) for size in sizes]

    def dropout_masks(self, step_input, training):
        """``(input_masks, recurrent_masks)`` for one sequence; ``None`` where no dropout."""
        def draw(shape, rate):
            if not training or not 0.0 < rate < 1.0:
                return None
            ones = jnp.ones(shape, self.compute_dtype)
            masks = [random.dropout(ones, rate, seed=self.seed_generator)
                     for _ in range(self.dropout_mask_count or 1)]
            return masks if self.dropout_mask_count else masks[0]

        state_shape = jnp.shape(self.get_initial_state(step_input.shape[0])[0])
        return draw(step_input.shape, self.dropout), draw(state_shape, self.recurrent_dropout)

    def project(self, inputs, input_masks=None):
        raise NotImplementedError(f"{describe(self)} must implement `project`.")

    def transition(self, projected, states, recurrent_masks=None):
        raise NotImplementedError(f"{describe(self)} must implement `transition`.")

    def call(self, inputs, states, training=False):
        single = not isinstance(states, (list, tuple))
        states = [states] if single else list(states)
        input_masks, recurrent_masks = self.dropout_masks(inputs, training)
        output, new_states = self.transition(self.project(inputs, input_masks), states,
                                             recurrent_masks)
        return output, (new_states[0] if single else new_states)
