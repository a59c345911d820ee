"""Mixed precision: dtype policies, and layer weights read in the compute dtype.

A :class:`DTypePolicy` names two dtypes: the *variable* dtype that weights are stored in and the
*compute* dtype that a layer's inputs are cast to. ``'mixed_bfloat16'`` and ``'mixed_float16'`` keep
float32 weights and compute in 16 bits. Layers take the global policy when created (or their own,
from ``dtype=``). While a mixed layer is called, reads of its weights (made with ``add_weight``)
give their value cast to the compute dtype; the gradient flows back to the float32 weight through
the cast. Under ``'mixed_float16'``, ``compile`` wraps the optimizer in a
:class:`~lamina.optimizers.LossScaleOptimizer` so small gradients do not underflow.

>>> import lamina
>>> set_global_policy("mixed_bfloat16")
>>> layer = lamina.layers.Dense(2)
>>> y = layer(jnp.ones((1, 3)))
>>> y.dtype.name, layer.kernel.dtype.name
('bfloat16', 'float32')
>>> set_global_policy("float32")
"""

from __future__ import annotations

import contextlib
import threading

import jax.numpy as jnp

from lamina.core import config
from lamina.core.variable import Variable

_MIXED = {"mixed_float16": ("float16", "float32"), "mixed_bfloat16": ("bfloat16", "float32")}


class DTypePolicy:
    """A layer's compute and variable dtypes, by name (Keras's ``DTypePolicy``).

    Args:
        name: ``'mixed_float16'``, ``'mixed_bfloat16'``, or any dtype name (``'float32'``: both
            dtypes the same). ``None``: the global policy's name.

    >>> policy = DTypePolicy("mixed_bfloat16")
    >>> policy.compute_dtype, policy.variable_dtype
    ('bfloat16', 'float32')
    """

    def __init__(self, name=None):
        if name is None:
            name = global_policy().name
        if not isinstance(name, str):
            raise TypeError("'name' must be a string, such as 'mixed_float16'. "
                            f"Received: name={name} (of type {type(name)})")
        self._name = name
        self._compute_dtype, self._variable_dtype = _parse(name)

    @property
    def name(self):
        return self._name

    @property
    def compute_dtype(self):
        """The dtype of the layer's inputs and computation."""
        return self._compute_dtype

    @property
    def variable_dtype(self):
        """The dtype the layer creates its weights in."""
        return self._variable_dtype

    @property
    def quantization_mode(self):
        return None  # quantized policies are not supported

    def get_config(self):
        return {"name": self._name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __eq__(self, other):
        return isinstance(other, DTypePolicy) and other._name == self._name

    def __hash__(self):
        return hash(self._name)

    def __repr__(self):
        return f'<DTypePolicy "{self._name}">'


Policy = DTypePolicy  # Keras's legacy name


def _parse(name):
    if name in _MIXED:
        return _MIXED[name]
    try:
        dtype = jnp.dtype(name).name
    except TypeError:
        raise ValueError(f"Cannot convert '{name}' to a mixed precision DTypePolicy. Valid "
                         "policies include 'mixed_float16', 'mixed_bfloat16', and the name of any "
                         "float dtype such as 'float32'.") from None
    return dtype, dtype


_global = {"policy": None}


def global_policy():
    """The policy new layers take when created without ``dtype=`` (``'float32'`` by default)."""
    if _global["policy"] is None:
        _global["policy"] = DTypePolicy("float32")
    return _global["policy"]


def set_global_policy(policy):
    """Sets the global policy: a name (``'mixed_bfloat16'``) or a :class:`DTypePolicy`.

    Layers created afterwards use it; existing layers keep theirs.
    """
    if isinstance(policy, str):
        policy = DTypePolicy(policy)
    if not isinstance(policy, DTypePolicy):
        raise ValueError("Invalid `policy` argument. Expected the string name of a policy (such as "
                         f"'mixed_float16') or a `DTypePolicy` instance. Received: policy={policy} "
                         f"(of type {type(policy)})")
    _global["policy"] = policy


dtype_policy, set_dtype_policy = global_policy, set_global_policy  # Keras's newer names


def get(identifier):
    """A policy from ``None`` (the global one), a name, a dtype, a config dict or a policy.

    >>> get("float16").compute_dtype, get(jnp.float32).name
    ('float16', 'float32')
    """
    if identifier is None:
        return global_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):  # Keras's serialized form, or a bare config
        return DTypePolicy.from_config(identifier.get("config", identifier))
    if isinstance(identifier, str):
        return DTypePolicy(identifier)
    name = getattr(identifier, "name", None)  # a Keras policy or a numpy dtype
    if isinstance(name, str):
        return DTypePolicy(name)
    return DTypePolicy(jnp.dtype(identifier).name)


# -- autocasting of weight reads ----------------------------------------------------------------
_local = threading.local()


def autocast_dtype():
    """The dtype that weight reads are cast to right now, or ``None``."""
    return getattr(_local, "dtype", None)


@contextlib.contextmanager
def autocast_scope(dtype):
    """Inside, floating :class:`AutocastVariable` reads give values of ``dtype`` (None: as
    stored)."""
    previous = autocast_dtype()
    _local.dtype = dtype
    try:
        yield
    finally:
        _local.dtype = previous


def layer_autocast(layer):
    """The autocast scope a layer's ``call`` runs in, by Keras's rules: a mixed layer opens one
    in its compute dtype; inside one, a layer with another float compute dtype switches it, and a
    layer with ``autocast=False`` or a non-float compute dtype turns it off."""
    current, compute = autocast_dtype(), layer.compute_dtype
    if current is not None:
        if not layer.autocast or not jnp.issubdtype(compute, jnp.floating):
            return autocast_scope(None)
        return autocast_scope(compute) if current != compute else contextlib.nullcontext()
    if compute != layer.variable_dtype:
        return autocast_scope(compute)
    return contextlib.nullcontext()


class AutocastVariable(Variable):
    """A layer weight (made by ``add_weight``): inside an autocast scope, a floating weight's
    ``value`` is cast to the scope's dtype; stored values and ``assign`` keep the variable dtype.

    >>> w = AutocastVariable(jnp.ones(2))
    >>> with autocast_scope("bfloat16"):
    ...     w.value.dtype.name
    'bfloat16'
    >>> w.value.dtype.name
    'float32'
    """

    @property
    def value(self):
        value = Variable.value.fget(self)
        dtype = autocast_dtype()
        if dtype is not None and value.dtype != dtype and jnp.issubdtype(value.dtype, jnp.floating):
            return value.astype(dtype)
        return value


def __getattr__(name):
    if name == "LossScaleOptimizer":  # imported lazily: optimizers pull in optax
        from lamina.optimizers.loss_scale_optimizer import LossScaleOptimizer

        return LossScaleOptimizer
    raise AttributeError(f"module 'lamina.mixed_precision' has no attribute {name!r}")


config.register(DTypePolicy)  # Keras configs name it {'class_name': 'DTypePolicy', ...}
