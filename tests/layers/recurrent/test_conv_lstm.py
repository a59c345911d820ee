"""ConvLSTM1D/2D/3D against Keras with the same weights."""

import keras
import numpy as np
import pytest

from lamina.layers.recurrent import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from tests.layers.layer_checks import assert_config_round_trip
from tests.layers.recurrent.parity import assert_parity

RNG = np.random.default_rng(0)
FRAMES = RNG.normal(size=(2, 3, 5, 5, 2)).astype("float32")
FAST = {"recurrent_initializer": "glorot_uniform"}  # orthogonal's QR compiles slowly, eagerly


@pytest.mark.parametrize("kwargs", [
    {"return_sequences": True, "return_state": True, "padding": "same", "strides": 2,
     "go_backwards": True},
    {"data_format": "channels_first", "return_state": True, "dilation_rate": 2,
     "use_bias": False},
])
def test_conv_lstm2d_matches_keras(kwargs):
    channels_first = kwargs.get("data_format") == "channels_first"
    x = np.moveaxis(FRAMES, -1, 2) if channels_first else FRAMES
    assert_parity(ConvLSTM2D(3, 3, **kwargs, **FAST),
                  keras.layers.ConvLSTM2D(3, 3, **kwargs, **FAST), x,
                  grads=not channels_first)


def test_conv_lstm2d_weight_layout():
    layer = ConvLSTM2D(3, (3, 2), **FAST)
    layer.build((None, 3, 5, 5, 2))
    assert [w.shape for w in layer.get_weights()] == [(3, 2, 2, 12), (3, 2, 3, 12), (12,)]


def test_conv_lstm1d_matches_keras_and_3d_has_keras_shapes():
    x1 = RNG.normal(size=(2, 3, 7, 2)).astype("float32")
    assert_parity(ConvLSTM1D(3, 3, return_sequences=True, **FAST),
                  keras.layers.ConvLSTM1D(3, 3, return_sequences=True, **FAST), x1, grads=False)
    x3 = RNG.normal(size=(1, 2, 4, 4, 4, 1)).astype("float32")
    kwargs = {"strides": 2, "padding": "same", "return_state": True}
    shapes = [tuple(o.shape) for o in ConvLSTM3D(2, 2, **kwargs, **FAST)(x3)]
    expected = keras.layers.ConvLSTM3D(2, 2, **kwargs).compute_output_shape(x3.shape)
    assert shapes == [tuple(s) for s in expected] == [(1, 2, 2, 2, 2)] * 3


def test_masks_and_dropout():
    # (Keras's JAX backend cannot broadcast a mask over ConvLSTM states: checked on its own.)
    mask = np.array([[True, True, False], [True, True, True]])
    layer = ConvLSTM2D(2, 3, return_sequences=True, **FAST)
    masked, plain = np.asarray(layer(FRAMES, mask=mask)), np.asarray(layer(FRAMES))
    np.testing.assert_allclose(masked[0, 2], masked[0, 1])  # the masked step holds
    np.testing.assert_allclose(masked[1], plain[1], atol=1e-6)
    np.testing.assert_allclose(masked[0, :2], plain[0, :2], atol=1e-6)
    assert not np.allclose(plain[0, 2], plain[0, 1])
    layer = ConvLSTM2D(2, 3, dropout=0.3, recurrent_dropout=0.3, **FAST)
    inference = np.asarray(layer(FRAMES))
    assert not np.allclose(layer(FRAMES, training=True), inference)
    inputs_masks, recurrent_masks = layer.cell.dropout_masks(FRAMES[:, 0], training=True)
    assert [m.shape for m in inputs_masks] == [(2, 5, 5, 2)] * 4
    assert [m.shape for m in recurrent_masks] == [(2, 3, 3, 2)] * 4


def test_config_and_errors():
    layer = ConvLSTM2D(4, 3, padding="same", return_sequences=True)
    assert_config_round_trip(layer)
    assert layer.filters == 4 and layer.kernel_size == (3, 3)
    with pytest.raises(ValueError, match="`padding` must be 'valid' or 'same'"):
        ConvLSTM2D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="expected an input of rank 5"):
        ConvLSTM2D(2, 3)(FRAMES[:, 0])
