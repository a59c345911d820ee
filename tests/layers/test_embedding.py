"""Embedding and Masking against Keras 3: outputs, masks, configs, gradients, mask threading."""

import keras
import numpy as np
import pytest

import lamina
from lamina.layers.embedding import Embedding, Masking
from lamina.layers.normalization import BatchNormalization
from tests.layers.layer_checks import (assert_config_round_trip,
                                       assert_gradients_match_finite_differences,
                                       assert_loads_keras_config, assert_matches_keras)

IDS = np.array([[1, 5, 0, 3], [0, 0, 9, 2], [4, 4, 4, 0]])


@pytest.mark.parametrize("ids", [IDS, IDS[:, 0], IDS.astype("float32"), IDS[:, :, None]])
@pytest.mark.parametrize("mask_zero", [False, True])
def test_embedding_matches_keras(ids, mask_zero):
    ours = Embedding(10, 3, mask_zero=mask_zero)
    out, _ = assert_matches_keras(ours, ids)
    assert out.shape == ids.shape + (3,)
    theirs = keras.layers.Embedding(10, 3, mask_zero=mask_zero)
    mine, expected = ours.compute_mask(ids), theirs.compute_mask(ids)
    assert (mine is None) == (expected is None)
    if expected is not None:
        np.testing.assert_array_equal(np.asarray(mine), np.asarray(expected))
    assert ours.supports_masking == mask_zero


def test_embedding_config_weights_argument_and_keras_config():
    with pytest.warns(UserWarning, match="input_length"):
        layer = Embedding(7, 2, embeddings_initializer="ones", mask_zero=True,
                          embeddings_regularizer="l2", input_length=4)
    layer(IDS % 7)
    assert [v.name for v in layer.weights] == ["embeddings"]
    assert layer.embeddings.shape == (7, 2) and len(layer.losses) == 1
    cfg = assert_config_round_trip(layer, keras.layers.Embedding(7, 2)).get_config()
    assert "input_length" not in cfg and "weights" not in cfg
    np.testing.assert_array_equal(np.asarray(Embedding.from_config(cfg)(IDS % 7)), 1.0)
    table = np.arange(8.0, dtype="float32").reshape(4, 2)
    preset = Embedding(4, 2, weights=[table])
    np.testing.assert_array_equal(np.asarray(preset(np.array([[3, 0]]))), table[[[3, 0]]])
    theirs = keras.layers.Embedding(10, 4, mask_zero=True)
    theirs(IDS)
    assert assert_loads_keras_config(Embedding, theirs, IDS).mask_zero


def test_embedding_gradient_w_r_t_the_table():
    assert_gradients_match_finite_differences(lambda dt: Embedding(10, 3, dtype=dt), IDS,
                                              samples=6)


def test_embedding_bad_arguments_name_the_layer():
    with pytest.raises(ValueError, match="Embedding.*input_dim"):
        Embedding(0, 3)
    with pytest.raises(ValueError, match="Embedding.*output_dim"):
        Embedding(3, 2.5)
    with pytest.raises(NotImplementedError, match="Embedding.*LoRA"):
        Embedding(3, 2, lora_rank=2)


# -- Masking ------------------------------------------------------------------------------------
X = np.random.default_rng(0).normal(size=(3, 5, 4)).astype("float32")
X[0, 1] = 0.0
X[2, 3:] = 0.0
X[1, 2] = -1.0


@pytest.mark.parametrize("mask_value", [0.0, -1.0])
def test_masking_matches_keras(mask_value):
    ours, theirs = Masking(mask_value), keras.layers.Masking(mask_value)
    assert_matches_keras(ours, X, theirs=theirs)
    np.testing.assert_array_equal(np.asarray(ours.compute_mask(X)),
                                  np.asarray(theirs.compute_mask(X)))
    assert not np.asarray(ours.compute_mask(X)).all()
    assert_config_round_trip(ours)
    with pytest.raises(ValueError, match="Masking 'm'.*rank >= 2"):
        Masking(name="m")(X[0, 0])


def test_mask_from_masking_reaches_batch_norm_in_a_sequential_like_keras():
    ours = lamina.Sequential([lamina.layers.Input((5, 4)), Masking(),
                              BatchNormalization(momentum=0.5)])
    theirs = keras.Sequential([keras.Input((5, 4)), keras.layers.Masking(),
                               keras.layers.BatchNormalization(momentum=0.5)])
    theirs.set_weights(ours.get_weights())
    np.testing.assert_allclose(np.asarray(ours(X, training=True)),
                               np.asarray(theirs(X, training=True)), rtol=1e-5, atol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    unmasked = X.reshape(-1, 4)[np.abs(X.reshape(-1, 4)).sum(-1) > 0]
    np.testing.assert_allclose(ours.layers[1].moving_mean.numpy(), 0.5 * unmasked.mean(0),
                               rtol=1e-5, atol=1e-6)
