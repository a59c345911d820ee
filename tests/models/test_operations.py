"""Ops on a functional model's tensors (``lamina.ops.*``, ``x * 2``) become graph nodes, saved
in Keras's form; Keras models whose configs hold op nodes (every masked model Keras saves)
load in lamina, and lamina's load in Keras, with the same numbers."""

import keras
import numpy as np
import pytest

import lamina
from lamina.layers.operation import Operation
from lamina.models.serialization import layer_from_config

X = np.array([[0.0, 0.0, 1.5], [0.0, 0.0, 0.0], [2.0, -1.0, 0.5]], "float32")


def ops_model(lib):
    x = lib.Input((3,))
    nonzero = lib.ops.any(lib.ops.not_equal(x, 0.0), axis=-1, keepdims=True)
    h = (x * 2.0 - 1.0) / (1.0 + lib.ops.cast(nonzero, "float32"))
    return lib.Model(x, lib.layers.Dense(2, name="head")(-h))


def expected(model):
    nonzero = np.any(X != 0, axis=-1, keepdims=True).astype("float32")
    w, b = model.get_layer("head").get_weights()
    return -((X * 2 - 1) / (1 + nonzero)) @ w + b


def test_ops_on_symbolic_tensors_are_nodes_that_replay_and_show():
    model = ops_model(lamina)
    np.testing.assert_allclose(model(X), expected(model), rtol=1e-6)
    names = [layer.name for layer in model.layers]
    assert names[1:3] == ["not_equal", "any"] and all(
        isinstance(layer, Operation) for layer in model.layers[1:-1])
    printed = []
    model.summary(print_fn=printed.append)
    assert "any (Any)" in printed[0] and "not_equal (NotEqual)" in printed[0]
    clone = lamina.Model.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone(X), model(X), rtol=1e-6)


def saved_and_loaded(build, tmp_path, direction):
    """``(source, loaded)``: ``build(lib)`` saved as ``.keras`` by one library, loaded by the
    other."""
    source = build(keras if direction == "keras_to_lamina" else lamina)
    path = str(tmp_path / "model.keras")
    source.save(path)
    loaded = (lamina.models.load_model(path) if direction == "keras_to_lamina"
              else keras.saving.load_model(path))
    return source, loaded


@pytest.mark.parametrize("direction", ["keras_to_lamina", "lamina_to_keras"])
def test_op_nodes_interoperate_with_keras_files(tmp_path, direction):
    source, loaded = saved_and_loaded(ops_model, tmp_path, direction)
    np.testing.assert_allclose(np.asarray(loaded(X)), np.asarray(source(X)), rtol=1e-6)
    entries = {e["class_name"]: e["module"] for e in loaded.get_config()["layers"]}
    assert entries["NotEqual"] == "keras.src.ops.numpy" and entries["Cast"] == "keras.src.ops.core"


def masked_sequence_model(lib):
    layers = lib.layers
    tokens = lib.Input((7,), dtype="int32")
    h = layers.Embedding(20, 4, mask_zero=True)(tokens)
    h = layers.Bidirectional(layers.LSTM(3, return_sequences=True))(h)
    h = layers.GRU(3, dropout=0.5, seed=1)(h)
    features = lib.Input((7, 2))
    g = layers.SimpleRNN(2)(layers.Masking()(features))
    return lib.Model([tokens, features], layers.Dense(1)(layers.Concatenate()([h, g])))


def test_a_masked_keras_model_loads_with_its_mask_nodes(tmp_path):
    theirs = masked_sequence_model(keras)
    path = str(tmp_path / "masked.keras")
    theirs.save(path)
    ours = lamina.models.load_model(path)
    assert {"NotEqual", "Any"} <= {type(layer).__name__ if not isinstance(layer, Operation)
                                   else layer._keras_class_name for layer in ours.layers}
    rng = np.random.default_rng(0)
    tokens = rng.integers(1, 20, (4, 7)).astype("int32")
    tokens[0, 4:] = 0
    tokens[1, :2] = 0
    features = rng.normal(size=(4, 7, 2)).astype("float32")
    features[2, 5:] = 0.0
    np.testing.assert_allclose(ours([tokens, features]), theirs([tokens, features]),
                               rtol=1e-5, atol=1e-6)
    # Keras's config records `training=False` on the GRU's call; the model's own call decides.
    assert not np.allclose(ours([tokens, features], training=True),
                           ours([tokens, features], training=False))


@pytest.mark.parametrize("entry, message", [
    ({"module": "keras.src.ops.os", "class_name": "System", "config": {}}, "Unknown ops module"),
    ({"module": "keras.src.ops.numpy", "class_name": "_private", "config": {}}, "Unknown op"),
    ({"module": "keras.src.ops.numpy", "class_name": "Dispatch", "config": {}}, "Unknown op"),
])
def test_op_entries_name_only_public_ops(entry, message):
    with pytest.raises(ValueError, match=message):
        layer_from_config(entry)


def test_tensors_given_by_keyword_are_recorded_as_call_arguments():
    x = lamina.Input((3,))
    model = lamina.Model(x, lamina.ops.where(x > 0, x1=x, x2=-1.0))
    np.testing.assert_array_equal(model(X), np.where(X > 0, X, -1.0))
    node = model.get_config()["layers"][-1]
    assert node["class_name"] == "Where" and len(node["inbound_nodes"][0]["args"]) == 3


def sliced_model(lib):
    x = lib.Input((3, 4))
    return lib.Model(x, [x[:, 0] * 2.0, x[..., 1:3], x[:, ::2, -1]])


@pytest.mark.parametrize("direction", ["keras_to_lamina", "lamina_to_keras"])
def test_indexing_symbolic_tensors_interoperates_with_keras(tmp_path, direction):
    _, loaded = saved_and_loaded(sliced_model, tmp_path, direction)
    data = np.arange(24, dtype="float32").reshape(2, 3, 4)
    expected = [data[:, 0] * 2.0, data[..., 1:3], data[:, ::2, -1]]
    for a, b in zip(loaded(data), expected):
        np.testing.assert_array_equal(np.asarray(a), b)


def test_iterating_a_symbolic_tensor_is_refused_not_endless():
    x = lamina.Input((3,))
    with pytest.raises(TypeError, match="Iterating over a symbolic tensor"):
        first, *rest = x


def test_every_keras_op_class_maps_to_a_lamina_op_and_back():
    import importlib
    import inspect

    from keras.src.ops.operation import Operation as KerasOperation

    from lamina.layers.operation import find_op, keras_class, op_name
    checked = 0
    for module in ("numpy", "nn", "math", "core", "linalg", "image", "einops"):
        namespace = importlib.import_module(f"keras.src.ops.{module}")
        for name, cls in vars(namespace).items():
            if (inspect.isclass(cls) and issubclass(cls, KerasOperation)
                    and cls.__module__ == namespace.__name__ and name != "SegmentReduction"):
                op = op_name(name)
                assert find_op(module, op) is not None and keras_class(op) == name, name
                checked += 1
    assert checked > 250


def test_a_model_with_op_nodes_clones_and_trains():
    model = ops_model(lamina)
    clone = lamina.models.clone_model(model)
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone(X), model(X), rtol=1e-6)
    assert [type(a) for a in clone.layers] == [type(b) for b in model.layers]
    model.compile("sgd", "mse")
    losses = model.fit(X, np.zeros((3, 2), "float32"), epochs=3, verbose=0).history["loss"]
    assert losses[-1] < losses[0]
