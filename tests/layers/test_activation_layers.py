"""ReLU, LeakyReLU, PReLU, ELU and Softmax layers against Keras 3 (same weights)."""

import keras
import numpy as np
import pytest

import lamina
from lamina.layers.activations import ELU, LeakyReLU, PReLU, ReLU, Softmax
from lamina.layers.core_misc import Lambda
from lamina.layers.embedding import Embedding
from tests.layers.layer_checks import (assert_config_round_trip,
                                       assert_gradients_match_finite_differences,
                                       assert_loads_keras_config, assert_matches_keras)

X = np.random.default_rng(0).normal(scale=3.0, size=(3, 4, 5)).astype("float32")


@pytest.mark.parametrize("layer", [
    lambda: ReLU(), lambda: ReLU(max_value=2.0), lambda: ReLU(negative_slope=0.1, threshold=0.5),
    lambda: ReLU(max_value=4.0, negative_slope=0.2, threshold=1.0),
    lambda: LeakyReLU(), lambda: LeakyReLU(negative_slope=0.05),
    lambda: ELU(), lambda: ELU(alpha=0.5),
    lambda: Softmax(), lambda: Softmax(axis=1), lambda: Softmax(axis=(1, 2)),
    lambda: PReLU(), lambda: PReLU(alpha_initializer="random_normal", shared_axes=[1]),
    lambda: PReLU(alpha_initializer="ones", shared_axes=2),
])
def test_matches_keras_and_round_trips(layer):
    ours = layer()
    assert_matches_keras(ours, X)
    assert_config_round_trip(ours)
    assert ours.supports_masking


def test_defaults_are_keras_3s():
    assert LeakyReLU().negative_slope == keras.layers.LeakyReLU().negative_slope == 0.3
    assert (ReLU().max_value, ReLU().negative_slope, ReLU().threshold) == (None, 0.0, 0.0)
    assert ELU().alpha == 1.0 and Softmax().axis == -1
    with pytest.warns(UserWarning, match="alpha"):
        legacy = LeakyReLU(alpha=0.1)
    assert legacy.negative_slope == 0.1 and "alpha" not in legacy.get_config()
    assert LeakyReLU.from_config(legacy.get_config()).negative_slope == 0.1


def test_prelu_weights_gradients_and_keras_config():
    layer = PReLU(shared_axes=[1])
    layer(X)
    assert layer.alpha.shape == (1, 5) and layer.count_params() == 5
    assert_gradients_match_finite_differences(lambda dt: PReLU(shared_axes=[1], dtype=dt), X)
    theirs = keras.layers.PReLU(alpha_initializer="random_uniform", shared_axes=[2])
    theirs(X)
    assert_loads_keras_config(PReLU, theirs, X)


@pytest.mark.parametrize("mask_shape", [(3, 4, 5), (3, 1, 5), (5,)])
def test_softmax_mask_matches_keras(mask_shape):
    mask = np.random.default_rng(1).random(mask_shape) > 0.3
    out, _ = assert_matches_keras(Softmax(), X, mask=mask)
    full = np.broadcast_to(mask, X.shape)
    assert (out[~full] == 0).all()
    rows = full.any(-1)
    np.testing.assert_allclose(out.sum(-1)[rows], 1.0, rtol=1e-6)


def test_softmax_uses_the_mask_an_embedding_makes_in_a_sequential():
    ids = np.array([[3, 1, 0, 0], [2, 0, 0, 0]])
    model = lamina.Sequential([lamina.layers.Input((4,), dtype="int32"),
                               Embedding(5, 4, mask_zero=True),
                               Lambda(lambda x: x[..., 0]), Softmax()])
    # Lambda without `mask=` stops masks, as in Keras: the softmax spans every position
    assert (np.asarray(model(ids)) > 0).all()
    model = lamina.Sequential([lamina.layers.Input((4,), dtype="int32"),
                               Embedding(5, 4, mask_zero=True),
                               Lambda(lambda x: x[..., 0],
                                                    mask=lambda x, m: m), Softmax()])
    out = np.asarray(model(ids))
    np.testing.assert_array_equal(out > 0, ids > 0)


def test_errors_name_the_layer():
    with pytest.raises(ValueError, match="ReLU.*max_value"):
        ReLU(max_value=-1.0)
    with pytest.raises(ValueError, match="ReLU.*threshold"):
        ReLU(threshold=None)
    with pytest.raises(ValueError, match="LeakyReLU.*negative_slope"):
        LeakyReLU(negative_slope=-0.1)
    with pytest.raises(ValueError, match="Softmax 'sm'.*mask.*broadcast"):
        Softmax(name="sm")(X, mask=np.ones((3, 4), bool))
    layer = PReLU(name="pr")
    layer(X)
    with pytest.raises(ValueError, match="PReLU 'pr'.*size 5.*size 6"):
        layer(np.ones((3, 4, 6), "float32"))
    with pytest.raises(ValueError, match="PReLU 'bad'.*shared_axes"):
        PReLU(shared_axes=[3], name="bad")(X)
