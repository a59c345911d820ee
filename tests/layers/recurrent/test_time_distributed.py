"""TimeDistributed against Keras: Dense, convolutions, masks, padded batches."""

import keras
import numpy as np
import pytest

from lamina.core import call_context
from lamina.layers import BatchNormalization, Dense
from lamina.layers.conv import Conv2D
from lamina.layers.recurrent import TimeDistributed
from tests.layers.recurrent.parity import assert_close, assert_parity

RNG = np.random.default_rng(0)
X = RNG.normal(size=(3, 6, 5)).astype("float32")


def test_dense_matches_keras():
    assert_parity(TimeDistributed(Dense(4, activation="relu")),
                  keras.layers.TimeDistributed(keras.layers.Dense(4, activation="relu")), X)


def test_conv2d_per_frame_matches_keras():
    frames = RNG.normal(size=(2, 3, 6, 6, 2)).astype("float32")
    out = assert_parity(TimeDistributed(Conv2D(3, 3)),
                        keras.layers.TimeDistributed(keras.layers.Conv2D(3, 3)), frames)[0]
    assert np.shape(out[0]) == (2, 3, 4, 4, 3)


def test_mask_passes_through_and_is_checked():
    layer = TimeDistributed(Dense(2))
    mask = np.ones((3, 6), bool)
    assert layer.compute_mask(X, mask) is mask
    with pytest.raises(ValueError, match=r"mask must start with the input's \(batch, time\)"):
        layer(X, mask=np.ones((3, 5), bool))
    with pytest.raises(ValueError, match="rank >= 3"):
        layer(np.ones((3, 5), "float32"))


def test_padding_mask_covers_every_step_of_the_real_rows():
    layer = TimeDistributed(BatchNormalization(momentum=0.0))
    padded = np.concatenate([X, np.full((1, 6, 5), 100.0, "float32")])
    with call_context.padding_mask(np.array([1.0, 1.0, 1.0, 0.0])):
        layer(padded, training=True)
    assert_close(layer.layer.moving_mean.numpy(), X.reshape(-1, 5).mean(0), atol=1e-5)


def test_config_round_trip():
    layer = TimeDistributed(Dense(3))
    cfg = layer.get_config()
    assert cfg["layer"]["class_name"] == "Dense"
    assert TimeDistributed.from_config(cfg).get_config() == cfg
    theirs = keras.layers.TimeDistributed.from_config(cfg)
    assert theirs.layer.units == 3
