"""Bidirectional against Keras: every merge mode, masks, states, initial states, configs."""

import keras
import numpy as np
import pytest

from lamina.layers.recurrent import GRU, LSTM, Bidirectional, SimpleRNN
from tests.layers.recurrent.parity import assert_close, assert_parity, twin

RNG = np.random.default_rng(0)
X = RNG.normal(size=(3, 6, 5)).astype("float32")
MASK = np.ones((3, 6), bool)
MASK[0, 4:] = False
MASK[1, 1:] = False


@pytest.mark.parametrize("merge_mode", ["concat", None])
def test_merge_modes_match_keras_with_masks(merge_mode):
    ours = Bidirectional(LSTM(3, return_sequences=True), merge_mode=merge_mode)
    theirs = keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=True),
                                        merge_mode=merge_mode)
    out = assert_parity(ours, theirs, X, mask=MASK)[0]
    if merge_mode == "concat":  # padded steps are zeros in both directions' sequences
        assert np.shape(out[0]) == (3, 6, 6)
        np.testing.assert_array_equal(out[0][0, 4:], 0.0)


def test_every_merge_mode_combines_the_same_pair():
    pair = Bidirectional(GRU(3, return_sequences=True), merge_mode=None)
    y, y_rev = (np.asarray(t) for t in pair(X, mask=MASK))
    expected = {"sum": y + y_rev, "mul": y * y_rev, "ave": (y + y_rev) / 2,
                "concat": np.concatenate([y, y_rev], axis=-1)}
    for mode, value in expected.items():
        merged = Bidirectional(GRU(3, return_sequences=True), merge_mode=mode)
        merged(X)
        merged.set_weights(pair.get_weights())
        assert_close(merged(X, mask=MASK), value)


def test_return_state_gives_both_directions_states():
    ours = Bidirectional(LSTM(3, return_state=True))
    theirs = keras.layers.Bidirectional(keras.layers.LSTM(3, return_state=True))
    out = assert_parity(ours, theirs, X)[0]
    assert [np.shape(t) for t in out] == [(3, 6)] + [(3, 3)] * 4
    pair = Bidirectional(GRU(2, return_state=True, return_sequences=True), merge_mode=None)
    y, y_rev, h, h_rev = pair(X)
    assert y.shape == y_rev.shape == (3, 6, 2) and h.shape == h_rev.shape == (3, 2)


def test_initial_state_is_split_between_directions():
    ours, theirs = twin(Bidirectional(SimpleRNN(3)), keras.layers.Bidirectional(
        keras.layers.SimpleRNN(3)), X)
    states = [RNG.normal(size=(3, 3)).astype("float32") for _ in range(2)]
    assert_close(ours(X, initial_state=states), theirs(X, initial_state=states))


def test_weights_are_forward_then_backward_and_load_from_keras():
    theirs = keras.layers.Bidirectional(keras.layers.GRU(2))
    gru = GRU(2)
    ours = Bidirectional(gru)
    theirs(X), ours(X)
    assert [v.path for v in ours.weights][:3] == ["gru_cell/kernel", "gru_cell/recurrent_kernel",
                                                 "gru_cell/bias"]
    assert ours.forward_layer.name == f"forward_{gru.name}" and ours.backward_layer.go_backwards
    ours.set_weights(theirs.get_weights())
    assert_close(ours(X), theirs(X))


def test_custom_backward_layer_and_checks():
    layer = Bidirectional(LSTM(2), backward_layer=GRU(2, go_backwards=True))
    assert layer(X).shape == (3, 4)
    with pytest.raises(ValueError, match="different `go_backwards`"):
        Bidirectional(LSTM(2), backward_layer=GRU(2))
    with pytest.raises(ValueError, match="the same `return_sequences`"):
        Bidirectional(LSTM(2), backward_layer=GRU(2, go_backwards=True, return_sequences=True))
    with pytest.raises(ValueError, match="merge_mode"):
        Bidirectional(LSTM(2), merge_mode="max")


def test_config_is_keras_form_and_round_trips():
    lstm = LSTM(3, return_sequences=True)
    layer = Bidirectional(lstm, merge_mode="sum")
    cfg = layer.get_config()
    assert cfg["layer"]["config"]["name"] == f"forward_{lstm.name}" and cfg["merge_mode"] == "sum"
    assert cfg["backward_layer"]["config"]["go_backwards"] is True and "weights" not in cfg
    again = Bidirectional.from_config(cfg)
    assert again.get_config() == cfg
    theirs = keras.layers.Bidirectional.from_config(cfg)
    assert theirs.merge_mode == "sum" and theirs.forward_layer.units == 3


def test_stateful_bidirectional_resets():
    import lamina
    layer = Bidirectional(LSTM(2, stateful=True))
    model = lamina.Sequential([lamina.Input((6, 5), batch_size=3), layer])
    first = np.asarray(model(X))
    assert not np.allclose(model(X), first)
    layer.reset_states()
    np.testing.assert_allclose(model(X), first, atol=1e-6)
    with pytest.raises(AttributeError, match="not stateful"):
        Bidirectional(LSTM(2)).reset_states()
