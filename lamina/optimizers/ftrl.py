"""FTRL-Proximal, with Keras's update rule."""

from typing import NamedTuple

import jax.numpy as jnp

from lamina.optimizers.optimizer import Optimizer
from lamina.optimizers.per_variable import per_variable


class FtrlSlots(NamedTuple):
    accumulator: jnp.ndarray
    linear: jnp.ndarray


def ftrl_rule(learning_rate, learning_rate_power=-0.5, initial_accumulator_value=0.1,
              l1=0.0, l2=0.0, l2_shrinkage=0.0, beta=0.0):
    """Keras's FTRL as an optax transformation: the new weights solve the proximal problem in
    closed form (they are 0 where ``|linear| <= l1``)."""
    l2 = l2 + beta / (2.0 * learning_rate)

    def update(g, slots, w):
        power = -learning_rate_power
        new_accumulator = slots.accumulator + jnp.square(g)
        sigma = (new_accumulator**power - slots.accumulator**power) / learning_rate
        linear = slots.linear + (g + 2 * l2_shrinkage * w) - sigma * w
        quadratic = new_accumulator**power / learning_rate + 2 * l2
        new_w = (jnp.clip(linear, -l1, l1) - linear) / quadratic
        return new_w - w, FtrlSlots(new_accumulator, linear)

    def init(p):
        return FtrlSlots(jnp.full_like(p, initial_accumulator_value), jnp.zeros_like(p))

    return per_variable(init, update, with_params=True)


class Ftrl(Optimizer):
    """FTRL-Proximal ("follow the regularized leader"), for shallow models with sparse features.

    Args:
        learning_rate: a float or a schedule; defaults to 0.001.
        learning_rate_power: how the per-element step shrinks with the summed squared gradients;
            <= 0 (0 is a fixed step).
        initial_accumulator_value: the starting sum of squared gradients, >= 0.
        l1_regularization_strength, l2_regularization_strength: >= 0, the proximal penalties
            (l1 makes weights exactly 0).
        l2_shrinkage_regularization_strength: >= 0, an L2 penalty added to the gradient.
        beta: adds ``beta / (2 * learning_rate)`` to the L2 strength.
        **kwargs: the base :class:`Optimizer` arguments (``weight_decay``, ``clipnorm``, ...).

    >>> from lamina.core.variable import Variable
    >>> w = Variable(jnp.zeros(2))
    >>> Ftrl(learning_rate=0.1, l1_regularization_strength=0.5).apply(
    ...     [jnp.array([1.0, 0.2])], [w])
    >>> w.numpy().astype(float).round(4).tolist()  # the small gradient's weight stays exactly 0
    [-0.0477, 0.0]
    """

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if learning_rate_power > 0.0:
            raise ValueError("Ftrl: `learning_rate_power` needs to be negative or zero. "
                             f"Received: learning_rate_power={learning_rate_power}.")
        for arg, value in (("initial_accumulator_value", initial_accumulator_value),
                           ("l1_regularization_strength", l1_regularization_strength),
                           ("l2_regularization_strength", l2_regularization_strength),
                           ("l2_shrinkage_regularization_strength",
                            l2_shrinkage_regularization_strength)):
            if value < 0.0:
                raise ValueError(f"Ftrl: `{arg}` needs to be positive or zero. "
                                 f"Received: {arg}={value}.")
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def _transform(self, learning_rate, iterations):
        return ftrl_rule(learning_rate, self.learning_rate_power, self.initial_accumulator_value,
                         self.l1_regularization_strength, self.l2_regularization_strength,
                         self.l2_shrinkage_regularization_strength, self.beta)

    def get_config(self):
        return {**super().get_config(), "learning_rate_power": self.learning_rate_power,
                "initial_accumulator_value": self.initial_accumulator_value,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
                "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
                "beta": self.beta}
