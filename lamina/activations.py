"""Activation functions under their Keras names, each a thin wrapper over ``jax.nn``.

Every function takes an array (or a :class:`~lamina.core.variable.Variable`) and returns an array
of the same shape. :func:`get` turns a name into the function; :func:`serialize` does the reverse.

>>> get("relu")(jnp.array([-1.0, 2.0])).tolist()
[0.0, 2.0]
>>> serialize(get("swish"))
'silu'
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina.core import config
from lamina.core.variable import unwrap

export = config.register_function


def _array(x):
    return jnp.asarray(unwrap(x))


@export
def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit, optionally leaky, capped and shifted.

    ``x`` above ``threshold`` passes (capped at ``max_value``); below it the result is
    ``negative_slope * (x - threshold)``.

    >>> relu(jnp.array([-2.0, 1.0, 9.0]), negative_slope=0.5, max_value=6.0).tolist()
    [-1.0, 1.0, 6.0]
    """
    x = _array(x)
    out = jnp.where(x > threshold, x, 0.0).astype(x.dtype) if threshold else jax.nn.relu(x)
    if max_value is not None:
        out = jnp.clip(out, 0.0, max_value).astype(x.dtype)
    if negative_slope:
        out = out - negative_slope * jax.nn.relu(threshold - x)
    return out


@export
def leaky_relu(x, negative_slope=0.2):
    """``x`` for positive inputs, ``negative_slope * x`` otherwise."""
    return jax.nn.leaky_relu(_array(x), negative_slope)


@export
def relu6(x):
    """ReLU capped at 6."""
    return jax.nn.relu6(_array(x))


@export
def softmax(x, axis=-1):
    """Exponentials normalized to sum to one along ``axis``.

    >>> softmax(jnp.zeros((1, 4))).tolist()
    [[0.25, 0.25, 0.25, 0.25]]
    """
    return jax.nn.softmax(_array(x), axis=axis)


@export
def log_softmax(x, axis=-1):
    """``log(softmax(x))``, computed stably."""
    return jax.nn.log_softmax(_array(x), axis=axis)


@export
def celu(x, alpha=1.0):
    """Continuously differentiable ELU: ``alpha * (exp(x / alpha) - 1)`` for negative ``x``."""
    return jax.nn.celu(_array(x), alpha)


@export
def elu(x, alpha=1.0):
    """Exponential linear unit: ``alpha * (exp(x) - 1)`` for negative ``x``."""
    return jax.nn.elu(_array(x), alpha)


@export
def selu(x):
    """Scaled ELU with the self-normalizing constants."""
    return jax.nn.selu(_array(x))


@export
def softplus(x):
    """``log(1 + exp(x))``."""
    return jax.nn.softplus(_array(x))


@export
def softsign(x):
    """``x / (1 + |x|)``."""
    return jax.nn.soft_sign(_array(x))


@export
def squareplus(x, b=4):
    """``(x + sqrt(x**2 + b)) / 2``, a smooth ReLU."""
    return jax.nn.squareplus(_array(x), b)


@export
def soft_shrink(x, threshold=0.5):
    """Moves ``x`` toward zero by ``threshold``; zero inside ``[-threshold, threshold]``."""
    x = _array(x)
    return jnp.sign(x) * jax.nn.relu(jnp.abs(x) - threshold)


@export
def sparse_plus(x):
    """0 below -1, ``(x + 1)**2 / 4`` in between, ``x`` above 1."""
    return jax.nn.sparse_plus(_array(x))


@export
def silu(x):
    """``x * sigmoid(x)`` (also called swish)."""
    return jax.nn.silu(_array(x))


swish = silu
export(silu, "swish")


@export
def gelu(x, approximate=False):
    """Gaussian error linear unit; exact by default, as in Keras (``jax.nn`` defaults to tanh).

    >>> round(float(gelu(1.0)), 4)
    0.8413
    """
    return jax.nn.gelu(_array(x), approximate=approximate)


@export
def glu(x, axis=-1):
    """Gated linear unit: splits ``axis`` in halves ``a, b`` and returns ``a * sigmoid(b)``."""
    return jax.nn.glu(_array(x), axis)


@export
def tanh(x):
    """Hyperbolic tangent."""
    return jnp.tanh(_array(x))


@export
def tanh_shrink(x):
    """``x - tanh(x)``."""
    x = _array(x)
    return x - jnp.tanh(x)


@export
def threshold(x, threshold, default_value):
    """``x`` where it is above ``threshold``, ``default_value`` elsewhere."""
    x = _array(x)
    return jnp.where(x > threshold, x, default_value).astype(x.dtype)


@export
def sigmoid(x):
    """``1 / (1 + exp(-x))``."""
    return jax.nn.sigmoid(_array(x))


@export
def sparse_sigmoid(x):
    """0 below -1, ``(x + 1) / 2`` in between, 1 above 1."""
    return jax.nn.sparse_sigmoid(_array(x))


@export
def exponential(x):
    """``exp(x)``."""
    return jnp.exp(_array(x))


@export
def hard_sigmoid(x):
    """Piecewise-linear sigmoid: ``relu6(x + 3) / 6``."""
    return jax.nn.hard_sigmoid(_array(x))


@export
def hard_silu(x):
    """``x * hard_sigmoid(x)`` (also called hard swish)."""
    return jax.nn.hard_silu(_array(x))


hard_swish = hard_silu
export(hard_silu, "hard_swish")


@export
def hard_tanh(x):
    """``x`` clipped to ``[-1, 1]``."""
    return jax.nn.hard_tanh(_array(x))


@export
def hard_shrink(x, threshold=0.5):
    """``x`` where ``|x| > threshold``, zero elsewhere."""
    x = _array(x)
    return jnp.where(jnp.abs(x) > threshold, x, 0.0).astype(x.dtype)


@export
def linear(x):
    """The identity: returns ``x`` unchanged."""
    return unwrap(x)


@export
def mish(x):
    """``x * tanh(softplus(x))``."""
    x = _array(x)
    return x * jnp.tanh(jax.nn.softplus(x))


@export
def log_sigmoid(x):
    """``log(sigmoid(x))``, computed stably."""
    return jax.nn.log_sigmoid(_array(x))


@export
def sparsemax(x, axis=-1):
    """Euclidean projection onto the probability simplex: a softmax with exact zeros.

    >>> sparsemax(jnp.array([3.0, 1.0, 0.0])).tolist()
    [1.0, 0.0, 0.0]
    """
    x = jnp.moveaxis(_array(x), axis, -1)
    z = -jnp.sort(-x, axis=-1)
    cumulative = jnp.cumsum(z, axis=-1)
    rank = jnp.arange(1, x.shape[-1] + 1, dtype=x.dtype)
    support = jnp.sum(1 + rank * z > cumulative, axis=-1, keepdims=True)
    tau = (jnp.take_along_axis(cumulative, support - 1, axis=-1) - 1) / support.astype(x.dtype)
    return jnp.moveaxis(jax.nn.relu(x - tau), -1, axis)


_NAMES = ("relu", "leaky_relu", "relu6", "softmax", "log_softmax", "celu", "elu", "selu",
          "softplus", "softsign", "squareplus", "soft_shrink", "sparse_plus", "silu", "swish",
          "gelu", "glu", "tanh", "tanh_shrink", "threshold", "sigmoid", "sparse_sigmoid",
          "exponential", "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh", "hard_shrink",
          "linear", "mish", "log_sigmoid", "sparsemax")
ALL_ACTIVATIONS = {name: globals()[name] for name in _NAMES}


def get(identifier):
    """The activation for ``identifier``: ``None`` (linear), a name, a config, or a callable.

    >>> get(None) is linear, get("gelu") is gelu
    (True, True)
    """
    if identifier is None:
        return linear
    if isinstance(identifier, dict):  # {"class_name": "function", "config": "relu", ...}
        identifier = identifier.get("config")
    if isinstance(identifier, str):
        fn = ALL_ACTIVATIONS.get(identifier) or config.lookup_function(identifier)
        if fn is None:
            raise ValueError(f"Unknown activation '{identifier}'. Valid names: "
                             f"{', '.join(sorted(ALL_ACTIVATIONS))}.")
        return fn
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation identifier {identifier!r}: expected None, "
                     "a name such as 'relu', or a callable.")


def serialize(activation):
    """The registered name of ``activation`` (``swish`` serializes as ``'silu'``).

    >>> serialize(relu)
    'relu'
    """
    name = getattr(activation, "__name__", None)
    if name is not None and config.lookup_function(name) is activation:
        return name
    raise ValueError(f"Cannot serialize activation {activation!r}: it is not a registered "
                     "function. Register it with `lamina.saving.register_keras_serializable`.")
