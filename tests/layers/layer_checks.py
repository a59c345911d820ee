"""Checks shared by the layer tests: Keras parity with copied weights, configs, gradients."""

import json

import jax
import jax.numpy as jnp
import keras
import numpy as np

import lamina

IGNORED_KERAS_KEYS = {"dtype", "activity_regularizer"}


def keras_twin(ours, **overrides):
    """The Keras layer of the same class, built from our constructor arguments."""
    args = {k: v for k, v in getattr(ours, "_init_args", {}).items() if not k.startswith("*")}
    args.update(overrides)
    args.pop("name", None)
    return getattr(keras.layers, type(ours).__name__)(**args)


def assert_matches_keras(ours, x, training=False, theirs=None, atol=1e-5, rtol=1e-5, **call):
    """Builds both layers on ``x``, copies our weights into Keras's, compares the outputs (and
    the weights afterwards: moving statistics). Returns both outputs."""
    theirs = theirs or keras_twin(ours)
    ours(x, **call)
    theirs(x, **call)
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.get_weights()]
    theirs.set_weights(ours.get_weights())
    a = np.asarray(ours(x, training=training, **call))
    b = np.asarray(theirs(x, training=training, **call))
    assert a.shape == b.shape
    np.testing.assert_allclose(a, b, atol=atol, rtol=rtol)
    for w1, w2 in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(w1, w2, atol=atol, rtol=rtol)
    return a, b


def assert_config_round_trip(layer, keras_layer=None):
    """``from_config(get_config())`` gives the same config; it is JSON; Keras's keys are there."""
    cfg = layer.get_config()
    json.dumps(cfg)
    clone = type(layer).from_config(cfg)
    assert clone.get_config() == cfg
    keras_layer = keras_layer if keras_layer is not None else keras_twin(layer)
    missing = set(keras_layer.get_config()) - set(cfg) - IGNORED_KERAS_KEYS
    assert not missing, f"keys of Keras's config missing from ours: {missing}"
    return clone


def assert_loads_keras_config(layer_cls, keras_layer, x, **call):
    """Our class rebuilt from Keras's config (same weights) computes what Keras computes."""
    cfg = {k: v for k, v in keras_layer.get_config().items() if k != "dtype"}
    ours = layer_cls.from_config(cfg)
    expected = np.asarray(keras_layer(x, **call))
    ours(x, **call)
    ours.set_weights(keras_layer.get_weights())
    np.testing.assert_allclose(np.asarray(ours(x, **call)), expected, atol=1e-5, rtol=1e-5)
    return ours


def assert_gradients_match_finite_differences(make_layer, x, training=False, samples=3, seed=0):
    """Gradients of ``sum(layer(x) * r)`` w.r.t. every trainable weight, against central
    differences, all in float64 (so the check is sharp)."""
    rng = np.random.default_rng(seed)
    with jax.enable_x64(True):
        layer = make_layer("float64")
        x = jnp.asarray(x) if np.asarray(x).dtype.kind in "iu" else jnp.asarray(x, jnp.float64)
        layer(x)
        for v in layer.trainable_variables:  # away from special points (zero slopes, ...)
            v.assign(v.numpy() + rng.normal(scale=0.3, size=v.shape))
        r = jnp.asarray(rng.normal(size=np.shape(layer(x))))
        variables = layer.trainable_variables
        assert variables, "the layer has no trainable weights to check"

        def loss():
            return jnp.sum(layer(x, training=training) * r)

        _, grads = lamina.value_and_grad(loss, variables)()
        eps = 1e-6
        for v, g in zip(variables, grads):
            original = v.numpy().copy()
            for flat in rng.choice(original.size, size=min(samples, original.size), replace=False):
                index = np.unravel_index(flat, original.shape)
                values = []
                for sign in (1, -1):
                    bumped = original.copy()
                    bumped[index] += sign * eps
                    v.assign(bumped)
                    values.append(float(loss()))
                v.assign(original)
                numeric = (values[0] - values[1]) / (2 * eps)
                np.testing.assert_allclose(float(np.asarray(g)[index]), numeric, rtol=1e-5,
                                           atol=1e-7, err_msg=f"{v.path}{index}")
