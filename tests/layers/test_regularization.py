"""Noise and dropout layers: exact in inference, statistically like Keras in training; the
activity penalty against Keras, also through ``fit`` with a padded last batch."""

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

import lamina
from lamina.core import call_context
from lamina.layers.regularization import (ActivityRegularization, AlphaDropout, GaussianDropout,
                                          GaussianNoise, SpatialDropout1D, SpatialDropout2D,
                                          SpatialDropout3D)
from tests.layers.layer_checks import assert_config_round_trip, assert_matches_keras

X = np.random.default_rng(0).normal(size=(64, 32, 16)).astype("float32")
ALL = [lambda: SpatialDropout1D(0.3, seed=1), lambda: SpatialDropout2D(0.3, seed=1),
       lambda: SpatialDropout3D(0.3, seed=1), lambda: GaussianNoise(0.2, seed=1),
       lambda: GaussianDropout(0.3, seed=1), lambda: AlphaDropout(0.3, seed=1)]
INPUTS = {SpatialDropout2D: X.reshape(64, 8, 4, 16), SpatialDropout3D: X.reshape(64, 4, 2, 4, 16)}


@pytest.mark.parametrize("make", ALL)
def test_inference_is_identity_like_keras_and_config_round_trips(make):
    layer = make()
    x = INPUTS.get(type(layer), X)
    out, _ = assert_matches_keras(layer, x, training=False)
    np.testing.assert_array_equal(out, x)
    assert_config_round_trip(layer)
    assert layer.supports_masking


@pytest.mark.parametrize("make", ALL)
def test_training_draws_fresh_noise_and_seeds_reproduce(make):
    x = INPUTS.get(type(make()), X)
    a, b = make(), make()
    first = np.asarray(a(x, training=True))
    assert not np.array_equal(first, x)
    assert not np.array_equal(first, np.asarray(a(x, training=True)))  # the generator moved on
    np.testing.assert_array_equal(first, np.asarray(b(x, training=True)))  # same seed


@pytest.mark.parametrize("cls,shape,data_format,channel", [
    (SpatialDropout1D, (64, 32, 16), None, -1),
    (SpatialDropout2D, (64, 8, 4, 16), "channels_last", -1),
    (SpatialDropout2D, (64, 16, 8, 4), "channels_first", 1),
    (SpatialDropout3D, (64, 4, 2, 4, 16), "channels_last", -1),
    (SpatialDropout3D, (64, 16, 4, 2, 4), "channels_first", 1),
])
def test_spatial_dropout_drops_whole_channels_like_keras(cls, shape, data_format, channel):
    x = np.abs(X.reshape(shape)) + 1.0  # no zeros in the input
    kwargs = {} if data_format is None else {"data_format": data_format}
    results = []
    for layer in (cls(0.3, seed=3, **kwargs), getattr(keras.layers, cls.__name__)(0.3, seed=3,
                                                                                    **kwargs)):
        out = np.moveaxis(np.asarray(layer(x, training=True)), channel, -1)
        x_last = np.moveaxis(x, channel, -1)
        dropped = (out == 0).reshape(out.shape[0], -1, out.shape[-1])
        assert (dropped.all(axis=1) | ~dropped.any(axis=1)).all()  # all or nothing per channel
        kept = ~dropped.any(axis=1)
        scale = out.reshape(dropped.shape)[:, 0][kept] / x_last.reshape(dropped.shape)[:, 0][kept]
        np.testing.assert_allclose(scale, 1 / 0.7, rtol=1e-6)
        results.append(1 - kept.mean())
    assert abs(results[0] - 0.3) < 0.05 and abs(results[1] - 0.3) < 0.05


def keras_and_ours_moments(cls, x, **kwargs):
    out = []
    for layer in (cls(**kwargs), getattr(keras.layers, cls.__name__)(**kwargs)):
        y = np.asarray(layer(x, training=True))
        out.append(y)
    return out


def test_gaussian_noise_statistics_match_keras():
    x = np.ones((256, 256), "float32")
    ours, theirs = keras_and_ours_moments(GaussianNoise, x, stddev=0.4, seed=2)
    for y in (ours, theirs):
        assert abs((y - x).mean()) < 0.01 and abs((y - x).std() - 0.4) < 0.01
    assert abs(ours.std() - theirs.std()) < 0.01


def test_gaussian_dropout_statistics_match_keras():
    x = np.full((256, 256), 2.0, "float32")
    ours, theirs = keras_and_ours_moments(GaussianDropout, x, rate=0.2, seed=2)
    for y in (ours, theirs):
        assert abs(y.mean() - 2.0) < 0.02 and abs(y.std() - 2.0 * 0.5) < 0.02
    assert abs(ours.std() - theirs.std()) < 0.02


def test_alpha_dropout_keeps_selu_statistics_like_keras():
    x = np.random.default_rng(1).normal(size=(256, 256)).astype("float32")
    rate = 0.2
    ours, theirs = keras_and_ours_moments(AlphaDropout, x, rate=rate, seed=2)
    alpha_p = -1.6732632423543772 * 1.0507009873554805
    a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
    b = -a * alpha_p * rate
    for y in (ours, theirs):
        assert abs(y.mean()) < 0.02 and abs(y.var() - 1.0) < 0.03
        dropped = np.isclose(y, a * alpha_p + b)
        assert abs(dropped.mean() - rate) < 0.01
        np.testing.assert_allclose(y[~dropped], a * x[~dropped] + b, rtol=1e-5, atol=1e-6)


def test_alpha_dropout_noise_shape_shares_the_draw():
    x = np.abs(X[:, :, 0])  # kept values stay far from the dropped one
    y = np.asarray(AlphaDropout(0.5, noise_shape=(None, 1), seed=0)(x, training=True))
    dropped = np.isclose(y, y.min())
    assert (dropped.all(axis=1) | ~dropped.any(axis=1)).all()
    assert 0.3 < dropped.all(axis=1).mean() < 0.7


def test_bad_arguments_and_inputs_name_the_layer():
    with pytest.raises(ValueError, match="GaussianNoise.*stddev"):
        GaussianNoise(1.5)
    with pytest.raises(ValueError, match="GaussianDropout.*rate"):
        GaussianDropout(-0.1)
    with pytest.raises(ValueError, match="AlphaDropout.*rate"):
        AlphaDropout(2)
    with pytest.raises(ValueError, match="SpatialDropout2D 'sd'.*rank 4.*rank 3"):
        SpatialDropout2D(0.5, name="sd")(X)
    with pytest.raises(ValueError, match="SpatialDropout3D.*data_format"):
        SpatialDropout3D(0.5, data_format="ndhwc")


# -- ActivityRegularization ---------------------------------------------------------------------
def test_activity_regularization_loss_matches_keras():
    x = X[:5, :3]
    ours, theirs = ActivityRegularization(l1=0.1, l2=0.3), keras.layers.ActivityRegularization(
        l1=0.1, l2=0.3)
    np.testing.assert_array_equal(np.asarray(ours(x)), x)
    theirs(x)
    assert len(ours.losses) == len(theirs.losses) == 1
    np.testing.assert_allclose(float(ours.losses[0]), float(theirs.losses[0]), rtol=1e-6)
    assert_config_round_trip(ours)


def test_activity_regularization_ignores_padded_rows():
    real = X[:3, :4]
    layer = ActivityRegularization(l1=0.2, l2=0.1)
    layer(real)
    expected = float(layer.losses[0])
    layer._clear_losses()
    padded = jnp.concatenate([real, real[:2]])
    with call_context.padding_mask(jnp.asarray([1.0, 1, 1, 0, 0])):
        layer(padded)
    np.testing.assert_allclose(float(layer.losses[0]), expected, rtol=1e-6)


def test_activity_regularization_in_fit_with_a_padded_batch_matches_keras():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(70, 4)).astype("float32")
    y = x[:, :1] - x[:, 1:2]
    ours = lamina.Sequential([lamina.layers.Input((4,)), lamina.layers.Dense(3),
                              ActivityRegularization(l1=0.01, l2=0.02), lamina.layers.Dense(1)])
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3),
                               keras.layers.ActivityRegularization(l1=0.01, l2=0.02),
                               keras.layers.Dense(1)])
    theirs.set_weights(ours.get_weights())
    for model in (ours, theirs):
        model.compile(optimizer="sgd", loss="mse")
    h1 = ours.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0).history
    h2 = theirs.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0).history
    np.testing.assert_allclose(h1["loss"], h2["loss"], rtol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
