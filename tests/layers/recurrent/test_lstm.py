"""LSTM and LSTMCell against Keras with the same weights: outputs, states and gradients, with
and without masks, backwards, stateful, with dropout, unrolled; configs."""

import jax
import keras
import numpy as np
import pytest

from lamina.layers.recurrent import LSTM, LSTMCell
from tests.layers.layer_checks import assert_config_round_trip, assert_loads_keras_config
from tests.layers.recurrent.parity import (assert_close, assert_parity,
                                           assert_weight_gradients_match, twin)

RNG = np.random.default_rng(0)
X = RNG.normal(size=(3, 6, 5)).astype("float32")
MASK = np.ones((3, 6), bool)
MASK[0, 4:] = False  # right padding
MASK[1, :2] = False  # left padding


@pytest.mark.parametrize("kwargs", [
    {},
    {"return_sequences": True, "return_state": True, "go_backwards": True},
    {"unit_forget_bias": False, "activation": "relu", "recurrent_activation": "hard_sigmoid"},
    {"use_bias": False, "return_state": True},
])
def test_lstm_matches_keras(kwargs):
    assert_parity(LSTM(4, **kwargs), keras.layers.LSTM(4, **kwargs), X)


@pytest.mark.parametrize("kwargs", [
    {"return_sequences": True, "return_state": True},
    {"return_sequences": True, "go_backwards": True, "zero_output_for_mask": True},
])
def test_masked_steps_keep_the_previous_state_as_in_keras(kwargs):
    (out, *states), _ = assert_parity(LSTM(4, **kwargs), keras.layers.LSTM(4, **kwargs), X,
                                      mask=MASK)
    if kwargs.get("zero_output_for_mask"):  # backwards: the padded steps come first
        np.testing.assert_array_equal(out[0, :2], 0.0)
    else:
        np.testing.assert_allclose(out[0, 5], out[0, 3], atol=1e-7)
        np.testing.assert_allclose(states[0][0], out[0, 3], atol=1e-7)


def test_return_state_shapes_and_final_states():
    layer = LSTM(4, return_sequences=True, return_state=True)
    seq, h, c = layer(X)
    assert seq.shape == (3, 6, 4) and h.shape == c.shape == (3, 4)
    np.testing.assert_allclose(seq[:, -1], h, atol=1e-7)
    assert not np.allclose(h, c)


def test_weight_layout_and_gradients_match_keras():
    ours = LSTM(4)
    ours(X)
    assert [(v.name, v.shape) for v in ours.weights] == [
        ("kernel", (5, 16)), ("recurrent_kernel", (4, 16)), ("bias", (16,))]
    np.testing.assert_array_equal(ours.cell.bias.numpy()[4:8], 1.0)  # unit_forget_bias
    assert_weight_gradients_match(LSTM(4, return_sequences=True),
                                  keras.layers.LSTM(4, return_sequences=True), X, mask=MASK)


def test_initial_state_is_used():
    h0, c0 = RNG.normal(size=(2, 3, 4)).astype("float32")
    ours, theirs = twin(LSTM(4), keras.layers.LSTM(4), X)
    assert_close(ours(X, initial_state=[h0, c0]), theirs(X, initial_state=[h0, c0]))
    assert not np.allclose(ours(X, initial_state=[h0, c0]), ours(X))


def test_unroll_gives_the_same_numbers():
    ours, theirs = twin(LSTM(4, unroll=True, return_sequences=True),
                        keras.layers.LSTM(4, unroll=True, return_sequences=True), X)
    assert_close(ours(X, mask=MASK), theirs(X, mask=MASK))


def test_stateful_carries_states_between_calls_and_resets():
    full = LSTM(4, return_sequences=True)
    stateful = LSTM(4, return_sequences=True, stateful=True)
    expected = np.asarray(full(X))
    stateful(X[:, :3])
    stateful.set_weights(full.get_weights())  # states are not weights (as in Keras)
    stateful.reset_states()
    first, second = stateful(X[:, :3]), stateful(X[:, 3:])
    assert_close(np.concatenate([first, second], axis=1), expected)
    stateful.reset_states()
    assert_close(stateful(X[:, :3]), expected[:, :3])
    assert len(stateful.weights) == 3 and len(stateful.non_trainable_variables) == 3  # + seed
    with pytest.raises(ValueError, match="built for batches of 3, received a batch of 2"):
        stateful(X[:2])


def test_stateful_needs_a_fixed_batch_size():
    import lamina
    with pytest.raises(ValueError, match="stateful RNN needs a fixed batch size"):
        lamina.Sequential([lamina.Input((6, 5)), LSTM(4, stateful=True)])


def test_dropout_only_in_training_and_fresh_masks_each_call():
    layer = LSTM(8, dropout=0.5, return_sequences=True, seed=3)
    inference = np.asarray(layer(X))
    np.testing.assert_array_equal(np.asarray(layer(X, training=False)), inference)
    first, second = np.asarray(layer(X, training=True)), np.asarray(layer(X, training=True))
    assert not np.allclose(first, inference) and not np.allclose(first, second)
    masks, recurrent = layer.cell.dropout_masks(X[:, 0], training=True)
    assert masks.shape == (3, 5) and recurrent is None  # one input mask for all gates
    assert set(np.unique(np.asarray(masks))) <= {0.0, 2.0}
    assert len(layer.non_trainable_variables) == 1  # the seed generator's state


def test_recurrent_dropout_uses_one_mask_per_gate_like_keras():
    cell = LSTMCell(3, recurrent_dropout=0.3)
    assert cell.implementation == 1 and cell.dropout_mask_count == 4
    cell.build((None, 5))
    inputs_masks, recurrent_masks = cell.dropout_masks(X[:, 0], training=True)
    assert inputs_masks is None and len(recurrent_masks) == 4
    assert cell.dropout_masks(X[:, 0], training=False) == (None, None)


def test_config_round_trip_and_keras_config():
    layer = LSTM(3, activation="relu", dropout=0.1, return_sequences=True, go_backwards=True,
                 kernel_regularizer="l2", seed=4)
    assert_config_round_trip(layer)
    cfg = layer.get_config()
    assert cfg["units"] == 3 and cfg["zero_output_for_mask"] is False and "cell" not in cfg
    theirs = keras.layers.LSTM(3, return_sequences=True, unit_forget_bias=False)
    assert_loads_keras_config(LSTM, theirs, X)
    assert LSTM(3).units == 3 and LSTM(3, dropout=2.0).dropout == 1.0


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="`units` must be a positive integer"):
        LSTM(0)
    with pytest.raises(ValueError, match="use_cudnn"):
        LSTM(2, use_cudnn="yes")
    if jax.default_backend() != "gpu":
        with pytest.raises(ValueError, match="use_cudnn=True, but cuDNN cannot run"):
            LSTM(2, use_cudnn=True)(X)
    with pytest.raises(ValueError, match="expected an input of rank 3"):
        LSTM(2)(np.ones((2, 3), "float32"))


def test_cudnn_weight_packing_computes_the_same_lstm():
    # The GPU fast path packs Keras's weights for cuDNN; jax's reference LSTM (which runs on
    # any device) reads the same packing, so the layout is checked without a GPU.
    from jax.experimental import rnn

    from lamina.layers.recurrent import cudnn_lstm

    layer = LSTM(4, return_sequences=True, return_state=True)
    expected = layer(X)
    kernel, recurrent, bias = layer.get_weights()
    weights = cudnn_lstm.pack_weights(kernel, recurrent, bias)
    w_ih, w_hh, b_ih, b_hh = rnn.unpack_lstm_weights(weights, 5, 4, 1, False)
    zeros = np.zeros((1, 3, 4), "float32")
    outputs, h, c = rnn.lstm_ref(X, zeros, zeros, w_ih, w_hh, b_ih, b_hh,
                                 np.full((3,), 6, "int32"), 5, 4, 1, 0.0, False)
    assert_close((outputs, h[0], c[0]), expected)
