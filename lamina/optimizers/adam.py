"""Adam and AdamW, with Keras's update rule."""

from typing import NamedTuple

import jax.numpy as jnp

from lamina.optimizers.optimizer import Optimizer
from lamina.optimizers.per_variable import per_variable


class AdamSlots(NamedTuple):
    momentum: jnp.ndarray
    velocity: jnp.ndarray
    velocity_hat: jnp.ndarray = ()  # only with amsgrad


def adam_rule(learning_rate, step, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
    """Keras's Adam as an optax transformation, for step number ``step`` (1 for the first).

    Keras folds the bias corrections into the step size and adds ``epsilon`` to the uncorrected
    ``sqrt(v)``; ``optax.adam`` adds it after correcting ``v``, which differs for small ``v``.
    """
    t = jnp.asarray(step, jnp.float32)
    alpha = learning_rate * jnp.sqrt(1 - beta_2**t) / (1 - beta_1**t)

    def init(p):
        zeros = jnp.zeros_like(p)
        return AdamSlots(zeros, zeros, zeros if amsgrad else ())

    def update(g, slots):
        m = slots.momentum + (g - slots.momentum) * (1 - beta_1)
        v = slots.velocity + (jnp.square(g) - slots.velocity) * (1 - beta_2)
        v_hat = jnp.maximum(slots.velocity_hat, v) if amsgrad else ()
        denominator = jnp.sqrt(v_hat if amsgrad else v) + epsilon
        return -(m * alpha) / denominator, AdamSlots(m, v, v_hat)

    return per_variable(init, update)


class Adam(Optimizer):
    """Adam: steps scaled by running estimates of the gradient's first and second moments.

    Args:
        learning_rate: a float or a schedule; defaults to 0.001.
        beta_1, beta_2: decay rates of the first and second moment estimates.
        epsilon: added to ``sqrt(v)`` for numerical stability.
        amsgrad: whether to divide by the running maximum of ``v`` (AMSGrad).
        **kwargs: the base :class:`Optimizer` arguments (``weight_decay``, ``clipnorm``, ...).

    >>> from lamina.core.variable import Variable
    >>> w = Variable(jnp.zeros(1))
    >>> Adam(learning_rate=0.1).apply([jnp.ones(1)], [w])
    >>> round(float(w.numpy()[0]), 4)  # a first Adam step moves by about the learning rate
    -0.1
    """

    slot_groups = (("momentum", "velocity"), ("velocity_hat",))

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.amsgrad = bool(amsgrad)

    def _transform(self, learning_rate, iterations):
        return adam_rule(learning_rate, iterations + 1, self.beta_1, self.beta_2, self.epsilon,
                         self.amsgrad)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


class AdamW(Adam):
    """Adam with decoupled weight decay (``w -= w * weight_decay * lr`` before each step).

    Takes :class:`Adam`'s arguments; ``weight_decay`` defaults to 0.004 and must be set.
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, **kwargs):
        if weight_decay is None:
            raise ValueError("AdamW: `weight_decay` must be a float. Received: weight_decay=None")
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         amsgrad=amsgrad, weight_decay=weight_decay, **kwargs)
