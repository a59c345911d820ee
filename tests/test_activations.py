"""Activations against Keras (same inputs, same outputs), lookup by name, and gradients."""

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

from lamina import activations
from lamina.core.variable import Variable

CASES = [
    ("relu", {}),
    ("relu", {"negative_slope": 0.1}),
    ("relu", {"max_value": 1.5}),
    ("relu", {"max_value": 6.0}),
    ("relu", {"threshold": 0.5}),
    ("relu", {"threshold": -0.5}),
    ("relu", {"negative_slope": 0.3, "max_value": 2.0, "threshold": 0.5}),
    ("relu", {"negative_slope": 0.3, "max_value": 2.0}),
    ("leaky_relu", {}),
    ("leaky_relu", {"negative_slope": 0.05}),
    ("relu6", {}),
    ("softmax", {}),
    ("softmax", {"axis": 0}),
    ("log_softmax", {}),
    ("log_softmax", {"axis": 0}),
    ("celu", {}),
    ("celu", {"alpha": 0.5}),
    ("elu", {}),
    ("elu", {"alpha": 2.0}),
    ("selu", {}),
    ("softplus", {}),
    ("softsign", {}),
    ("squareplus", {}),
    ("squareplus", {"b": 1.0}),
    ("soft_shrink", {}),
    ("soft_shrink", {"threshold": 1.0}),
    ("sparse_plus", {}),
    ("silu", {}),
    ("swish", {}),
    ("gelu", {}),
    ("gelu", {"approximate": True}),
    ("glu", {}),
    ("glu", {"axis": 0}),
    ("tanh", {}),
    ("tanh_shrink", {}),
    ("threshold", {"threshold": 0.3, "default_value": -1.0}),
    ("sigmoid", {}),
    ("sparse_sigmoid", {}),
    ("exponential", {}),
    ("hard_sigmoid", {}),
    ("hard_silu", {}),
    ("hard_swish", {}),
    ("hard_tanh", {}),
    ("hard_shrink", {}),
    ("hard_shrink", {"threshold": 1.0}),
    ("linear", {}),
    ("mish", {}),
    ("log_sigmoid", {}),
]


@pytest.fixture(scope="module")
def x():
    return (np.random.default_rng(0).standard_normal((4, 6)) * 3).astype("float32")


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_matches_keras(name, kwargs, x):
    ours = getattr(activations, name)(x, **kwargs)
    theirs = getattr(keras.activations, name)(x, **kwargs)
    assert ours.shape == theirs.shape and ours.dtype == jnp.float32
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-5, atol=1e-5)


def test_every_keras_activation_is_covered():
    keras_names = {n for n in dir(keras.activations) if not n.startswith("_")}
    keras_names -= {"get", "serialize", "deserialize"}
    assert keras_names <= set(activations.ALL_ACTIVATIONS)
    assert {name for name, _ in CASES} | {"sparsemax"} == set(activations.ALL_ACTIVATIONS)


def test_gelu_defaults_to_exact():
    # jax.nn.gelu defaults to the tanh approximation; Keras (and we) default to the exact form.
    x = jnp.linspace(-3, 3, 7)
    np.testing.assert_allclose(activations.gelu(x), jax.nn.gelu(x, approximate=False), atol=1e-6)
    assert not np.allclose(activations.gelu(x), jax.nn.gelu(x), atol=1e-6)


def test_sparsemax(x):
    # Keras 3.15 gets the threshold wrong when more than one entry is in the support
    # (keras-team/keras#23425, fixed upstream in #23469), so Keras is the oracle only where the
    # support is a single entry; elsewhere we check the simplex projection directly.
    spread = np.linspace(1, 12, 12, dtype="float32").reshape(3, 4) * 3
    for axis in (-1, 0):
        np.testing.assert_allclose(activations.sparsemax(spread, axis=axis),
                                   keras.activations.sparsemax(spread, axis=axis), atol=1e-6)
    np.testing.assert_allclose(activations.sparsemax(np.array([0.0, 0.5, 1.0])), [0, 0.25, 0.75])
    for axis in (-1, 0):
        out = np.asarray(activations.sparsemax(x, axis=axis))
        np.testing.assert_allclose(out.sum(axis), 1.0, atol=1e-5)
        assert (out >= 0).all() and (out == 0).any()
        # On the support, out = x - tau with a single tau per slice.
        tau = np.where(out > 0, x - out, np.nan)
        np.testing.assert_allclose(np.nanmax(tau, axis) - np.nanmin(tau, axis), 0, atol=1e-5)


def test_accepts_variables(x):
    v = Variable(jnp.asarray(x), name="v")
    np.testing.assert_allclose(activations.relu(v), np.maximum(x, 0))
    np.testing.assert_allclose(activations.get("linear")(v), x)


def test_get_and_serialize():
    assert activations.get(None) is activations.linear
    assert activations.get("swish") is activations.silu
    assert activations.get("hard_swish") is activations.hard_silu
    assert activations.get(jnp.tanh) is jnp.tanh
    assert activations.get({"class_name": "function", "config": "elu"}) is activations.elu
    for name, fn in activations.ALL_ACTIVATIONS.items():
        assert activations.get(activations.serialize(fn)) is fn, name
    assert activations.serialize(activations.swish) == "silu"
    with pytest.raises(ValueError, match="Cannot serialize"):
        activations.serialize(lambda t: t)


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match=r"Unknown activation 'relux'\. Valid names: .*relu"):
        activations.get("relux")
    with pytest.raises(ValueError, match="Could not interpret"):
        activations.get(3)


@pytest.mark.parametrize("name", ["gelu", "mish", "softmax", "selu", "sparsemax"])
def test_gradient_matches_finite_differences(name):
    fn = getattr(activations, name)
    x = jnp.asarray(np.random.default_rng(1).standard_normal(5) + 0.05, jnp.float32)
    weights = jnp.arange(1.0, 6.0)  # a non-uniform readout, so softmax's gradient is not zero
    loss = lambda t: jnp.sum(fn(t) * weights)  # noqa: E731
    grad = jax.grad(loss)(x)
    eps, steps = 1e-2, 1e-2 * jnp.eye(5)
    numeric = (jax.vmap(loss)(x + steps) - jax.vmap(loss)(x - steps)) / (2 * eps)
    np.testing.assert_allclose(grad, numeric, rtol=2e-2, atol=2e-3)
