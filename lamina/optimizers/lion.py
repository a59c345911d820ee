"""Lion (evolved sign momentum), with Keras's update rule."""

from typing import NamedTuple

import jax.numpy as jnp

from lamina.optimizers.optimizer import Optimizer
from lamina.optimizers.per_variable import per_variable


class LionSlots(NamedTuple):
    momentum: jnp.ndarray


def lion_rule(learning_rate, beta_1=0.9, beta_2=0.99):
    """Keras's Lion as an optax transformation: every element moves by exactly ``learning_rate``."""

    def update(g, slots):
        step = learning_rate * jnp.sign(slots.momentum * beta_1 + g * (1.0 - beta_1))
        return -step, LionSlots(slots.momentum * beta_2 + g * (1.0 - beta_2))

    return per_variable(lambda p: LionSlots(jnp.zeros_like(p)), update)


class Lion(Optimizer):
    """Lion: steps of fixed size in the sign of an interpolation of momentum and gradient.

    Args:
        learning_rate: a float or a schedule; defaults to 0.001 (Lion wants one 3-10x smaller
            than Adam's).
        beta_1: the interpolation factor of the step's direction, in ``(0, 1]``.
        beta_2: the decay rate of the momentum.
        **kwargs: the base :class:`Optimizer` arguments (``weight_decay``, ``clipnorm``, ...).

    >>> from lamina.core.variable import Variable
    >>> w = Variable(jnp.zeros(2))
    >>> Lion(learning_rate=0.1).apply([jnp.array([3.0, -0.01])], [w])
    >>> w.numpy().astype(float).round(4).tolist()
    [-0.1, 0.1]
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError("Lion: argument `beta_1` must be in the [0, 1] range. Otherwise, the "
                             f"optimizer degenerates to SignSGD. Received: beta_1={beta_1}.")
        self.beta_1, self.beta_2 = beta_1, beta_2

    def _transform(self, learning_rate, iterations):
        return lion_rule(learning_rate, self.beta_1, self.beta_2)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}
