"""Weight penalties under their Keras names: callables ``weights -> scalar`` added to the loss.

>>> float(L2(0.5)(jnp.array([1.0, 2.0])))
2.5
>>> get("l1").get_config()
{'l1': 0.01}
"""

from __future__ import annotations

import inspect
import math

import jax
import jax.numpy as jnp

from lamina.core import config
from lamina.core.variable import unwrap


class Regularizer:
    """Base class: subclasses implement ``__call__(x)`` returning a scalar penalty.

    ``get_config`` reads back the constructor arguments stored as same-named attributes.
    """

    def __call__(self, x):
        return 0.0

    def get_config(self):
        """The constructor arguments, as a dict."""
        names = list(inspect.signature(type(self).__init__).parameters)[1:]
        return {name: getattr(self, name) for name in names if name not in ("args", "kwargs")}

    @classmethod
    def from_config(cls, cfg):
        """Builds a regularizer from :meth:`get_config` output."""
        return cls(**cfg)


def _factor(value, name, default):
    value = default if value is None else value
    if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(f"Invalid value for argument {name}: expected a non-negative float; "
                         f"received {name}={value!r}.")
    return float(value)


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x**2)``."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = _factor(l1, "l1", 0.0), _factor(l2, "l2", 0.0)

    def __call__(self, x):
        x = jnp.asarray(unwrap(x))
        penalty = jnp.zeros((), x.dtype)
        if self.l1:
            penalty += self.l1 * jnp.sum(jnp.abs(x))
        if self.l2:
            penalty += self.l2 * jnp.sum(jnp.square(x))
        return penalty


class L1(Regularizer):
    """``l1 * sum(|x|)``."""

    def __init__(self, l1=0.01):
        self.l1 = _factor(l1, "l1", 0.01)

    def __call__(self, x):
        return self.l1 * jnp.sum(jnp.abs(jnp.asarray(unwrap(x))))


class L2(Regularizer):
    """``l2 * sum(x**2)``."""

    def __init__(self, l2=0.01):
        self.l2 = _factor(l2, "l2", 0.01)

    def __call__(self, x):
        return self.l2 * jnp.sum(jnp.square(jnp.asarray(unwrap(x))))


class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (or columns) of a 2-D kernel toward being mutually orthogonal.

    The penalty is ``factor`` times the mean absolute cosine similarity over distinct pairs.

    >>> float(OrthogonalRegularizer(1.0)(jnp.eye(3)))
    0.0
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _factor(factor, "factor", 0.01)
        if mode not in ("rows", "columns"):
            raise ValueError(f"OrthogonalRegularizer: `mode` must be 'rows' or 'columns'; "
                             f"received {mode!r}.")
        self.mode = mode

    def __call__(self, x):
        x = jnp.asarray(unwrap(x))
        if x.ndim != 2:
            raise ValueError(f"OrthogonalRegularizer needs a rank-2 input; received {x.shape}.")
        if self.mode == "columns":
            x = x.T
        # Capping the inverse norm (as Keras does) keeps all-zero rows at zero instead of NaN.
        inv_norm = jnp.minimum(jax.lax.rsqrt(jnp.sum(jnp.square(x), axis=1, keepdims=True)), 1e7)
        x = x * inv_norm
        n = x.shape[0]
        off_diagonal = (x @ x.T) * (1.0 - jnp.eye(n, dtype=x.dtype))
        return self.factor * 0.5 * jnp.sum(jnp.abs(off_diagonal)) / (n * (n - 1) / 2)


# Lowercase aliases, as in keras.regularizers.
l1, l2, l1_l2, orthogonal_regularizer = L1, L2, L1L2, OrthogonalRegularizer

_CLASSES = (Regularizer, L1, L2, L1L2, OrthogonalRegularizer)
_BY_NAME = {**{c.__name__: c for c in _CLASSES}, "regularizer": Regularizer, "l1": L1, "l2": L2,
            "l1_l2": L1L2, "l1l2": L1L2, "orthogonal_regularizer": OrthogonalRegularizer}
for _cls in _CLASSES:
    if config.lookup(_cls.__name__) is None:
        config.register(_cls)


def get(identifier):
    """A regularizer from ``None``, a name, a config dict, a class, an instance or a callable.

    >>> get(None) is None, type(get("l1_l2")).__name__
    (True, 'L1L2')
    """
    if identifier is None:
        return None
    if isinstance(identifier, str):
        identifier = {"class_name": identifier, "config": {}}
    if isinstance(identifier, dict):
        name = identifier.get("class_name")
        cls = _BY_NAME.get(name) or config.lookup(identifier.get("registered_name") or name)
        if cls is None:
            raise ValueError(f"Unknown regularizer '{name}'. Valid names: "
                             f"{', '.join(sorted(n for n in _BY_NAME if n.islower()))}.")
        return cls.from_config(identifier.get("config") or {})
    if isinstance(identifier, type):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret regularizer identifier {identifier!r}: expected None, "
                     "a name such as 'l2', a config dict, a regularizer or a callable.")


def serialize(regularizer):
    """The ``{"module", "class_name", "config", "registered_name"}`` form of a regularizer."""
    return config.serialize(regularizer, "regularizer")
