"""SGD with optional (Nesterov) momentum, with Keras's update rule."""

from typing import NamedTuple

import jax.numpy as jnp

from lamina.optimizers.optimizer import Optimizer
from lamina.optimizers.per_variable import per_variable


class SGDSlots(NamedTuple):
    momentum: jnp.ndarray


def sgd_rule(learning_rate, momentum=0.0, nesterov=False):
    """Keras's SGD as an optax transformation.

    The velocity holds the learning rate (``m = momentum * m - lr * g``, then ``w += m``), so a
    change of learning rate reaches the step gradually, as in Keras, unlike ``optax.sgd``.
    """
    if momentum == 0:
        return per_variable(lambda p: (), lambda g, s: (-learning_rate * g, s))

    def update(g, slots):
        m = momentum * slots.momentum - learning_rate * g
        return (momentum * m - learning_rate * g if nesterov else m), SGDSlots(m)

    return per_variable(lambda p: SGDSlots(jnp.zeros_like(p)), update)


class SGD(Optimizer):
    """Gradient descent, with optional momentum (Keras's ``SGD``).

    Args:
        learning_rate: a float or a schedule; defaults to 0.01.
        momentum: in ``[0, 1]``; 0 is plain gradient descent.
        nesterov: whether to use Nesterov momentum.
        **kwargs: the base :class:`Optimizer` arguments (``weight_decay``, ``clipnorm``, ...).

    >>> from lamina.core.variable import Variable
    >>> w = Variable(jnp.zeros(1))
    >>> opt = SGD(learning_rate=0.5, momentum=0.5)
    >>> for _ in range(2):
    ...     opt.apply([jnp.ones(1)], [w])
    >>> w.numpy().tolist()  # -0.5, then -0.5 + (0.5 * -0.5 - 0.5)
    [-1.25]
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError(f"SGD: `momentum` must be in [0, 1]. Received: momentum={momentum}")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)

    def _transform(self, learning_rate, iterations):
        return sgd_rule(learning_rate, self.momentum, self.nesterov)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
