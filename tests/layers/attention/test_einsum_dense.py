"""EinsumDense against Keras 3 (same weights): equations, ellipses, biases, initializer fans."""

import keras
import numpy as np
import pytest

from lamina.layers.attention import EinsumDense
from tests.layers.attention.attention_checks import (
    assert_weight_gradients_match_finite_differences, close, compiled, data, share_random_weights)
from tests.layers.layer_checks import assert_config_round_trip


@pytest.mark.parametrize("kwargs,shape", [
    ({"equation": "ab,bc->ac", "output_shape": 4, "bias_axes": "c"}, (3, 5)),
    ({"equation": "abc,cde->abde", "output_shape": (None, 2, 4), "bias_axes": "de",
      "activation": "tanh"}, (3, 5, 6)),
    ({"equation": "abc,cd->abd", "output_shape": (5, 4), "bias_axes": "bd"}, (3, 5, 6)),
    ({"equation": "...b,bc->...c", "output_shape": 4, "bias_axes": "c"}, (2, 3, 5)),
    ({"equation": "ab...,bc->ac...", "output_shape": (4,), "bias_axes": "c"}, (2, 5, 3)),
    ({"equation": "abcd,cde->abe", "output_shape": (None, 7)}, (2, 3, 4, 5)),
])
def test_matches_keras(kwargs, shape):
    x = data(*shape)
    ours, theirs = EinsumDense(**kwargs), keras.layers.EinsumDense(**kwargs)
    ours.build(x.shape)
    theirs.build(x.shape)
    assert [w.shape for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    share_random_weights(ours, theirs)
    out, expected = compiled(lambda: (ours(x), theirs(x)))
    close(out, expected)
    ours_shape = ours.compute_output_shape((None,) + shape[1:])
    assert ours_shape == (None,) + out.shape[1:]
    # Keras leaves the axes shared with the input unknown; where it knows a size, it agrees.
    keras_shape = theirs.compute_output_shape((None,) + shape[1:])
    assert all(k is None or k == o for k, o in zip(keras_shape, ours_shape))


def test_kernel_initializer_uses_einsum_fans():
    """Keras's fans: contracted axes in, produced axes out (not the conv-kernel rule)."""
    layer = EinsumDense("abc,cde->abde", output_shape=(None, 16, 32))
    layer.build((None, 10, 64))
    limit = np.sqrt(6 / (64 + 16 * 32))
    kernel = layer.kernel.numpy()
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.95 * limit


def test_gradients_and_config():
    def make(dtype):
        layer = EinsumDense("abc,cde->abde", (None, 2, 3), bias_axes="e", activation="tanh",
                            dtype=dtype)
        layer.build((2, 3, 4))
        return layer

    x = data(2, 3, 4)
    assert_weight_gradients_match_finite_differences(make, lambda layer: layer(x))
    layer = EinsumDense("ab,bc->ac", 4, bias_axes="c", kernel_regularizer="l2")
    clone = assert_config_round_trip(layer)
    assert (clone.equation, clone.partial_output_shape, clone.bias_axes) == ("ab,bc->ac", (4,), "c")


def test_errors_name_the_layer():
    with pytest.raises(ValueError, match="EinsumDense 'ed'.*invalid equation"):
        EinsumDense("ab,bc", 4, name="ed")(data(2, 3))
    with pytest.raises(ValueError, match="'ed2'.*does not fit an input of rank 3"):
        EinsumDense("ab,bc->ac", 4, name="ed2")(data(2, 3, 4))
    with pytest.raises(ValueError, match="'ed3'.*bias axes"):
        EinsumDense("ab,bc->ac", 4, bias_axes="x", name="ed3")(data(2, 3))
    with pytest.raises(NotImplementedError, match="LoRA"):
        EinsumDense("ab,bc->ac", 4, lora_rank=2)
