"""Reshape, Permute, RepeatVector against Keras 3; symbolic shapes; errors name the layer."""

import numpy as np
import pytest

import lamina
from lamina.layers.reshaping import Permute, RepeatVector, Reshape
from tests.layers.layer_checks import assert_config_round_trip, assert_matches_keras

X = np.random.default_rng(0).normal(size=(2, 3, 4)).astype("float32")


@pytest.mark.parametrize("layer,expected", [
    (lambda: Reshape((12,)), (2, 12)),
    (lambda: Reshape((-1, 2)), (2, 6, 2)),
    (lambda: Reshape((2, 3, 2)), (2, 2, 3, 2)),
    (lambda: Permute((2, 1)), (2, 4, 3)),
    (lambda: Permute((1, 2)), (2, 3, 4)),
])
def test_matches_keras_and_round_trips(layer, expected):
    ours = layer()
    out, _ = assert_matches_keras(ours, X)
    assert out.shape == expected
    assert_config_round_trip(ours)


def test_repeat_vector_matches_keras():
    ours = RepeatVector(3)
    out, _ = assert_matches_keras(ours, X[:, 0])
    assert out.shape == (2, 3, 4)
    np.testing.assert_array_equal(out[:, 2], X[:, 0])
    assert_config_round_trip(ours)


def test_symbolic_shapes_keep_the_batch_unknown():
    inputs = lamina.layers.Input((3, 4))
    assert Reshape((-1,))(inputs).shape == (None, 12)
    assert Reshape((2, -1))(inputs).shape == (None, 2, 6)
    assert Permute((2, 1))(inputs).shape == (None, 4, 3)
    assert RepeatVector(5)(lamina.layers.Input((4,))).shape == (None, 5, 4)


def test_in_a_sequential_model():
    model = lamina.Sequential([lamina.layers.Input((3, 4)), Permute((2, 1)), Reshape((-1,)),
                               RepeatVector(2)])
    out = np.asarray(model(X))
    np.testing.assert_array_equal(out[:, 1], X.transpose(0, 2, 1).reshape(2, -1))


def test_errors_name_the_layer():
    with pytest.raises(ValueError, match=r"Reshape 'r'.*\(3, 4\).*target_shape=\(5,\)"):
        Reshape((5,), name="r")(X)
    with pytest.raises(ValueError, match="Reshape.*at most one -1"):
        Reshape((-1, -1))
    with pytest.raises(ValueError, match="Permute.*dims"):
        Permute((0, 1))
    with pytest.raises(ValueError, match="Permute 'p'.*rank 3.*rank 4"):
        Permute((2, 1), name="p")(X[..., None])
    with pytest.raises(ValueError, match="RepeatVector 'rv'.*rank 2"):
        RepeatVector(2, name="rv")(X)
    with pytest.raises(ValueError, match="RepeatVector.*positive"):
        RepeatVector(0)
