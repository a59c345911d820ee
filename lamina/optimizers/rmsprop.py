"""RMSprop, with Keras's update rule."""

from typing import NamedTuple

import jax.numpy as jnp

from lamina.optimizers.optimizer import Optimizer
from lamina.optimizers.per_variable import per_variable


class RMSpropSlots(NamedTuple):
    velocity: jnp.ndarray
    momentum: jnp.ndarray = ()  # only with momentum > 0
    average_gradient: jnp.ndarray = ()  # only when centered


def rmsprop_rule(learning_rate, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
    """Keras's RMSprop as an optax transformation.

    ``epsilon`` goes inside the square root, and the momentum accumulates learning-rate-scaled
    steps, as in Keras (``optax.rmsprop`` does neither).
    """
    def init(p):
        zeros = jnp.zeros_like(p)
        return RMSpropSlots(zeros, zeros if momentum > 0 else (), zeros if centered else ())

    def update(g, slots):
        v = rho * slots.velocity + (1 - rho) * jnp.square(g)
        if centered:
            avg = rho * slots.average_gradient + (1 - rho) * g
            denominator = v - jnp.square(avg) + epsilon
        else:
            avg, denominator = (), v + epsilon
        step = learning_rate * g / jnp.sqrt(denominator)
        mom = momentum * slots.momentum + step if momentum > 0 else ()
        return -(mom if momentum > 0 else step), RMSpropSlots(v, mom, avg)

    return per_variable(init, update)


class RMSprop(Optimizer):
    """RMSprop: steps divided by a running root mean square of the gradients.

    Args:
        learning_rate: a float or a schedule; defaults to 0.001.
        rho: decay rate of the running mean of squared gradients.
        momentum: if above 0, the steps are accumulated with this decay (plain momentum).
        epsilon: added under the square root for numerical stability.
        centered: if True, divides by the estimated variance instead of the second moment.
        **kwargs: the base :class:`Optimizer` arguments (``weight_decay``, ``clipnorm``, ...).

    >>> from lamina.core.variable import Variable
    >>> w = Variable(jnp.array([10.0]))
    >>> RMSprop(learning_rate=0.1).apply([w.value], [w])  # the gradient of w**2 / 2
    >>> round(float(w.numpy()[0]), 4)
    9.6838
    """

    slot_groups = (("velocity",), ("momentum",), ("average_gradient",))

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho, self.momentum, self.epsilon = rho, momentum, epsilon
        self.centered = bool(centered)

    def _transform(self, learning_rate, iterations):
        return rmsprop_rule(learning_rate, self.rho, self.momentum, self.epsilon, self.centered)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}
