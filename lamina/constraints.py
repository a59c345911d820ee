"""Weight constraints under their Keras names: projections ``w -> w'`` applied after each update.

Norms are taken over ``axis`` (for a ``Dense`` kernel ``(in, out)``, ``axis=0`` constrains each
output unit's incoming weights).

>>> NonNeg()(jnp.array([-1.0, 2.0])).tolist()
[0.0, 2.0]
"""

from __future__ import annotations

import inspect

import jax.numpy as jnp

from lamina.core import config
from lamina.core.variable import unwrap

# Keras's backend epsilon: keeps the division finite for all-zero weights.
_EPSILON = 1e-7


class Constraint:
    """Base class: subclasses implement ``__call__(w)``; the base returns ``w`` unchanged.

    ``get_config`` reads back the constructor arguments stored as same-named attributes.
    """

    def __call__(self, w):
        return w

    def get_config(self):
        """The constructor arguments, as a dict."""
        names = list(inspect.signature(type(self).__init__).parameters)[1:]
        return {name: getattr(self, name) for name in names if name not in ("args", "kwargs")}

    @classmethod
    def from_config(cls, cfg):
        """Builds a constraint from :meth:`get_config` output."""
        return cls(**cfg)


def _norms(w, axis):
    return jnp.sqrt(jnp.sum(jnp.square(w), axis=axis, keepdims=True))


class MaxNorm(Constraint):
    """Rescales slices whose norm exceeds ``max_value``.

    >>> [round(v, 4) for v in MaxNorm(1.0)(jnp.array([3.0, 4.0])).tolist()]
    [0.6, 0.8]
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        w = jnp.asarray(unwrap(w))
        norms = _norms(w, self.axis)
        return w * (jnp.clip(norms, 0, self.max_value) / (_EPSILON + norms))


class NonNeg(Constraint):
    """Sets negative weights to zero."""

    def __call__(self, w):
        return jnp.maximum(jnp.asarray(unwrap(w)), 0)


class UnitNorm(Constraint):
    """Rescales every slice to unit norm."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = jnp.asarray(unwrap(w))
        return w / (_EPSILON + _norms(w, self.axis))


class MinMaxNorm(Constraint):
    """Moves slice norms into ``[min_value, max_value]``; ``rate < 1`` moves them part way."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        w = jnp.asarray(unwrap(w))
        norms = _norms(w, self.axis)
        clipped = jnp.clip(norms, self.min_value, self.max_value)
        desired = self.rate * clipped + (1 - self.rate) * norms
        return w * (desired / (_EPSILON + norms))


# Lowercase aliases, as in keras.constraints.
max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm

_CLASSES = (Constraint, MaxNorm, NonNeg, UnitNorm, MinMaxNorm)
_BY_NAME = {**{c.__name__: c for c in _CLASSES}, "constraint": Constraint, "max_norm": MaxNorm,
            "non_neg": NonNeg, "unit_norm": UnitNorm, "min_max_norm": MinMaxNorm}
for _cls in _CLASSES:
    if config.lookup(_cls.__name__) is None:
        config.register(_cls)


def get(identifier):
    """A constraint from ``None``, a name, a config dict, a class, an instance or a callable.

    >>> get(None) is None, type(get("max_norm")).__name__
    (True, 'MaxNorm')
    """
    if identifier is None:
        return None
    if isinstance(identifier, str):
        identifier = {"class_name": identifier, "config": {}}
    if isinstance(identifier, dict):
        name = identifier.get("class_name")
        cls = _BY_NAME.get(name) or config.lookup(identifier.get("registered_name") or name)
        if cls is None:
            raise ValueError(f"Unknown constraint '{name}'. Valid names: "
                             f"{', '.join(sorted(n for n in _BY_NAME if n.islower()))}.")
        return cls.from_config(identifier.get("config") or {})
    if isinstance(identifier, type):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret constraint identifier {identifier!r}: expected None, "
                     "a name such as 'max_norm', a config dict, a constraint or a callable.")


def serialize(constraint):
    """The ``{"module", "class_name", "config", "registered_name"}`` form of a constraint."""
    return config.serialize(constraint, "constraint")
