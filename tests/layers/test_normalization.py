"""Normalization layers against Keras 3 (same weights), gradients, masks and padded batches."""

import jax.numpy as jnp
import keras
import numpy as np
import pytest

import lamina
from lamina.core import call_context
from lamina.layers.normalization import (BatchNormalization, GroupNormalization,
                                         LayerNormalization, RMSNormalization, UnitNormalization)
from tests.layers.layer_checks import (assert_config_round_trip,
                                       assert_gradients_match_finite_differences,
                                       assert_loads_keras_config, assert_matches_keras)


def data(*shape, seed=0):
    return np.random.default_rng(seed).normal(loc=0.5, scale=2.0, size=shape).astype("float32")


def randomize(layer, seed=1):
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=w.shape).astype("float32") for w in layer.get_weights()]
    if isinstance(layer, BatchNormalization):  # a variance must be positive
        weights[-1] = np.abs(weights[-1]) + 0.5
    layer.set_weights(weights)


# -- BatchNormalization ---------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs,shape", [
    ({}, (6, 5)),
    ({"axis": 1, "momentum": 0.8, "epsilon": 1e-2}, (4, 3, 5)),
    ({"center": False}, (4, 2, 2, 3)),
    ({"scale": False, "axis": -2}, (4, 3, 2)),
])
@pytest.mark.parametrize("training", [False, True])
def test_batch_norm_matches_keras(kwargs, shape, training):
    x = data(*shape)
    ours = BatchNormalization(**kwargs)
    ours(x)
    randomize(ours)
    assert_matches_keras(ours, x, training=training)


def test_batch_norm_weights_and_config():
    layer = BatchNormalization(momentum=0.9, beta_regularizer="l2", gamma_constraint="non_neg")
    layer(data(2, 4))
    assert [v.name for v in layer.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [v.name for v in layer.trainable_weights] == ["gamma", "beta"]
    assert [v.name for v in layer.non_trainable_weights] == ["moving_mean", "moving_variance"]
    clone = assert_config_round_trip(layer)
    assert (clone.momentum, clone.epsilon, clone.axis) == (0.9, 1e-3, -1)
    assert BatchNormalization().get_config()["momentum"] == 0.99


def test_batch_norm_loads_keras_config():
    theirs = keras.layers.BatchNormalization(axis=1, momentum=0.5, center=False)
    x = data(3, 4, 2)
    theirs(x)
    assert_loads_keras_config(BatchNormalization, theirs, x)


def test_batch_norm_with_mask_matches_keras():
    x = data(4, 5, 3)
    mask = np.random.default_rng(2).random((4, 5)) > 0.4
    ours = BatchNormalization()
    ours(x)
    randomize(ours)
    assert_matches_keras(ours, x, training=True, mask=mask)


def test_batch_norm_padding_mask_equals_the_unpadded_batch():
    real = data(6, 3, 4)
    padded = np.concatenate([real, real[:2]])  # cyclic padding to 8 rows, as the trainer does
    rows = jnp.asarray([1.0] * 6 + [0.0] * 2)
    reference, layer = BatchNormalization(momentum=0.5), BatchNormalization(momentum=0.5)
    reference(real)
    layer(real)
    layer.set_weights(reference.get_weights())
    expected = np.asarray(reference(real, training=True))
    with call_context.padding_mask(rows):
        out = np.asarray(layer(padded, training=True))
    np.testing.assert_allclose(out[:6], expected, atol=1e-5, rtol=1e-5)
    for a, b in zip(layer.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6, rtol=1e-6)
    # without the mask the statistics would differ: the test can fail
    plain = BatchNormalization(momentum=0.5)
    plain(real)
    plain.set_weights(reference.get_weights())
    plain(padded, training=True)
    assert not np.allclose(plain.moving_mean.numpy(), layer.moving_mean.numpy(), atol=1e-4)


def test_frozen_batch_norm_runs_in_inference_mode():
    layer = BatchNormalization(trainable=False)
    x = data(5, 3)
    out = layer(x, training=True)
    np.testing.assert_allclose(out, x / np.sqrt(1 + 1e-3), rtol=1e-6)
    np.testing.assert_array_equal(layer.moving_mean.numpy(), np.zeros(3))


def test_batch_norm_gradients():
    assert_gradients_match_finite_differences(lambda dt: BatchNormalization(dtype=dt),
                                              data(5, 3), training=True)


def test_batch_norm_bad_input_names_the_layer():
    layer = BatchNormalization(name="bn")
    layer(data(2, 4))
    with pytest.raises(ValueError, match=r"BatchNormalization 'bn'.*size 4.*size 5"):
        layer(data(2, 5))
    with pytest.raises(ValueError, match=r"BatchNormalization 'bn'.*mask"):
        layer(data(2, 4), training=True, mask=np.ones((2, 4), bool))
    with pytest.raises(ValueError, match="BatchNormalization.*axis 3"):
        BatchNormalization(axis=3)(data(2, 4))
    with pytest.raises(NotImplementedError, match="renorm"):
        BatchNormalization(renorm=True)


def test_batch_norm_fit_with_a_padded_last_batch_matches_keras():
    rng = np.random.default_rng(0)
    x = rng.normal(loc=1.0, scale=2.0, size=(70, 4)).astype("float32")  # 70 = 2 * 32 + 6
    y = (x[:, :1] * 0.5 - x[:, 1:2] + 0.1 * rng.normal(size=(70, 1))).astype("float32")
    # no bias before the BatchNormalization: its exact gradient is 0, and Adam would turn
    # float noise there into full-size steps
    ours = lamina.Sequential([lamina.layers.Input((4,)), lamina.layers.Dense(8, use_bias=False),
                              BatchNormalization(momentum=0.9), lamina.layers.Activation("relu"),
                              lamina.layers.Dense(1)])
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, use_bias=False),
                               keras.layers.BatchNormalization(momentum=0.9),
                               keras.layers.Activation("relu"), keras.layers.Dense(1)])
    theirs.set_weights(ours.get_weights())
    for model in (ours, theirs):
        model.compile(optimizer="adam", loss="mse")
    h1 = ours.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0).history
    h2 = theirs.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0).history
    np.testing.assert_allclose(h1["loss"], h2["loss"], rtol=1e-5)
    bn_ours, bn_theirs = ours.layers[1], theirs.layers[1]
    for a, b in zip(bn_ours.get_weights(), bn_theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-5)


# -- LayerNormalization ---------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs,shape", [
    ({}, (4, 6)),
    ({"axis": [1, 2], "epsilon": 1e-5}, (3, 4, 5)),
    ({"axis": 1, "center": False}, (3, 4, 5)),
    ({"scale": False}, (2, 3, 4)),
    ({"rms_scaling": True}, (3, 5)),
])
@pytest.mark.filterwarnings("ignore:You passed `rms_scaling=True`")
def test_layer_norm_matches_keras(kwargs, shape):
    x = data(*shape)
    ours = LayerNormalization(**kwargs)
    ours(x)
    randomize(ours)
    assert_matches_keras(ours, x)


def test_layer_norm_config_and_gradients():
    layer = LayerNormalization(axis=[1, 2], gamma_regularizer="l2")
    layer(data(2, 3, 4))
    assert layer.gamma.shape == (3, 4)
    assert_config_round_trip(layer)
    assert_gradients_match_finite_differences(lambda dt: LayerNormalization(dtype=dt),
                                              data(3, 4))


def test_layer_norm_bad_axis_names_the_layer():
    with pytest.raises(ValueError, match="LayerNormalization 'ln'.*axis 2"):
        LayerNormalization(axis=2, name="ln")(data(2, 4))
    with pytest.raises(TypeError, match="LayerNormalization"):
        LayerNormalization(axis="last")


# -- GroupNormalization ---------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs,shape", [
    ({"groups": 2}, (3, 6)),
    ({"groups": 3, "epsilon": 1e-4}, (2, 4, 5, 6)),
    ({"groups": -1}, (2, 5, 4)),
    ({"groups": 2, "axis": 1, "center": False}, (2, 4, 3, 3)),
    ({"groups": 1, "scale": False}, (2, 3, 4)),
])
def test_group_norm_matches_keras(kwargs, shape):
    x = data(*shape)
    ours = GroupNormalization(**kwargs)
    ours(x)
    randomize(ours)
    assert_matches_keras(ours, x)


def test_group_norm_config_gradients_and_errors():
    layer = GroupNormalization(groups=2, beta_constraint="non_neg")
    layer(data(2, 3, 4))
    assert_config_round_trip(layer)
    assert GroupNormalization().get_config()["groups"] == 32
    assert_gradients_match_finite_differences(lambda dt: GroupNormalization(2, dtype=dt),
                                              data(3, 2, 4))
    with pytest.raises(ValueError, match=r"GroupNormalization 'gn'.*6 channels.*4 groups"):
        GroupNormalization(groups=4, name="gn")(data(2, 6))
    with pytest.raises(ValueError, match="GroupNormalization.*groups"):
        GroupNormalization(groups=0)


# -- UnitNormalization and RMSNormalization -------------------------------------------------------
@pytest.mark.parametrize("axis", [-1, 1, [1, 2]])
def test_unit_norm_matches_keras(axis):
    x = data(3, 4, 5)
    x[0, 0] = 0.0  # a zero vector stays finite
    ours = UnitNormalization(axis=axis)
    assert_matches_keras(ours, x)
    assert_config_round_trip(ours)
    with pytest.raises(ValueError, match="UnitNormalization 'un'.*axis 4"):
        UnitNormalization(axis=4, name="un")(x)


@pytest.mark.parametrize("kwargs", [{}, {"axis": [1, 2], "epsilon": 1e-3}])
def test_rms_norm_matches_keras(kwargs):
    x = data(3, 4, 5)
    ours = RMSNormalization(**kwargs)
    ours(x)
    randomize(ours)
    assert_matches_keras(ours, x)
    assert_config_round_trip(ours)
    assert_gradients_match_finite_differences(lambda dt: RMSNormalization(dtype=dt, **kwargs), x)


def test_normalization_layers_pass_masks_like_keras():
    for cls in (BatchNormalization, LayerNormalization, GroupNormalization, UnitNormalization):
        assert cls.supports_masking and getattr(keras.layers, cls.__name__)().supports_masking
    assert not RMSNormalization.supports_masking
