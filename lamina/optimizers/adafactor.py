"""Adafactor, with Keras's update rule."""

from typing import NamedTuple

import jax.numpy as jnp

from lamina.optimizers.optimizer import Optimizer
from lamina.optimizers.per_variable import per_variable


class AdafactorSlots(NamedTuple):
    r: jnp.ndarray  # row means of squared gradients (an unused int 0 below rank 2, as in Keras)
    c: jnp.ndarray  # column means
    velocity: jnp.ndarray


def _rms(x):
    return jnp.sqrt(jnp.mean(jnp.square(x)))


def adafactor_rule(learning_rate, step, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
                   clip_threshold=1.0):
    """Keras's Adafactor as an optax transformation, for step ``step`` (1 for the first).

    For weights of rank >= 2 the second moment is stored factored, as its means over the last
    axis (``r``) and over the one before (``c``); ``velocity`` is their rank-1 reconstruction.
    """
    t = jnp.asarray(step, jnp.float32)
    rho = jnp.minimum(learning_rate, 1 / jnp.sqrt(t))
    beta_2 = 1 - t**beta_2_decay

    def init(p):
        if p.ndim < 2:
            zero = jnp.zeros((), jnp.int32)
            return AdafactorSlots(zero, zero, jnp.zeros_like(p))
        return AdafactorSlots(jnp.zeros(p.shape[:-1], p.dtype),
                              jnp.zeros(p.shape[:-2] + p.shape[-1:], p.dtype), jnp.zeros_like(p))

    def update(g, slots, w):
        alpha = jnp.maximum(epsilon_2, _rms(w)) * rho
        g2 = jnp.square(g) + epsilon_1
        r, c = slots.r, slots.c
        if g.ndim >= 2:
            r = beta_2 * r + (1 - beta_2) * jnp.mean(g2, axis=-1)
            c = beta_2 * c + (1 - beta_2) * jnp.mean(g2, axis=-2)
            v = (r / jnp.mean(r, axis=-1, keepdims=True))[..., None] * c[..., None, :]
        else:
            v = beta_2 * slots.velocity + (1 - beta_2) * g2
        u = g / jnp.sqrt(v)
        u = u / jnp.maximum(1.0, _rms(u) / clip_threshold)
        return -(alpha * u), AdafactorSlots(r, c, v)

    return per_variable(init, update, with_params=True)


class Adafactor(Optimizer):
    """Adafactor: Adam-like steps with a factored second moment, so the optimizer's memory grows
    with rows + columns rather than rows x columns, and steps relative to the weights' scale.

    Args:
        learning_rate: a float or a schedule; defaults to 0.001. The step size is
            ``min(learning_rate, 1 / sqrt(step))`` times ``max(epsilon_2, rms(w))``.
        beta_2_decay: the second moment's decay is ``1 - step ** beta_2_decay``.
        epsilon_1: added to the squared gradients.
        epsilon_2: the smallest weight scale used to size the step.
        clip_threshold: the step is scaled down when its RMS exceeds this.
        relative_step: kept for Keras compatibility (Keras's rule is the same either way).
        **kwargs: the base :class:`Optimizer` arguments (``weight_decay``, ``clipnorm``, ...).

    >>> from lamina.core.variable import Variable
    >>> w = Variable(jnp.ones((2, 3)))
    >>> opt = Adafactor(learning_rate=0.1)
    >>> opt.apply([jnp.ones((2, 3))], [w])
    >>> w.numpy().astype(float).round(4).tolist()[0], [v.shape for v in opt.variables[2:]]
    ([0.9, 0.9, 0.9], [(2,), (3,), (2, 3)])
    """

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
                 clip_threshold=1.0, relative_step=True, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_2_decay, self.epsilon_1, self.epsilon_2 = beta_2_decay, epsilon_1, epsilon_2
        self.clip_threshold, self.relative_step = clip_threshold, relative_step

    def _transform(self, learning_rate, iterations):
        return adafactor_rule(learning_rate, iterations + 1, self.beta_2_decay, self.epsilon_1,
                              self.epsilon_2, self.clip_threshold)

    def get_config(self):
        return {**super().get_config(), "beta_2_decay": self.beta_2_decay,
                "epsilon_1": self.epsilon_1, "epsilon_2": self.epsilon_2,
                "clip_threshold": self.clip_threshold, "relative_step": self.relative_step}
