"""Recurrent layers in all three model styles, against Keras: Sequential with an Embedding
mask (trained with fit), functional with initial states, subclassed; stateful predict."""

import keras
import numpy as np
import pytest

import lamina
from lamina.layers import Dense
from lamina.layers.recurrent import LSTM, SimpleRNN, TimeDistributed
from tests.layers.recurrent.parity import assert_close

RNG = np.random.default_rng(0)
IDS = RNG.integers(1, 20, size=(32, 7))
IDS[::2, 5:] = 0  # padded rows
IDS[1::4, :2] = 0
TARGETS = RNG.normal(size=(32, 1)).astype("float32")
X = RNG.normal(size=(8, 6, 5)).astype("float32")
X[:3, 4:] = 0.0  # padded steps for Masking
FAST = {"recurrent_initializer": "glorot_uniform"}  # orthogonal's QR compiles slowly, eagerly


def test_sequential_with_embedding_mask_trains_like_keras():
    def build(lib):
        return lib.Sequential([lib.Input((7,), dtype="int32"),
                               lib.layers.Embedding(20, 8, mask_zero=True),
                               lib.layers.LSTM(6, return_sequences=True, **FAST),
                               lib.layers.GRU(4, **FAST), lib.layers.Dense(1)])

    ours, theirs = build(lamina), build(keras)
    theirs.set_weights(ours.get_weights())
    for model, lib in ((ours, lamina), (theirs, keras)):
        model.compile(lib.optimizers.SGD(0.1), "mse")
        model.fit(IDS, TARGETS, batch_size=8, epochs=2, shuffle=False, verbose=0)
    assert_close(ours.get_weights(), theirs.get_weights(), atol=2e-5, rtol=1e-4)
    assert_close(ours(IDS), theirs(IDS))


def test_functional_with_masking_bidirectional_and_initial_states():
    # (Keras drops the mask of a layer called with more than one tensor argument, so the
    # layer given `initial_state` here reads an unmasked input, in both libraries.)
    def build(lib):
        x, y = lib.Input((6, 5), name="x"), lib.Input((4, 2), name="y")
        seq = lib.layers.Masking()(x)
        seq = lib.layers.Bidirectional(lib.layers.GRU(4, return_sequences=True, **FAST))(seq)
        out, h, c = lib.layers.LSTM(3, return_state=True, **FAST)(seq)
        decoded = lib.layers.SimpleRNN(3, **FAST)(y, initial_state=[h])
        return lib.Model([x, y], [lib.layers.Dense(2)(out), decoded, c])

    ours, theirs = build(lamina), build(keras)
    assert ours.output_shape == [(None, 2), (None, 3), (None, 3)]
    theirs.set_weights(ours.get_weights())
    inputs = {"x": X, "y": RNG.normal(size=(8, 4, 2)).astype("float32")}
    assert_close(ours.predict(inputs, verbose=0), theirs.predict(inputs, verbose=0))
    assert_close(ours([inputs["x"], inputs["y"]]), theirs([inputs["x"], inputs["y"]]))


class Tagger(lamina.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.rnn = SimpleRNN(5, return_sequences=True, **FAST)
        self.head = TimeDistributed(Dense(3, activation="softmax"))

    def call(self, x):
        return self.head(self.rnn(x))


class KerasTagger(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.rnn = keras.layers.SimpleRNN(5, return_sequences=True, **FAST)
        self.head = keras.layers.TimeDistributed(keras.layers.Dense(3, activation="softmax"))

    def call(self, x):
        return self.head(self.rnn(x))


def test_subclassed_model_matches_keras_and_learns():
    ours, theirs = Tagger(), KerasTagger()
    ours(X), theirs(X)
    theirs.set_weights(ours.get_weights())
    assert_close(ours(X), theirs(X))
    labels = (X.sum(-1) > 0).astype("int32")
    ours.compile(lamina.optimizers.Adam(0.05), "sparse_categorical_crossentropy")
    history = ours.fit(X, labels, epochs=6, batch_size=4, verbose=0).history["loss"]
    assert history[-1] < 0.5 * history[0]


def _stateful_model_and_reference():
    layer = LSTM(4, stateful=True, return_sequences=True, **FAST)
    model = lamina.Sequential([lamina.Input((6, 5), batch_size=4), layer])
    plain = LSTM(4, return_state=True, return_sequences=True, **FAST)
    plain(X[:4])
    plain.set_weights(layer.get_weights())
    first, h, c = plain(X[:4])
    second, h, c = plain(X[4:], initial_state=[h, c])
    return model, layer, np.concatenate([first, second]), [h, c]


def test_stateful_states_carry_across_compiled_steps():
    model, layer, expected, final_states = _stateful_model_and_reference()
    model.compile(loss="mse")
    model.evaluate(X, np.zeros((8, 6, 4), "float32"), batch_size=4, verbose=0)
    assert_close([v.numpy() for v in layer.states], final_states)
    layer.reset_states()
    assert_close(model(X[:4]), expected[:4])
    assert_close(model(X[4:]), expected[4:])


def test_stateful_model_refuses_another_batch_size_before_training():
    model, layer, _, _ = _stateful_model_and_reference()
    model.compile(loss="mse")
    weights = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match="built for batches of 4, received a batch of 8"):
        model.fit(X, np.zeros((8, 6, 4), "float32"), batch_size=8, verbose=0)
    with pytest.raises(ValueError, match="built for batches of 4, received a batch of 2"):
        model.predict(X, batch_size=2, verbose=0)
    for a, b in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_stateful_states_carry_across_predict_batches():
    model, layer, expected, final_states = _stateful_model_and_reference()
    assert_close(model.predict(X, batch_size=4, verbose=0), expected)
    assert_close([v.numpy() for v in layer.states], final_states)
    layer.reset_states()
    assert_close(model.predict(X[:4], batch_size=4, verbose=0), expected[:4])
