"""Regularizers and constraints against Keras: same weights in, same penalty or projection out."""

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

from lamina import constraints, regularizers
from lamina.core import config
from lamina.core.variable import Variable


@pytest.fixture(scope="module")
def w():
    return np.random.default_rng(0).standard_normal((6, 4)).astype("float32")


REGULARIZERS = [
    ("L1", {}), ("L1", {"l1": 0.3}), ("L2", {}), ("L2", {"l2": 0.7}), ("L1L2", {}),
    ("L1L2", {"l1": 0.1}), ("L1L2", {"l1": 0.2, "l2": 0.05}), ("OrthogonalRegularizer", {}),
    ("OrthogonalRegularizer", {"factor": 0.5, "mode": "columns"}),
]
CONSTRAINTS = [
    ("MaxNorm", {}), ("MaxNorm", {"max_value": 1.5, "axis": 1}), ("MaxNorm", {"axis": [0, 1]}),
    ("NonNeg", {}), ("UnitNorm", {}), ("UnitNorm", {"axis": 1}), ("MinMaxNorm", {}),
    ("MinMaxNorm", {"min_value": 1.0, "max_value": 2.5, "rate": 0.5, "axis": 1}),
]


def ids(cases):
    return [f"{n}-{k}" for n, k in cases]


@pytest.mark.parametrize("name,kwargs", REGULARIZERS, ids=ids(REGULARIZERS))
def test_regularizer_matches_keras(name, kwargs, w):
    ours = getattr(regularizers, name)(**kwargs)
    theirs = getattr(keras.regularizers, name)(**kwargs)
    assert ours(w).shape == () and ours(w).dtype == jnp.float32
    np.testing.assert_allclose(ours(w), theirs(jnp.asarray(w)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours(Variable(jnp.asarray(w), name="k")), ours(w))
    expected = keras.saving.serialize_keras_object(theirs)
    assert regularizers.serialize(ours)["config"] == pytest.approx(expected["config"])
    assert {k: v for k, v in regularizers.serialize(ours).items() if k != "config"} == {
        k: v for k, v in expected.items() if k != "config"}
    clone = regularizers.get(regularizers.serialize(ours))
    assert type(clone) is type(ours) and clone.get_config() == ours.get_config()
    assert config.deserialize(regularizers.serialize(ours)).get_config() == ours.get_config()


@pytest.mark.parametrize("name,kwargs", CONSTRAINTS, ids=ids(CONSTRAINTS))
def test_constraint_matches_keras(name, kwargs, w):
    ours = getattr(constraints, name)(**kwargs)
    theirs = getattr(keras.constraints, name)(**kwargs)
    out = ours(w)
    assert out.shape == w.shape and out.dtype == jnp.float32
    np.testing.assert_allclose(out, theirs(jnp.asarray(w)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours(Variable(jnp.asarray(w), name="k")), out)
    assert constraints.serialize(ours) == keras.saving.serialize_keras_object(theirs)
    clone = constraints.get(constraints.serialize(ours))
    assert type(clone) is type(ours) and clone.get_config() == ours.get_config()


def test_orthogonal_regularizer_edge_cases():
    reg = regularizers.OrthogonalRegularizer(factor=1.0)
    assert float(reg(jnp.eye(4))) == 0.0
    assert np.isfinite(float(reg(jnp.zeros((3, 3)))))
    np.testing.assert_allclose(reg(jnp.ones((3, 2))), 1.0, rtol=1e-6)  # identical rows: |cos| = 1
    with pytest.raises(ValueError, match="rank-2"):
        reg(jnp.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="mode"):
        regularizers.OrthogonalRegularizer(mode="diagonal")


def test_regularizers_are_differentiable_and_jittable(w):
    reg = regularizers.L1L2(l1=0.1, l2=0.2)
    grad = jax.grad(reg)(jnp.asarray(w))
    np.testing.assert_allclose(grad, 0.1 * np.sign(w) + 0.4 * w, rtol=1e-5)
    np.testing.assert_allclose(jax.jit(reg)(w), reg(w), rtol=1e-6)


def test_invalid_factors():
    for bad in (-1.0, float("nan"), "big"):
        with pytest.raises(ValueError, match="non-negative"):
            regularizers.L2(bad)
    assert regularizers.L1(None).l1 == 0.01 and regularizers.L1L2(None, None).l2 == 0.0


@pytest.mark.parametrize("module,cases", [
    (regularizers, ["l1", "l2", "l1l2", "orthogonal_regularizer", "L1", "L1L2"]),
    (constraints, ["max_norm", "non_neg", "unit_norm", "min_max_norm", "MaxNorm", "UnitNorm"]),
])
def test_get_by_name_matches_keras(module, cases):
    keras_module = keras.regularizers if module is regularizers else keras.constraints
    for name in cases:
        assert type(module.get(name)).__name__ == type(keras_module.get(name)).__name__, name
    assert isinstance(regularizers.get("l1_l2"), regularizers.L1L2)  # Keras only knows 'l1l2'
    assert regularizers.l1_l2 is regularizers.L1L2 and constraints.max_norm is constraints.MaxNorm


@pytest.mark.parametrize("module,kind", [(regularizers, "regularizer"),
                                         (constraints, "constraint")])
def test_get_other_identifiers(module, kind):
    assert module.get(None) is None
    fn = lambda x: x  # noqa: E731
    assert module.get(fn) is fn
    instance = module.get("l2" if module is regularizers else "non_neg")
    assert module.get(instance) is instance
    assert type(module.get(type(instance))) is type(instance)
    cfg = {"class_name": "L2", "config": {"l2": 0.5}} if module is regularizers else {
        "class_name": "MaxNorm", "config": {"max_value": 3, "axis": 1}}
    assert module.get(cfg).get_config() == cfg["config"]
    with pytest.raises(ValueError, match=rf"Unknown {kind} 'nope'\. Valid names: "):
        module.get("nope")
    with pytest.raises(ValueError, match="Could not interpret"):
        module.get(4)
