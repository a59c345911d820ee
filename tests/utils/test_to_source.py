"""to_source: the generated source runs, defines the same architecture in the chosen style, and
takes the original's weights to give identical predictions; clear errors where a style can't."""

import re

import jax
import numpy as np
import pytest

import lamina
from lamina.core.layer import Layer
from lamina.layers import Dense
from lamina.utils.source_code import to_source
from tests.helpers import SeedSubclass, seed_sequential

X = np.random.default_rng(2).normal(size=(7, 8)).astype("float32")
KIND = {"sequential": lamina.Sequential, "functional": lamina.models.Functional,
        "subclass": lamina.Model}


def rebuilt(model, style, inputs=X):
    """Runs the source, builds its model, copies the weights, checks the predictions."""
    source = to_source(model, style)
    namespace = {}
    exec(compile(source, f"<{style}>", "exec"), namespace)
    new = namespace["build_model"]()
    assert isinstance(new, KIND[style]) and new.name == model.name
    if style == "subclass":
        assert type(new) not in (lamina.models.Functional, lamina.Sequential)
    assert new.count_params() == model.count_params()
    new.set_weights(model.get_weights())
    leaves = jax.tree_util.tree_leaves
    for a, b in zip(leaves(new(inputs)), leaves(model(inputs))):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6, atol=1e-6)
    return source, new


def seed_subclass():
    model = SeedSubclass(name="seed_sub")
    model.build((None, 8))
    return model


def two_branch():
    inputs = lamina.Input((8,), name="features")
    hidden = Dense(16, activation="relu", name="hidden")(inputs)
    dropped = lamina.layers.Dropout(0.1, name="drop")(hidden)
    reg = Dense(1, name="reg_out")(dropped)
    joined = lamina.layers.Concatenate(name="concat")([hidden, dropped])
    cls = Dense(3, activation="softmax", name="cls_out")(joined)
    return lamina.Model(inputs, [reg, cls], name="two_head")


@pytest.mark.parametrize("style", ["sequential", "functional", "subclass"])
def test_seed_model_in_every_style(style):
    source, new = rebuilt(seed_sequential(), style)
    assert "lamina.layers.Dense(64, name='dense" in source
    assert "lamina.layers.Activation('relu'" in source
    assert ("def build_model():" in source) and source.startswith("import lamina\n")
    if style != "subclass":
        assert "class " not in source


@pytest.mark.parametrize("style", ["sequential", "functional", "subclass"])
def test_subclassed_seed_model_in_every_style(style):
    source, _ = rebuilt(seed_subclass(), style)
    assert source.count("activation='relu'") == 2


@pytest.mark.parametrize("style", ["functional", "subclass"])
def test_two_branch_model_round_trips(style):
    source, new = rebuilt(two_branch(), style)
    call = {"functional": "Concatenate(name='concat')", "subclass": "self.concat"}[style]
    assert f"{call}([hidden, drop])" in source and source.count("Concatenate(") == 1
    assert [layer.name for layer in new.layers if layer.weights] == [
        "hidden", "reg_out", "cls_out"]


def residual():
    inputs = lamina.Input((8,), name="x")
    hidden = Dense(8, name="hidden")(inputs)
    return lamina.Model(inputs, lamina.layers.Add(name="skip")([inputs, hidden]), name="res")


def two_inputs():
    a, b = lamina.Input((8,), name="a"), lamina.Input((8,), name="b")
    shared = Dense(4, name="shared")
    return lamina.Model([a, b], lamina.layers.Subtract()([shared(a), shared(b)]), name="siamese")


@pytest.mark.parametrize("build, why", [
    (two_branch, "it has 2 outputs"),
    (residual, r"the output of 'x' is used 2 times, by \['hidden', 'skip'\] "
               r"\(the graph branches\)"),
    (two_inputs, "it has 2 inputs"),
])
def test_sequential_style_refuses_graphs_it_cannot_express(build, why):
    with pytest.raises(ValueError, match=r"cannot be written as a Sequential model: " + why):
        to_source(build(), "sequential")


@pytest.mark.parametrize("style", ["functional", "subclass"])
def test_shared_layers_and_several_inputs(style):
    source, new = rebuilt(two_inputs(), style, [X, X[::-1].copy()])
    assert source.count("lamina.layers.Dense(4, name='shared')") == 1
    assert len(new.get_layer("shared").weights) == 2


@pytest.mark.parametrize("style", ["sequential", "functional", "subclass"])
def test_nested_models_are_written_from_their_configs(style):
    inner = lamina.Sequential([lamina.Input((8,)), Dense(4, name="inner_dense")], name="inner")
    inputs = lamina.Input((8,), name="x")
    source, new = rebuilt(lamina.Model(inputs, Dense(1, name="head")(inner(inputs)),
                                       name="outer"), style)
    assert "lamina.Sequential.from_config({'name': 'inner'" in source
    assert isinstance(new.get_layer("inner"), lamina.Sequential)


class Doubler(Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor


class RawOps(lamina.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = Dense(2)

    def call(self, x):
        return self.dense(x) * 2.0  # an op on a symbolic tensor: a node, as in Keras


class RawJax(RawOps):
    def call(self, x):
        return jax.numpy.tanh(self.dense(x))  # not an op: cannot be traced as layer calls


def test_user_layers_are_imported_ops_become_nodes_and_raw_jax_is_refused():
    model = lamina.Sequential([lamina.Input((8,)), Doubler(3.0, name="dbl"), Dense(1)])
    source, _ = rebuilt(model, "functional")
    assert f"from {Doubler.__module__} import Doubler" in source
    assert "Doubler(factor=3.0, name='dbl')" in source
    raw = RawOps()
    raw.build((None, 8))
    for style in ("functional", "subclass"):
        source, _ = rebuilt(raw, style)
        assert re.search(r"= lamina.ops.multiply\(dense\w*, 2.0\)", source)
    raw_jax = RawJax()
    raw_jax.build((None, 8))
    with pytest.raises(ValueError, match="computes outside layers"):
        to_source(raw_jax, "functional")
    with pytest.raises(ValueError, match="is not built"):
        to_source(RawOps(), "subclass")
    with pytest.raises(ValueError, match="`style` must be one of"):
        to_source(model, "keras")


def test_tracing_leaves_the_model_unchanged():
    model = seed_subclass()
    before = [len(layer._inbound_nodes) for layer in model._flatten_layers()]
    to_source(model, "functional")
    assert [len(layer._inbound_nodes) for layer in model._flatten_layers()] == before
    assert isinstance(model.layers[0], Dense)


def test_op_nodes_and_indexing_are_written_as_op_calls():
    x = lamina.Input((3, 4))
    model = lamina.Model(x, lamina.ops.sum(x[:, 0] * 2.0, axis=-1, keepdims=True))
    source, _ = rebuilt(model, "functional", inputs=np.arange(24, dtype="float32").reshape(2, 3, 4))
    assert re.search(r"lamina.ops.get_item\(input_layer\w*, \[slice\(None, None, None\), 0\]\)",
                     source)
    assert "axis=-1, keepdims=True)" in source
