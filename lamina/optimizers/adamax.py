"""Adamax, with Keras's update rule."""

from typing import NamedTuple

import jax.numpy as jnp

from lamina.optimizers.optimizer import Optimizer
from lamina.optimizers.per_variable import per_variable


class AdamaxSlots(NamedTuple):
    momentum: jnp.ndarray
    norm: jnp.ndarray


def adamax_rule(learning_rate, step, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """Keras's Adamax as an optax transformation, for step number ``step`` (1 for the first)."""
    correction = 1 - beta_1 ** jnp.asarray(step, jnp.float32)

    def update(g, slots):
        m = slots.momentum + (g - slots.momentum) * (1 - beta_1)
        u = jnp.maximum(beta_2 * slots.norm, jnp.abs(g))
        return -(learning_rate * m) / (correction * (u + epsilon)), AdamaxSlots(m, u)

    return per_variable(lambda p: AdamaxSlots(jnp.zeros_like(p), jnp.zeros_like(p)), update)


class Adamax(Optimizer):
    """Adamax: Adam with the infinity norm (a decaying running maximum of ``|g|``) in place of
    the root mean square.

    Args:
        learning_rate: a float or a schedule; defaults to 0.001.
        beta_1: decay rate of the first moment estimate.
        beta_2: decay rate of the running maximum of ``|g|``.
        epsilon: added to that maximum for numerical stability.
        **kwargs: the base :class:`Optimizer` arguments (``weight_decay``, ``clipnorm``, ...).

    >>> from lamina.core.variable import Variable
    >>> w = Variable(jnp.zeros(1))
    >>> Adamax(learning_rate=0.1).apply([jnp.full(1, 3.0)], [w])
    >>> round(float(w.numpy()[0]), 4)  # a first step moves by about the learning rate
    -0.1
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def _transform(self, learning_rate, iterations):
        return adamax_rule(learning_rate, iterations + 1, self.beta_1, self.beta_2, self.epsilon)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
