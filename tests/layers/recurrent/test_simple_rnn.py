"""SimpleRNN and SimpleRNNCell against Keras; dropout masks drawn once per sequence."""

import keras
import numpy as np
import pytest

from lamina.layers.recurrent import SimpleRNN, SimpleRNNCell
from tests.layers.layer_checks import assert_config_round_trip
from tests.layers.recurrent.parity import assert_parity, assert_weight_gradients_match

RNG = np.random.default_rng(0)
X = RNG.normal(size=(3, 6, 5)).astype("float32")
MASK = np.ones((3, 6), bool)
MASK[1, 3:] = False


@pytest.mark.parametrize("kwargs, mask", [
    ({}, MASK),
    ({"return_sequences": True, "go_backwards": True, "return_state": True, "activation": None,
      "use_bias": False}, None),
])
def test_simple_rnn_matches_keras(kwargs, mask):
    assert_parity(SimpleRNN(4, **kwargs), keras.layers.SimpleRNN(4, **kwargs), X, mask=mask)


def test_weight_gradients_match_keras():
    assert_weight_gradients_match(SimpleRNN(3), keras.layers.SimpleRNN(3), X, mask=MASK)


def test_one_input_dropout_mask_per_sequence():
    # identity kernel, no recurrence, linear: each output step is that step's dropped input.
    layer = SimpleRNN(5, dropout=0.5, activation=None, use_bias=False, return_sequences=True,
                      recurrent_initializer="zeros", kernel_initializer="identity", seed=2)
    x = np.repeat(np.arange(1, 6, dtype="float32")[None, None], 4, axis=1).repeat(8, axis=0)
    out = np.asarray(layer(x, training=True))
    np.testing.assert_allclose(out, np.repeat(out[:, :1], 4, axis=1))  # same mask every step
    assert set(np.unique(out / x).round(5)) == {0.0, 2.0}  # rate 0.5: dropped or doubled
    np.testing.assert_allclose(layer(x), x)


def test_cell_and_configs():
    cell = SimpleRNNCell(3, activation="relu")
    out, state = cell(X[:, 0], np.zeros((3, 3), "float32"))
    assert out.shape == state.shape == (3, 3)
    assert_config_round_trip(SimpleRNN(2, dropout=0.1, seed=1))
    assert_config_round_trip(cell, keras.layers.SimpleRNNCell(3))
