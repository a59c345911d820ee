"""clone_model: fresh weights, the same architecture, for all three model styles."""

import jax
import numpy as np
import pytest

import lamina
from lamina.layers import Dense, Dropout
from lamina.models.cloning import clone_model
from tests.helpers import SeedSubclass, seed_sequential

X = np.random.default_rng(1).normal(size=(6, 8)).astype("float32")


def same_outputs(a, b):
    a, b = jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=1e-6, atol=1e-6)


def assert_is_a_clone(model, clone, inputs=X):
    """New weights, the same architecture, and the original's outputs once given its weights."""
    assert clone is not model and clone.get_config() == model.get_config()
    assert clone.count_params() == model.count_params()
    ours = {id(v) for v in model.weights}
    assert not any(id(v) in ours for v in clone.weights)
    kernels = [(a, b) for a, b in zip(model.get_weights(), clone.get_weights()) if a.ndim == 2]
    assert kernels and all(not np.array_equal(a, b) for a, b in kernels)  # fresh draws
    clone.set_weights(model.get_weights())
    same_outputs(clone(inputs), model(inputs))


def shared_and_nested():
    inner_in = lamina.Input((8,), name="inner_in")
    inner = lamina.Model(inner_in, Dense(4, name="inner_dense")(inner_in), name="inner")
    a, b = lamina.Input((8,), name="a"), lamina.Input((8,), name="b")
    shared = Dense(8, activation="tanh", name="shared")
    joined = lamina.layers.Add(name="add")([inner(shared(a)), inner(shared(b))])
    return lamina.Model([a, b], Dense(1, name="head")(Dropout(0.2)(joined)), name="outer")


def test_clone_sequential():
    model = seed_sequential()
    clone = clone_model(model)
    assert type(clone) is lamina.Sequential and clone.input_shape == (None, 8)
    assert all(c is not o for c, o in zip(clone.layers, model.layers))
    assert_is_a_clone(model, clone)


def test_clone_sequential_built_by_its_first_call():
    model = lamina.Sequential([Dense(3), Dense(2)])
    model(X)
    clone = clone_model(model)
    assert clone.built
    assert_is_a_clone(model, clone)


def test_clone_functional_keeps_shared_layers_and_nested_models():
    model = shared_and_nested()
    clone = clone_model(model)
    shared, inner = clone.get_layer("shared"), clone.get_layer("inner")
    assert shared is not model.get_layer("shared") and inner is not model.get_layer("inner")
    assert isinstance(inner, lamina.models.Functional)
    own = {id(node) for node in clone._nodes}
    assert sum(id(node) in own for node in shared._inbound_nodes) == 2  # still shared
    assert sum(node.layer is inner for node in clone._nodes) == 2
    assert [type(layer).__name__ for layer in clone.layers] == [
        type(layer).__name__ for layer in model.layers]
    assert_is_a_clone(model, clone, [X, 2 * X])


def test_clone_subclassed_model_from_its_constructor_arguments():
    model = SeedSubclass(name="seed")
    model(X)
    clone = clone_model(model)
    assert type(clone) is SeedSubclass and clone.built and clone.name == "seed"
    assert_is_a_clone(model, clone)
    with pytest.raises(ValueError, match="only supported for Sequential and Functional"):
        clone_model(model, clone_function=lambda layer: layer)


def test_clone_on_given_inputs_and_with_a_clone_function():
    model = shared_and_nested()
    a, b = lamina.Input((8,), name="x1"), lamina.Input((8,), name="x2")
    clone = clone_model(model, input_tensors=[a, b])
    assert clone.inputs == [a, b]
    shared = clone_model(model, clone_function=lambda layer: layer)  # reuses every layer
    assert shared.get_layer("head") is model.get_layer("head")
    same_outputs(shared([X, X]), model([X, X]))
    renamed = clone_model(model, clone_function=lambda layer: type(layer).from_config(
        {**layer.get_config(), "name": layer.name + "_copy"}))
    assert {layer.name for layer in renamed.layers} >= {"shared_copy", "inner_copy", "head_copy"}
    deep = clone_model(model, recursive=True)
    assert deep.get_layer("inner").get_layer("inner_dense") is not model.get_layer(
        "inner").get_layer("inner_dense")
    with pytest.raises(ValueError, match="must hold 2 tensors"):
        clone_model(model, input_tensors=[a])
    with pytest.raises(ValueError, match="symbolic tensors"):
        clone_model(seed_sequential(), input_tensors=X)
