"""Nadam (Adam with Nesterov momentum), with Keras's update rule."""

import jax.numpy as jnp

from lamina.optimizers.adam import AdamSlots
from lamina.optimizers.optimizer import Optimizer
from lamina.optimizers.per_variable import per_variable


def _mu(beta_1, t):
    """The momentum schedule of Dozat's Nadam at step ``t``."""
    return beta_1 * (1.0 - 0.5 * 0.96**t)


def nadam_rule(learning_rate, step, mu_product, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """Keras's Nadam as an optax transformation, for step ``step`` (1 for the first).

    ``mu_product`` is the product of the momentum schedule over steps ``1..step``.
    """
    t = jnp.asarray(step, jnp.float32)
    mu, mu_next = _mu(beta_1, t), _mu(beta_1, t + 1)
    mu_product_next = mu_product * mu_next
    beta_2_power = beta_2**t

    def update(g, slots):
        m = slots.momentum + (g - slots.momentum) * (1 - beta_1)
        v = slots.velocity + (jnp.square(g) - slots.velocity) * (1 - beta_2)
        m_hat = mu_next * m / (1 - mu_product_next) + (1 - mu) * g / (1 - mu_product)
        v_hat = v / (1 - beta_2_power)
        return -(m_hat * learning_rate) / (jnp.sqrt(v_hat) + epsilon), AdamSlots(m, v)

    return per_variable(lambda p: AdamSlots(jnp.zeros_like(p), jnp.zeros_like(p)), update)


class Nadam(Optimizer):
    """Nadam: Adam whose momentum step looks ahead (Nesterov), with Dozat's momentum schedule.

    Args:
        learning_rate: a float or a schedule; defaults to 0.001.
        beta_1, beta_2: decay rates of the first and second moment estimates.
        epsilon: added to ``sqrt(v_hat)`` for numerical stability.
        **kwargs: the base :class:`Optimizer` arguments (``weight_decay``, ``clipnorm``, ...).

    >>> from lamina.core.variable import Variable
    >>> w = Variable(jnp.zeros(1))
    >>> opt = Nadam(learning_rate=0.1)
    >>> opt.apply([jnp.ones(1)], [w])
    >>> round(float(w.numpy()[0]), 3), [v.name for v in opt.variables][-1]
    (-0.106, 'u_product')
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def build(self, variables):
        if self.built:
            return
        variables = list(variables)
        super().build(variables)
        dtype = variables[0].dtype if variables else jnp.float32
        # The running product of the momentum schedule: shared by all variables, as in Keras.
        self._u_product = self._own_variable(jnp.ones((), dtype), "u_product")
        self._extra_variables = [self._u_product]

    def _transform(self, learning_rate, iterations):
        mu_product = self._u_product.value if self._extra_variables else 1.0  # 1.0: in build
        return nadam_rule(learning_rate, iterations + 1, mu_product, self.beta_1, self.beta_2,
                          self.epsilon)

    def _update(self, grads, params, indices, learning_rate, step):
        t = jnp.asarray(step + 1, self._u_product.dtype)
        self._u_product.assign(self._u_product.value * _mu(self.beta_1, t))
        return super()._update(grads, params, indices, learning_rate, step)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
