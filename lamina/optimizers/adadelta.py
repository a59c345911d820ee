"""Adadelta, with Keras's update rule."""

from typing import NamedTuple

import jax.numpy as jnp

from lamina.optimizers.optimizer import Optimizer
from lamina.optimizers.per_variable import per_variable


class AdadeltaSlots(NamedTuple):
    accumulated_grad: jnp.ndarray
    accumulated_delta_var: jnp.ndarray


def adadelta_rule(learning_rate, rho=0.95, epsilon=1e-7):
    """Keras's Adadelta as an optax transformation (the step is scaled by ``learning_rate``)."""

    def rms(x):
        return jnp.sqrt(x + epsilon)

    def update(g, slots):
        acc_grad = rho * slots.accumulated_grad + (1 - rho) * jnp.square(g)
        delta = -(rms(slots.accumulated_delta_var) * g) / rms(acc_grad)
        acc_delta = rho * slots.accumulated_delta_var + (1 - rho) * jnp.square(delta)
        return learning_rate * delta, AdadeltaSlots(acc_grad, acc_delta)

    return per_variable(lambda p: AdadeltaSlots(jnp.zeros_like(p), jnp.zeros_like(p)), update)


class Adadelta(Optimizer):
    """Adadelta: steps sized by the ratio of running RMS of past steps to that of gradients.

    Args:
        learning_rate: a float or a schedule; defaults to 0.001 (the paper's form uses 1.0).
        rho: decay rate of both running averages.
        epsilon: added inside the square roots for numerical stability.
        **kwargs: the base :class:`Optimizer` arguments (``weight_decay``, ``clipnorm``, ...).

    >>> from lamina.core.variable import Variable
    >>> w = Variable(jnp.zeros(1))
    >>> Adadelta(learning_rate=1.0, rho=0.0, epsilon=1e-4).apply([jnp.ones(1)], [w])
    >>> round(float(w.numpy()[0]), 4)  # -sqrt(1e-4) / sqrt(1 + 1e-4)
    -0.01
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho, self.epsilon = rho, epsilon

    def _transform(self, learning_rate, iterations):
        return adadelta_rule(learning_rate, self.rho, self.epsilon)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
