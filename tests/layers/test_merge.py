"""Merge layers against Keras: values, shapes, and errors naming the layer and both shapes."""

import keras
import numpy as np
import pytest

import lamina
from lamina.layers import merge

RNG = np.random.default_rng(0)
A, B, C = (RNG.normal(size=(4, 5)).astype("float32") for _ in range(3))


@pytest.mark.parametrize("name", ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum",
                                  "Concatenate"])
def test_merge_layers_match_keras(name):
    inputs = [A, B] if name == "Subtract" else [A, B, C]
    ours = getattr(merge, name)()(inputs)
    theirs = getattr(keras.layers, name)()(inputs)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    function = getattr(merge, name.lower())(inputs)
    np.testing.assert_allclose(function, theirs, rtol=1e-6)


@pytest.mark.parametrize("axes,normalize,shapes", [
    (1, False, [(4, 5), (4, 5)]), (1, True, [(4, 5), (4, 5)]),
    ((2, 2), False, [(4, 3, 5), (4, 6, 5)]), ((1, 2), False, [(4, 3, 5), (4, 6, 3)]),
])
def test_dot_matches_keras(axes, normalize, shapes):
    a, b = (RNG.normal(size=s).astype("float32") for s in shapes)
    ours = merge.Dot(axes=axes, normalize=normalize)([a, b])
    theirs = keras.layers.Dot(axes=axes, normalize=normalize)([a, b])
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_concatenate_mismatch_names_layer_and_shapes():
    x1, x2 = lamina.Input((3, 4)), lamina.Input((5, 4))
    with pytest.raises(ValueError, match=r"Concatenate 'joined'.*\(None, 3, 4\), \(None, 5, 4\)"):
        merge.Concatenate(axis=-1, name="joined")([x1, x2])
    assert merge.Concatenate(axis=1)([x1, x2]).shape == (None, 8, 4)


def test_subtract_needs_two_inputs_and_add_needs_a_list():
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        merge.Subtract()([A, B, C])
    with pytest.raises(ValueError, match="expected a list"):
        merge.Add()(A)


def test_merge_gradient_matches_finite_differences():
    import jax

    def f(a):
        return merge.Dot(axes=1, normalize=True)([a, B]).sum()

    grad = jax.grad(f)(A)
    eps, bumped = 1e-3, A.astype(np.float64).copy()
    bumped[1, 2] += eps
    up = f(bumped.astype("float32"))
    bumped[1, 2] -= 2 * eps
    down = f(bumped.astype("float32"))
    np.testing.assert_allclose(grad[1, 2], (up - down) / (2 * eps), rtol=1e-2, atol=1e-3)
