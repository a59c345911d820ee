"""GRU and GRUCell against Keras with the same weights, both ``reset_after`` variants."""

import keras
import numpy as np
import pytest

from lamina.layers.recurrent import GRU, GRUCell
from tests.layers.layer_checks import assert_config_round_trip, assert_loads_keras_config
from tests.layers.recurrent.parity import assert_parity, assert_weight_gradients_match

RNG = np.random.default_rng(0)
X = RNG.normal(size=(3, 6, 5)).astype("float32")
MASK = np.ones((3, 6), bool)
MASK[0, 4:] = False
MASK[2, :3] = False


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("kwargs, mask", [
    ({"return_sequences": True, "return_state": True, "go_backwards": True}, MASK),
    ({"use_bias": False, "activation": "relu"}, None),
])
def test_gru_matches_keras(reset_after, kwargs, mask):
    assert_parity(GRU(4, reset_after=reset_after, **kwargs),
                  keras.layers.GRU(4, reset_after=reset_after, **kwargs), X, mask=mask)


def test_bias_layout_follows_reset_after():
    after, before = GRU(4), GRU(4, reset_after=False)
    after(X), before(X)
    assert [w.shape for w in after.get_weights()] == [(5, 12), (4, 12), (2, 12)]
    assert [w.shape for w in before.get_weights()] == [(5, 12), (4, 12), (12,)]


def test_weight_gradients_match_keras():
    assert_weight_gradients_match(GRU(3, return_sequences=True),
                                  keras.layers.GRU(3, return_sequences=True), X, mask=MASK)


def test_cell_state_may_be_a_tensor_or_a_list():
    cell = GRUCell(3)
    h = np.zeros((3, 3), "float32")
    out, state = cell(X[:, 0], h)
    out_list, states = cell(X[:, 0], [h])
    assert state.shape == (3, 3) and isinstance(states, list) and len(states) == 1
    np.testing.assert_allclose(out, out_list)


def test_recurrent_dropout_draws_three_masks_and_changes_training_outputs():
    layer = GRU(4, recurrent_dropout=0.4, seed=1)
    assert layer.cell.implementation == 1 and layer.cell.dropout_mask_count == 3
    inference = np.asarray(layer(X))
    assert not np.allclose(layer(X, training=True), inference)
    np.testing.assert_allclose(layer(X, training=False), inference)


def test_configs():
    layer = GRU(3, reset_after=False, recurrent_dropout=0.2, stateful=False, unroll=True)
    assert_config_round_trip(layer)
    assert layer.get_config()["reset_after"] is False and layer.reset_after is False
    assert_loads_keras_config(GRU, keras.layers.GRU(2, reset_after=False), X)
    assert_config_round_trip(GRUCell(2), keras.layers.GRUCell(2))
