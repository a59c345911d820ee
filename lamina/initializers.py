"""Weight initializers under their Keras names: callables ``(shape, dtype=None) -> array``.

With ``seed=None`` each call draws a fresh key from :func:`lamina.random.host_key` (so runs are
reproducible after ``set_random_seed``); an integer seed gives the same values on every call.

>>> w = GlorotUniform(seed=0)((64, 32))
>>> w.shape, str(w.dtype), bool(abs(w).max() <= (6 / (64 + 32)) ** 0.5)
((64, 32), 'float32', True)
>>> get("zeros")((2,)).tolist()
[0.0, 0.0]
"""

from __future__ import annotations

import inspect
import math
import re

import jax
import jax.numpy as jnp
import numpy as np

from lamina import random
from lamina.core import config


class Initializer:
    """Base class: subclasses implement ``__call__(shape, dtype=None)``.

    ``get_config`` reads back the constructor arguments stored as same-named attributes, so a
    subclass that keeps its arguments that way needs no ``get_config`` of its own.
    """

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(f"{type(self).__name__} must implement `__call__(shape, dtype)`.")

    def get_config(self):
        """The constructor arguments, as a dict."""
        names = [p for p in inspect.signature(type(self).__init__).parameters][1:]
        return {name: config.serialize(getattr(self, name), name) for name in names
                if name not in ("args", "kwargs")}

    @classmethod
    def from_config(cls, cfg):
        """Builds an initializer from :meth:`get_config` output."""
        return cls(**cfg)

    def clone(self):
        """A new initializer with the same configuration."""
        return type(self).from_config(self.get_config())


def _dtype(dtype):
    return jnp.dtype(dtype or "float32")


class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape, dtype=None):
        return jnp.zeros(shape, _dtype(dtype))


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None):
        return jnp.ones(shape, _dtype(dtype))


class Constant(Initializer):
    """Every entry equal to ``value``.

    >>> Constant(3.0)((2,)).tolist()
    [3.0, 3.0]
    """

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return jnp.broadcast_to(jnp.asarray(self.value, _dtype(dtype)), shape)


class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes only)."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError(f"Identity initializer needs a 2-D shape; received shape={shape}.")
        return self.gain * jnp.eye(*shape, dtype=_dtype(dtype))


class RandomInitializer(Initializer):
    """Base of the random initializers: turns ``seed`` into a key per call."""

    def __init__(self, seed=None):
        if seed is not None and not isinstance(seed, (int, random.SeedGenerator)):
            raise ValueError(f"`seed` must be None, an int or a SeedGenerator; received {seed!r}.")
        self.seed = seed

    def _key(self):
        return random.host_key() if self.seed is None else random.draw_key(self.seed)


class RandomNormal(RandomInitializer):
    """Normal samples with ``mean`` and ``stddev``."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev = mean, stddev
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        return random.normal(shape, self.mean, self.stddev, _dtype(dtype), self._key())


class TruncatedNormal(RandomInitializer):
    """Normal samples, redrawn beyond two standard deviations from ``mean``."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev = mean, stddev
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        return random.truncated_normal(shape, self.mean, self.stddev, _dtype(dtype), self._key())


class RandomUniform(RandomInitializer):
    """Uniform samples in ``[minval, maxval)``."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval = minval, maxval
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        return random.uniform(shape, self.minval, self.maxval, _dtype(dtype), self._key())


def compute_fans(shape, input_axes=None, output_axes=None):
    """``(fan_in, fan_out)`` for a kernel; conv kernels are ``(*window, in, out)``.

    >>> compute_fans((3, 3, 16, 32))
    (144, 288)
    """
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return math.prod(shape[a] for a in input_axes), math.prod(shape[a] for a in output_axes)
    if len(shape) < 2:
        return (shape[0], shape[0]) if shape else (1, 1)
    window = math.prod(shape[:-2])
    return shape[-2] * window, shape[-1] * window


# Standard deviation of a unit normal truncated to [-2, 2]: dividing by it restores unit variance.
_TRUNCATED_STD = 0.87962566103423978


class VarianceScaling(RandomInitializer):
    """Samples with variance ``scale / n``, ``n`` being the fan in, fan out or their mean.

    ``distribution`` is ``"truncated_normal"`` (alias ``"normal"``), ``"untruncated_normal"``
    or ``"uniform"``.
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None):
        if scale <= 0:
            raise ValueError(f"VarianceScaling: `scale` must be positive; received {scale}.")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"VarianceScaling: `mode` must be 'fan_in', 'fan_out' or 'fan_avg'; "
                             f"received {mode!r}.")
        distribution = distribution.lower()
        distribution = "truncated_normal" if distribution == "normal" else distribution
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError("VarianceScaling: `distribution` must be 'truncated_normal', "
                             f"'untruncated_normal' or 'uniform'; received {distribution!r}.")
        self.scale, self.mode, self.distribution = scale, mode, distribution
        self.input_axes, self.output_axes = input_axes, output_axes
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, fan)
        dtype, key = _dtype(dtype), self._key()
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            return random.uniform(shape, -limit, limit, dtype, key)
        if self.distribution == "untruncated_normal":
            return random.normal(shape, 0.0, math.sqrt(variance), dtype, key)
        return random.truncated_normal(shape, 0.0, math.sqrt(variance) / _TRUNCATED_STD, dtype, key)


def _preset(name, scale, mode, distribution):
    def __init__(self, seed=None, input_axes=None, output_axes=None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed, input_axes, output_axes)

    doc = f"VarianceScaling with scale={scale}, mode='{mode}', distribution='{distribution}'."
    return type(name, (VarianceScaling,), {"__init__": __init__, "__doc__": doc,
                                           "__module__": __name__})


GlorotUniform = _preset("GlorotUniform", 1.0, "fan_avg", "uniform")
GlorotNormal = _preset("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
HeUniform = _preset("HeUniform", 2.0, "fan_in", "uniform")
HeNormal = _preset("HeNormal", 2.0, "fan_in", "truncated_normal")
LecunUniform = _preset("LecunUniform", 1.0, "fan_in", "uniform")
LecunNormal = _preset("LecunNormal", 1.0, "fan_in", "truncated_normal")


class Orthogonal(RandomInitializer):
    """``gain`` times a random orthogonal matrix; leading axes are flattened into rows."""

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        if len(shape) < 2:
            raise ValueError(f"Orthogonal initializer needs at least 2 dims; received {shape}.")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = jax.random.normal(self._key(), (max(rows, cols), min(rows, cols)), jnp.float32)
        q, r = jnp.linalg.qr(a)
        q = q * jnp.sign(jnp.diag(r))  # makes the draw uniform over orthogonal matrices
        if rows < cols:
            q = q.T
        return (self.gain * q.reshape(shape)).astype(_dtype(dtype))


# Lowercase aliases, as in keras.initializers.
zeros, ones, constant, identity = Zeros, Ones, Constant, Identity
random_normal, truncated_normal, random_uniform = RandomNormal, TruncatedNormal, RandomUniform
variance_scaling, orthogonal = VarianceScaling, Orthogonal
glorot_uniform, glorot_normal, lecun_uniform, lecun_normal = (GlorotUniform, GlorotNormal,
                                                              LecunUniform, LecunNormal)
he_uniform, he_normal = HeUniform, HeNormal

_CLASSES = (Initializer, Zeros, Ones, Constant, Identity, RandomNormal, TruncatedNormal,
            RandomUniform, VarianceScaling, GlorotUniform, GlorotNormal, HeUniform, HeNormal,
            LecunUniform, LecunNormal, Orthogonal)


def _snake(name):
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


_BY_NAME = {**{c.__name__: c for c in _CLASSES}, **{_snake(c.__name__): c for c in _CLASSES},
            "normal": RandomNormal, "uniform": RandomUniform, "one": Ones, "zero": Zeros,
            "IdentityInitializer": Identity, "OrthogonalInitializer": Orthogonal}
for _cls in _CLASSES:
    if config.lookup(_cls.__name__) is None:  # a layer of the same name (Identity) keeps it
        config.register(_cls)


def get(identifier):
    """An initializer from a name, a config dict, a class, an instance, an array or a callable.

    >>> type(get("he_normal")).__name__
    'HeNormal'
    >>> get({"class_name": "Constant", "config": {"value": 2}}).value
    2
    """
    if identifier is None:
        return None
    if isinstance(identifier, str):
        identifier = {"class_name": identifier, "config": {}}
    if isinstance(identifier, dict):
        name = identifier.get("class_name")
        cls = _BY_NAME.get(name) or config.lookup(identifier.get("registered_name") or name)
        if cls is None:
            raise ValueError(f"Unknown initializer '{name}'. Valid names: "
                             f"{', '.join(sorted(n for n in _BY_NAME if n.islower()))}.")
        return cls.from_config(identifier.get("config") or {})
    if isinstance(identifier, type):
        return identifier()
    if isinstance(identifier, (np.ndarray, np.generic, jax.Array)):
        return _from_array(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier {identifier!r}: expected a "
                     "name such as 'glorot_uniform', a config dict, an initializer or a callable.")


def _from_array(value):
    def initialize(shape, dtype=None):
        if tuple(shape) != tuple(value.shape):
            raise ValueError(f"This array initializer has shape {value.shape}; "
                             f"it cannot fill shape {tuple(shape)}.")
        return jnp.asarray(value, _dtype(dtype))

    return initialize


def serialize(initializer):
    """The ``{"module", "class_name", "config", "registered_name"}`` form of an initializer."""
    return config.serialize(initializer, "initializer")
