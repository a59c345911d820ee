"""Adagrad, with Keras's update rule."""

from typing import NamedTuple

import jax.numpy as jnp

from lamina.optimizers.optimizer import Optimizer
from lamina.optimizers.per_variable import per_variable


class AdagradSlots(NamedTuple):
    accumulator: jnp.ndarray


def adagrad_rule(learning_rate, initial_accumulator_value=0.1, epsilon=1e-7):
    """Keras's Adagrad as an optax transformation (``epsilon`` inside the square root)."""

    def update(g, slots):
        accumulator = slots.accumulator + jnp.square(g)
        return -(learning_rate * g) / jnp.sqrt(accumulator + epsilon), AdagradSlots(accumulator)

    return per_variable(lambda p: AdagradSlots(jnp.full_like(p, initial_accumulator_value)), update)


class Adagrad(Optimizer):
    """Adagrad: each element's step shrinks with the sum of its squared gradients so far.

    Args:
        learning_rate: a float or a schedule; defaults to 0.001 (the paper's form uses 1.0).
        initial_accumulator_value: the starting sum of squares, >= 0.
        epsilon: added under the square root for numerical stability.
        **kwargs: the base :class:`Optimizer` arguments (``weight_decay``, ``clipnorm``, ...).

    >>> from lamina.core.variable import Variable
    >>> w = Variable(jnp.zeros(1))
    >>> opt = Adagrad(learning_rate=1.0, initial_accumulator_value=0.0, epsilon=0.0)
    >>> opt.apply([jnp.full(1, 2.0)], [w])
    >>> w.numpy().tolist()
    [-1.0]
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if initial_accumulator_value < 0:
            raise ValueError("Adagrad: `initial_accumulator_value` must be >= 0. "
                             f"Received: {initial_accumulator_value}")
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def _transform(self, learning_rate, iterations):
        return adagrad_rule(learning_rate, self.initial_accumulator_value, self.epsilon)

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}
