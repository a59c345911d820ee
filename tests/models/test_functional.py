"""Functional API against Keras: graphs, shared layers, nested models, named inputs/outputs."""

import time

import keras
import numpy as np
import pytest

import lamina

X = np.random.default_rng(0).normal(size=(40, 8)).astype("float32")


def two_head(lib):
    inputs = lib.Input((8,), name="features")
    hidden = lib.layers.Dense(16, activation="relu", name="hidden")(inputs)
    dropped = lib.layers.Dropout(0.1, name="drop")(hidden)
    reg = lib.layers.Dense(1, name="reg_out")(dropped)
    joined = lib.layers.Concatenate(name="concat")([hidden, dropped])
    cls = lib.layers.Dense(3, activation="softmax", name="cls_out")(joined)
    return lib.Model(inputs, [reg, cls], name="two_head")


def test_two_head_model_matches_keras_outputs_and_counts():
    ours, theirs = two_head(lamina), two_head(keras)
    theirs.set_weights(ours.get_weights())
    assert ours.count_params() == theirs.count_params()
    assert ours.output_shape == [(None, 1), (None, 3)]
    for a, b in zip(ours(X), theirs(X)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert [layer.name for layer in ours.layers] == [layer.name for layer in theirs.layers]


def test_shared_layer_and_nested_model():
    shared = lamina.layers.Dense(4, name="shared")
    a, b = lamina.Input((8,), name="a"), lamina.Input((8,), name="b")
    tower = lamina.Sequential([lamina.layers.Dense(3, input_dim=4)], name="tower")
    out = lamina.layers.Add()([tower(shared(a)), tower(shared(b))])
    model = lamina.Model([a, b], out)
    assert model.count_params() == 8 * 4 + 4 + 4 * 3 + 3
    expected = tower(shared(X)) + tower(shared(X[::-1]))
    np.testing.assert_allclose(model([X, X[::-1]]), expected, rtol=1e-6)
    np.testing.assert_allclose(model({"a": X, "b": X[::-1]}), expected, rtol=1e-6)
    assert len(shared._inbound_nodes) == 2


def test_dict_losses_metrics_and_targets_match_keras():
    def build(lib):
        x = lib.Input((8,), name="features")
        h = lib.layers.Dense(16, activation="relu", name="hidden")(x)
        return lib.Model(x, {"reg_out": lib.layers.Dense(1, name="reg_out")(h),
                             "cls_out": lib.layers.Dense(3, activation="softmax", name="cls_out")(h)})

    ours, theirs = build(lamina), build(keras)
    theirs.set_weights(ours.get_weights())
    y = {"reg_out": X[:, :1], "cls_out": (X[:, 1] > 0).astype("int32")}
    histories = []
    for model in (ours, theirs):
        model.compile("adam", loss={"reg_out": "mse", "cls_out": "sparse_categorical_crossentropy"},
                      loss_weights={"reg_out": 1.0, "cls_out": 0.5},
                      metrics={"cls_out": ["accuracy"], "reg_out": ["mae"]})
        histories.append(model.fit(X, y, batch_size=16, epochs=2, shuffle=False, verbose=0).history)
    assert set(histories[0]) == set(histories[1])
    for key in histories[1]:
        np.testing.assert_allclose(histories[0][key], histories[1][key], rtol=1e-5)


def test_graph_disconnected_is_reported():
    a, b = lamina.Input((2,), name="a"), lamina.Input((2,), name="b")
    out = lamina.layers.Add()([a, b])
    with pytest.raises(ValueError, match="Graph disconnected.*'b'"):
        lamina.Model(a, out)


def test_dense_on_wrong_last_dimension_names_layer_and_shapes():
    inputs = lamina.Input((3, 4))
    dense = lamina.layers.Dense(2, name="proj")
    dense(inputs)
    with pytest.raises(ValueError, match=r"Dense 'proj'.*size 4.*size 5"):
        dense(lamina.Input((3, 5)))


def test_sequential_add_is_linear_in_depth():
    model = lamina.Sequential([lamina.Input((4,))])
    times = []
    for _ in range(1000):
        start = time.perf_counter()
        model.add(lamina.layers.Activation("linear"))
        times.append(time.perf_counter() - start)
    early, late = np.median(times[5:15]), np.median(times[-10:])
    assert late < 5 * early, (early, late)
    assert model(np.ones((2, 4))).shape == (2, 4)


def test_a_list_of_one_stands_for_that_one_as_in_keras():
    for lib in (lamina, keras):
        x = lib.Input((8,), name="x")
        model = lib.Model([x], [lib.layers.Dense(2, name="d")(x)])
        assert model.input_shape == (None, 8) and model.output_shape == (None, 2)
        assert np.shape(model([X])) == (40, 2)
        assert np.shape(model.predict([X], verbose=0)) == (40, 2)
        if lib is lamina:  # Keras warns about the structure but accepts it too
            assert np.shape(model(X)) == (40, 2)


def masked_pair(lib):
    """Two masked token inputs joined along time, then an LSTM: the LSTM needs both masks."""
    a, b = lib.Input((5,), dtype="int32"), lib.Input((4,), dtype="int32")
    embed = lib.layers.Embedding(10, 3, mask_zero=True, name="embed")
    joined = lib.layers.Concatenate(axis=1, name="join")([embed(a), embed(b)])
    return lib.Model([a, b], lib.layers.LSTM(2, name="lstm")(joined))


def test_every_input_mask_reaches_a_merge_layer_as_in_keras():
    ours, theirs = masked_pair(lamina), masked_pair(keras)
    theirs.set_weights(ours.get_weights())
    rng = np.random.default_rng(0)
    a, b = rng.integers(1, 10, (6, 5)), rng.integers(1, 10, (6, 4))
    a[:, 3:] = 0  # padding inside the first input, then the second input's steps
    b[:3, 2:] = 0
    np.testing.assert_allclose(ours([a, b]), theirs([a, b]), rtol=1e-5, atol=1e-6)
