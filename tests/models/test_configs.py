"""Configs: every public layer round-trips; Keras's format for objects and all three model
styles (Keras reads ours and we read Keras's); automatic configs of user subclasses; JSON."""

import json

import jax
import keras
import numpy as np
import pytest

import lamina
from lamina.core import config
from lamina.core.layer import Layer
from lamina.layers import Activation, Dense
from lamina.models.serialization import model_from_json
from tests.conformance.registry import LAYER_EXAMPLES
from tests.helpers import seed_sequential

SAMPLES = "/work/shared/keras-samples"
X = np.random.default_rng(0).normal(size=(5, 8)).astype("float32")


def public_layer_classes():
    found = {}
    for value in vars(lamina.layers).values():
        if isinstance(value, type) and issubclass(value, Layer):
            found[value.__name__] = value
    return found


def keras_sample(name):
    with open(f"{SAMPLES}/{name}.config.json") as f:
        return json.load(f)


def close(a, b):
    a, b = jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=1e-5, atol=1e-6)


# -- every public layer --------------------------------------------------------------------------
def test_every_public_layer_class_has_a_registry_entry():
    missing = sorted(set(public_layer_classes()) - set(LAYER_EXAMPLES))
    assert not missing, f"add constructor examples to tests/conformance/registry.py: {missing}"


@pytest.mark.parametrize("name", sorted(public_layer_classes()))
def test_public_layer_config_round_trips(name):
    cls = public_layer_classes()[name]
    layer = cls(**LAYER_EXAMPLES[name])
    cfg = layer.get_config()
    text = json.dumps(cfg)  # JSON-ready
    again = cls.from_config(json.loads(text))
    assert type(again) is cls
    assert again.get_config() == cfg


# -- Keras's format for objects ------------------------------------------------------------------
def test_dense_config_writes_objects_as_keras_does():
    kwargs = dict(units=3, activation="relu", kernel_initializer="he_normal",
                  kernel_regularizer="l2", bias_constraint="non_neg")
    ours, theirs = Dense(**kwargs).get_config(), keras.layers.Dense(**kwargs).get_config()
    for key in ("activation", "kernel_initializer", "bias_initializer", "kernel_regularizer",
                "bias_constraint", "bias_regularizer", "units", "use_bias"):
        assert ours[key] == theirs[key], key
    assert ours["kernel_initializer"] == {
        "module": "keras.initializers", "class_name": "HeNormal",
        "config": {"seed": None, "input_axes": None, "output_axes": None},
        "registered_name": None}
    assert Dense(2).get_config()["activation"] == "linear"  # None, as Keras writes it
    assert "input_dim" not in Dense(2, input_dim=4).get_config()  # the InputLayer holds it


def test_keras_reads_our_layer_config_and_we_read_keras():
    ours = Dense(4, activation="tanh", kernel_initializer=lamina.initializers.RandomNormal(
        stddev=0.3, seed=2), kernel_regularizer=lamina.regularizers.L1L2(l1=0.1, l2=0.2))
    theirs = keras.layers.Dense.from_config(ours.get_config())
    assert isinstance(theirs.kernel_initializer, keras.initializers.RandomNormal)
    assert theirs.kernel_initializer.stddev == 0.3
    assert theirs.kernel_regularizer.get_config() == {"l1": 0.1, "l2": 0.2}
    back = Dense.from_config(keras_sample("seed_model")["config"]["layers"][1]["config"])
    assert back.units == 64 and type(back.kernel_initializer).__name__ == "GlorotUniform"


# -- user subclasses ----------------------------------------------------------------------------
class ScaleBy(Layer):
    def __init__(self, factor, init="ones", **kwargs):
        super().__init__(**kwargs)
        self.factor, self.init = factor, init

    def build(self, input_shape):
        self.w = self.add_weight((input_shape[-1],), self.init)

    def call(self, x):
        return x * self.w * self.factor


class Plain(Layer):
    """A constructor without ``**kwargs``: the config's name still comes back."""

    def __init__(self, size):
        super().__init__()
        self.size = size


class ConfigModel(lamina.Model):
    def __init__(self, units=4, block=None, head_activation=None, options=None, **kwargs):
        super().__init__(**kwargs)
        self.block = block or Dense(units, activation="relu")
        self.scale = ScaleBy(0.5, init=lamina.initializers.RandomUniform(seed=1))
        self.head = Dense(1, activation=head_activation)
        self.options = options

    def call(self, x):
        return self.head(self.scale(self.block(x)))


class Holder(Layer):
    def __init__(self, thing, **kwargs):
        super().__init__(**kwargs)
        self.thing = thing


def test_subclass_config_holds_the_arguments_given():
    cfg = ConfigModel(units=4).get_config()
    assert cfg["units"] == 4 and cfg["name"].startswith("config_model")
    assert cfg["block"] is None and cfg["head_activation"] == "linear"


def test_subclass_from_config_rebuilds_an_equal_model():
    model = ConfigModel(units=3, block=Dense(5, kernel_initializer="ones"),
                        head_activation="sigmoid", options={"depth": [1, 2], "tag": "a"})
    cfg = model.get_config()
    assert cfg["block"]["class_name"] == "Dense" and cfg["block"]["config"]["units"] == 5
    assert cfg["head_activation"] == "sigmoid" and cfg["options"] == {"depth": [1, 2], "tag": "a"}
    again = ConfigModel.from_config(json.loads(json.dumps(cfg)))
    assert again.get_config() == cfg
    model.build((None, 8))
    again.build((None, 8))
    assert again.count_params() == model.count_params() == 8 * 5 + 5 + 5 + 6
    again.set_weights(model.get_weights())
    close(again(X), model(X))


def test_layer_arguments_of_any_kind_serialize():
    cfg = Holder([Dense(2), lamina.initializers.Constant(3.0), {"nested": (1, 2)}]).get_config()
    dense, constant, nested = cfg["thing"]
    assert dense["class_name"] == "Dense" and dense["module"] == "keras.layers"
    assert constant["config"] == {"value": 3.0} and nested == {"nested": [1, 2]}
    again = Holder.from_config(cfg)
    assert isinstance(again.thing[0], Dense) and again.thing[1].value == 3.0
    assert Plain.from_config(Plain(3).get_config() | {"name": "kept"}).name == "kept"


def test_unserializable_argument_names_the_argument():
    with open(__file__) as handle:
        for value, kind in [(lambda x: x, "function"), (handle, "TextIOWrapper")]:
            with pytest.raises(TypeError, match=rf"Holder 'odd': Cannot serialize argument "
                                                rf"'thing' of type {kind}"):
                Holder(value, name="odd").get_config()
            with pytest.raises(TypeError, match=r"argument 'thing\[1\]'"):
                Holder({1: value}, name="odd").get_config()


# -- Sequential -----------------------------------------------------------------------------------
def test_sequential_config_matches_keras_and_round_trips():
    model = seed_sequential()
    cfg, reference = model.get_config(), keras_sample("seed_model")["config"]
    assert [e["class_name"] for e in cfg["layers"]] == [e["class_name"]
                                                        for e in reference["layers"]]
    assert cfg["layers"][0]["config"] == {**reference["layers"][0]["config"],
                                          "name": cfg["layers"][0]["config"]["name"]}
    assert cfg["build_input_shape"] == reference["build_input_shape"] == [None, 8]
    for ours, theirs in zip(cfg["layers"][1:], reference["layers"][1:]):
        for key in ("units", "activation", "kernel_initializer", "bias_initializer"):
            assert ours["config"].get(key) == theirs["config"].get(key)
    again = lamina.Sequential.from_config(json.loads(json.dumps(cfg)))
    assert again.get_config() == cfg and again.count_params() == 2689


def test_keras_and_lamina_read_each_others_sequential_configs():
    model = seed_sequential()
    theirs = keras.Sequential.from_config(model.get_config())
    theirs.set_weights(model.get_weights())
    close(theirs(X), model(X))
    ours = lamina.Sequential.from_config(keras_sample("seed_model")["config"])
    assert [type(layer).__name__ for layer in ours.layers] == [
        "Dense", "Activation", "Dense", "Activation", "Dense"]
    ours.set_weights(theirs.get_weights())
    close(ours(X), theirs(X))


# -- Functional -----------------------------------------------------------------------------------
def two_head(lib):
    inputs = lib.Input((8,), name="features")
    hidden = lib.layers.Dense(16, activation="relu", name="hidden")(inputs)
    dropped = lib.layers.Dropout(0.1, name="drop")(hidden)
    reg = lib.layers.Dense(1, name="reg_out")(dropped)
    joined = lib.layers.Concatenate(name="concat")([hidden, dropped])
    cls = lib.layers.Dense(3, activation="softmax", name="cls_out")(joined)
    return lib.Model(inputs, [reg, cls], name="two_head")


def shared_and_nested(lib):
    inner_in = lib.Input((8,), name="inner_in")
    inner = lib.Model(inner_in, lib.layers.Dense(4, name="inner_dense")(inner_in), name="inner")
    a, b = lib.Input((8,), name="a"), lib.Input((8,), name="b")
    shared = lib.layers.Dense(8, name="shared")
    joined = lib.layers.Add(name="add")([inner(shared(a)), inner(shared(b))])
    return lib.Model({"a": a, "b": b}, lib.layers.Dense(1, name="head")(joined), name="outer")


def graph_of(cfg):
    """Layer names with the tensors each call reads, and the model's inputs and outputs."""
    def reads(value):
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            return [value["config"]["keras_history"]]
        if isinstance(value, (list, tuple)):
            return [h for v in value for h in reads(v)]
        return []

    layers = [(e["class_name"], e["name"], [reads(n["args"]) for n in e["inbound_nodes"]])
              for e in cfg["layers"]]
    return layers, cfg["input_layers"], cfg["output_layers"]


@pytest.mark.parametrize("build", [two_head, shared_and_nested])
def test_functional_config_is_keras_graph_and_round_trips(build):
    model = build(lamina)
    cfg = model.get_config()
    assert graph_of(cfg) == graph_of(build(keras).get_config())
    again = lamina.Model.from_config(json.loads(json.dumps(cfg)))
    assert type(again).__name__ == "Functional" and again.get_config() == cfg
    again.set_weights(model.get_weights())
    inputs = {"a": X, "b": X[::-1].copy()} if build is shared_and_nested else X
    close(again(inputs), model(inputs))


def test_functional_config_matches_the_keras_sample():
    assert graph_of(two_head(lamina).get_config()) == graph_of(
        keras_sample("functional_model")["config"])


@pytest.mark.parametrize("build", [two_head, shared_and_nested])
def test_keras_and_lamina_read_each_others_functional_configs(build):
    model = build(lamina)
    inputs = {"a": X, "b": 2 * X} if build is shared_and_nested else X
    theirs = keras.Model.from_config(model.get_config())
    theirs.set_weights(model.get_weights())
    close(theirs(inputs), model(inputs))
    ours = lamina.Model.from_config(build(keras).get_config())
    ours.set_weights(theirs.get_weights())
    close(ours(inputs), theirs(inputs))


# -- JSON ---------------------------------------------------------------------------------------
def subclassed():
    model = ConfigModel(units=6, name="sub")
    model.build((None, 8))
    return model


@pytest.mark.parametrize("build", [seed_sequential, lambda: two_head(lamina), subclassed])
def test_to_json_and_model_from_json_round_trip(build):
    model = build()
    text = model.to_json()
    again = model_from_json(text)
    assert type(again) is type(model) and again.built
    assert again.get_config() == model.get_config() and again.to_json() == text
    assert again.count_params() == model.count_params()
    again.set_weights(model.get_weights())
    close(again(X), model(X))


def test_model_from_json_uses_custom_objects_and_reads_keras_subclass_configs():
    class Renamed(ConfigModel):
        pass

    again = model_from_json(subclassed().to_json(), custom_objects={"ConfigModel": Renamed})
    assert type(again) is Renamed and again.count_params() == 8 * 6 + 6 + 6 + 7

    class MLP(lamina.Model):  # the class of the Keras sample, with its captured arguments
        def __init__(self, hidden=32, out_dim=1, **kwargs):
            super().__init__(**kwargs)
            from lamina.layers.normalization import BatchNormalization
            self.d1 = Dense(hidden, activation="relu")
            self.blocks = [Dense(hidden, activation="relu"), Dense(hidden)]
            self.bn = BatchNormalization()
            self.head = Dense(out_dim)

        def call(self, x):
            for layer in [self.d1, *self.blocks, self.bn]:
                x = layer(x)
            return self.head(x)

    with open(f"{SAMPLES}/subclassed_model.config.json") as f:
        text = f.read()
    model = model_from_json(text, custom_objects={"demo>MLP": MLP})
    assert (model.name, model.built) == ("mlp", True)
    # d1 8*16+16, blocks 2*(16*16+16), bn 4*16, head 16+1
    assert model.count_params() == 144 + 544 + 64 + 17


def test_registered_classes_are_written_by_their_registered_name():
    class Registered(ConfigModel):
        pass

    config.register(Registered, "demo>Registered")
    model = Registered(units=2, name="reg")
    model.build((None, 8))
    data = json.loads(model.to_json())
    assert (data["module"], data["class_name"], data["registered_name"]) == (
        None, "Registered", "demo>Registered")
    assert data["build_config"] == {"input_shape": [None, 8]}
    again = model_from_json(model.to_json())
    assert type(again) is Registered and again.count_params() == model.count_params()


def test_unknown_class_in_json_says_how_to_fix():
    text = json.dumps({"module": "nowhere", "class_name": "Missing", "config": {},
                       "registered_name": "pkg>Missing"})
    with pytest.raises(ValueError, match="Unknown class 'pkg>Missing'.*custom_objects"):
        model_from_json(text)


def test_layer_configs_without_a_module_still_load():
    model = lamina.Sequential.from_config({"name": "old", "layers": [
        {"class_name": "Dense", "config": {"units": 2, "batch_input_shape": [None, 3]}},
        {"class_name": "Activation", "config": {"activation": "relu"}}]})
    assert model.input_shape == (None, 3) and model.count_params() == 8
    assert isinstance(model.layers[1], Activation)
