"""Identity and Lambda: behaviour, masks, and Lambda's guarded serialization (Keras's format)."""

import jax.numpy as jnp
import keras
import numpy as np
import pytest

import lamina
from lamina.layers.core_misc import Identity, Lambda
from tests.layers.layer_checks import assert_config_round_trip, assert_matches_keras

X = np.random.default_rng(0).normal(size=(2, 3, 4)).astype("float32")


def test_identity_matches_keras_and_passes_masks():
    layer = Identity()
    out, _ = assert_matches_keras(layer, X)
    np.testing.assert_array_equal(out, X)
    assert_config_round_trip(layer)
    mask = np.array([[True, False, True], [False, True, True]])
    assert layer.compute_mask(X, mask) is mask


def test_lambda_calls_the_function_with_arguments_mask_and_training():
    seen = {}

    def fn(x, scale, mask=None, training=None):
        seen.update(mask=mask, training=training)
        return x * scale

    layer = Lambda(fn, arguments={"scale": 3.0})
    mask = jnp.ones((2, 3), bool)
    np.testing.assert_allclose(np.asarray(layer(X, mask=mask, training=True)), 3 * X)
    assert seen["training"] is True and seen["mask"] is mask
    out, _ = assert_matches_keras(Lambda(lambda x: jnp.tanh(x) * 2), X,
                                  theirs=keras.layers.Lambda(lambda x: keras.ops.tanh(x) * 2))
    assert out.shape == X.shape


def test_lambda_shapes_are_inferred_or_taken_from_output_shape():
    inputs = lamina.layers.Input((3, 4))
    assert Lambda(lambda x: x[:, :, :2])(inputs).shape == (None, 3, 2)
    assert Lambda(lambda x: x, output_shape=(12,)).compute_output_shape((None, 3, 4)) == (None, 12)
    by_fn = Lambda(lambda x: x, output_shape=lambda s: (s[0], 7))
    assert by_fn.compute_output_shape((None, 3, 4)) == (None, 7)


def test_lambda_masks_like_keras():
    mask = np.array([[True, False, True], [True, True, False]])
    assert Lambda(lambda x: x).compute_mask(X, mask) is None  # no `mask=`: masks stop
    assert not Lambda(lambda x: x).supports_masking
    keep = Lambda(lambda x: x, mask=lambda x, m: m)
    assert keep.supports_masking and keep.compute_mask(X, mask) is mask
    fixed = Lambda(lambda x: x, mask=[True, False])
    assert fixed.compute_mask(X, mask) == [True, False]


def test_lambda_of_a_named_function_round_trips_by_name():
    layer = Lambda(lamina.activations.relu, output_shape=(3, 4), name="act")
    cfg = layer.get_config()
    assert cfg["function"] == {"module": "builtins", "class_name": "function", "config": "relu",
                               "registered_name": "function"}
    clone = Lambda.from_config(cfg)
    assert clone.function is lamina.activations.relu and clone.name == "act"
    # Keras's config of the same layer loads too
    keras_cfg = keras.layers.Lambda(keras.activations.relu).get_config()
    np.testing.assert_allclose(np.asarray(Lambda.from_config(keras_cfg)(X)), np.maximum(X, 0))

    def my_fn(x):
        return x + 1

    with pytest.raises(ValueError, match="unknown function 'my_fn'.*custom_objects"):
        Lambda.from_config(Lambda(my_fn).get_config())
    restored = Lambda.from_config(Lambda(my_fn).get_config(), custom_objects={"my_fn": my_fn})
    assert restored.function is my_fn


def test_python_lambda_config_is_marked_and_refused_in_safe_mode():
    offset = 2.0
    layer = Lambda(lambda x, power=2: x ** power + offset, arguments={"power": 3})
    cfg = layer.get_config()
    assert cfg["function"]["class_name"] == "__lambda__"
    assert cfg["function"]["config"]["closure"] == [2.0]
    with pytest.raises(ValueError, match="arbitrary code.*safe_mode=False"):
        Lambda.from_config(cfg)
    clone = Lambda.from_config(cfg, safe_mode=False)
    np.testing.assert_allclose(np.asarray(clone(X)), X ** 3 + 2.0, rtol=1e-6, atol=1e-6)
    again = Lambda.from_config(clone.get_config(), safe_mode=False)  # marshal bytes may differ
    np.testing.assert_array_equal(np.asarray(again(X)), np.asarray(clone(X)))


def test_keras_lambda_bytecode_loads_only_when_unsafe_is_allowed():
    keras_cfg = keras.layers.Lambda(lambda x, k=3.0: x * k).get_config()
    with pytest.raises(ValueError, match="safe_mode=False"):
        Lambda.from_config(keras_cfg)
    np.testing.assert_allclose(np.asarray(Lambda.from_config(keras_cfg, safe_mode=False)(X)),
                               3 * X)


def test_lambda_errors_name_the_layer():
    class Scale:  # an object without a config cannot go into a JSON config
        factor = 2.0

    captured = Scale()
    layer = Lambda(lambda x: x * captured.factor, name="lam")
    with pytest.raises(TypeError, match="Lambda 'lam' cannot be serialized.*closure"):
        layer.get_config()
    with pytest.raises(TypeError, match="Lambda.*callable"):
        Lambda(3)
