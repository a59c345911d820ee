"""Lamb (layer-wise adaptive large-batch Adam), with Keras's update rule."""

import jax.numpy as jnp

from lamina.optimizers.adam import AdamSlots
from lamina.optimizers.optimizer import Optimizer
from lamina.optimizers.per_variable import per_variable


def lamb_rule(learning_rate, step, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """Keras's Lamb as an optax transformation, for step ``step`` (1 for the first)."""
    t = jnp.asarray(step, jnp.float32)
    beta_1_power, beta_2_power = beta_1**t, beta_2**t

    def update(g, slots, w):
        m = slots.momentum + (g - slots.momentum) * (1 - beta_1)
        v = slots.velocity + (jnp.square(g) - slots.velocity) * (1 - beta_2)
        direction = (m / (1.0 - beta_1_power)) / (jnp.sqrt(v / (1.0 - beta_2_power)) + epsilon)
        w_norm = jnp.sqrt(jnp.sum(jnp.square(w)))
        d_norm = jnp.sqrt(jnp.sum(jnp.square(direction)))
        # The trust ratio ||w|| / ||direction||, or 1 when either norm is 0.
        ratio = jnp.where(w_norm > 0, jnp.where(d_norm > 0, w_norm / d_norm, 1.0), 1.0)
        return -(ratio * learning_rate * direction), AdamSlots(m, v)

    init = lambda p: AdamSlots(jnp.zeros_like(p), jnp.zeros_like(p))  # noqa: E731
    return per_variable(init, update, with_params=True)


class Lamb(Optimizer):
    """Lamb: Adam's step for each variable rescaled to the variable's norm (the trust ratio).

    Args:
        learning_rate: a float or a schedule; defaults to 0.001.
        beta_1, beta_2: decay rates of the first and second moment estimates.
        epsilon: added to ``sqrt(v_hat)`` for numerical stability.
        **kwargs: the base :class:`Optimizer` arguments (``weight_decay``, ``clipnorm``, ...).

    >>> from lamina.core.variable import Variable
    >>> w = Variable(jnp.array([3.0, 4.0]))
    >>> Lamb(learning_rate=0.1).apply([jnp.ones(2)], [w])  # moves by lr * ||w|| = 0.5 in norm
    >>> w.numpy().astype(float).round(4).tolist()
    [2.6464, 3.6464]
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def _transform(self, learning_rate, iterations):
        return lamb_rule(learning_rate, iterations + 1, self.beta_1, self.beta_2, self.epsilon)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
