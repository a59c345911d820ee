"""Pooling layers against Keras (outputs and gradients, ties included), shapes, configs,
finite-difference gradients, masks and errors that name the layer."""

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

from lamina.layers import pooling

CF = {"data_format": "channels_first"}
CASES = [
    ("MaxPooling1D", dict(), (2, 9, 3)),
    ("MaxPooling1D", dict(pool_size=3, strides=2, padding="same", **CF), (2, 3, 10)),
    ("MaxPooling2D", dict(), (2, 7, 8, 3)),
    ("MaxPooling2D", dict(pool_size=3, strides=2, padding="same"), (2, 7, 8, 3)),
    ("MaxPooling2D", dict(pool_size=(2, 3), strides=(1, 2), **CF), (2, 3, 7, 8)),
    ("MaxPooling3D", dict(pool_size=2, padding="same"), (2, 3, 5, 4, 2)),
    ("AveragePooling1D", dict(pool_size=3, strides=1, padding="same"), (2, 9, 3)),
    ("AveragePooling2D", dict(pool_size=3, strides=2, padding="same", **CF), (2, 3, 7, 8)),
    ("AveragePooling2D", dict(pool_size=(2, 3), strides=1), (2, 7, 8, 3)),
    ("AveragePooling3D", dict(pool_size=(2, 2, 3), padding="same"), (2, 3, 5, 4, 2)),
    ("GlobalMaxPooling1D", dict(), (2, 9, 3)),
    ("GlobalMaxPooling2D", dict(keepdims=True, **CF), (2, 3, 7, 8)),
    ("GlobalAveragePooling1D", dict(keepdims=True), (2, 9, 3)),
    ("GlobalAveragePooling2D", dict(), (2, 7, 8, 3)),
    ("GlobalAveragePooling3D", dict(keepdims=True, **CF), (2, 2, 3, 5, 4)),
]
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for name, kw, _ in CASES]


def output_and_gradient(layer, x, cotangent):
    def run(x):
        out, vjp = jax.vjp(layer, x)
        return out, vjp(cotangent)[0]
    return jax.jit(run)(x)


@pytest.mark.parametrize("name, kwargs, shape", CASES, ids=IDS)
def test_outputs_gradients_and_shapes_match_keras(name, kwargs, shape, rng):
    theirs, ours = getattr(keras.layers, name)(**kwargs), getattr(pooling, name)(**kwargs)
    out_shape = tuple(theirs.compute_output_shape(shape))
    assert ours.compute_output_shape((None,) + shape[1:]) == (None,) + out_shape[1:]
    cotangent = rng.normal(size=out_shape).astype("float32")
    # Values on a coarse grid, so max windows hold ties: the gradient goes to the first maximum.
    for x in (rng.normal(size=shape).astype("float32"),
              rng.integers(0, 3, size=shape).astype("float32")):
        expected, their_grad = output_and_gradient(theirs, x, cotangent)
        got, our_grad = output_and_gradient(ours, x, cotangent)
        np.testing.assert_allclose(np.asarray(got), np.asarray(expected), rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(np.asarray(our_grad), np.asarray(their_grad), rtol=1e-6,
                                   atol=1e-6)


@pytest.mark.parametrize("name, kwargs, shape", CASES[::4], ids=IDS[::4])
def test_config_round_trip(name, kwargs, shape, rng):
    layer = getattr(pooling, name)(**kwargs, name="probe")
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    x = rng.normal(size=shape).astype("float32")
    np.testing.assert_array_equal(np.asarray(clone(x)), np.asarray(layer(x)))
    getattr(keras.layers, name).from_config(config)  # Keras reads our config


@pytest.mark.parametrize("layer", [pooling.MaxPooling2D(3, strides=2, padding="same"),
                                   pooling.AveragePooling1D(3, strides=2, padding="same")])
def test_gradients_match_finite_differences(layer, rng):
    shape = (2, 7, 6, 2) if layer.rank == 2 else (2, 7, 3)
    x = jnp.asarray(rng.normal(size=shape), jnp.float32)
    cotangent = jnp.asarray(rng.normal(size=layer.compute_output_shape(shape)), jnp.float32)
    loss = jax.jit(lambda x: jnp.sum(layer(x) * cotangent))
    grad = jax.grad(loss)(x)
    eps = 1e-3  # small enough that no window changes its maximum
    for _ in range(3):
        direction = jnp.asarray(rng.normal(size=shape), jnp.float32)
        numeric = (loss(x + eps * direction) - loss(x - eps * direction)) / (2 * eps)
        np.testing.assert_allclose(float(numeric), float(jnp.vdot(grad, direction)), rtol=1e-2,
                                   atol=1e-2)


def test_global_average_pooling_1d_leaves_masked_steps_out(rng):
    x = rng.normal(size=(2, 5, 3)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    got = pooling.GlobalAveragePooling1D()(x, mask=mask)
    expected = keras.layers.GlobalAveragePooling1D()(x, mask=mask)
    np.testing.assert_allclose(np.asarray(got), np.asarray(expected), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(got[0]), x[0, :3].mean(0), rtol=1e-6)
    assert pooling.GlobalAveragePooling1D().compute_mask(x, mask) is None


def test_aliases_and_defaults():
    assert pooling.MaxPool2D is pooling.MaxPooling2D
    assert pooling.AvgPool1D is pooling.AveragePooling1D
    assert pooling.GlobalAvgPool3D is pooling.GlobalAveragePooling3D
    layer = pooling.MaxPooling2D()
    assert (layer.pool_size, layer.strides, layer.padding) == ((2, 2), (2, 2), "valid")
    assert layer.get_config()["pool_size"] == 2
    with pytest.raises(TypeError):
        pooling.AveragePooling2D()  # pool_size is required, as in Keras


def test_errors_name_the_layer():
    with pytest.raises(ValueError, match=r"MaxPooling2D 'pool'.*rank 4.*rank 3"):
        pooling.MaxPooling2D(name="pool")(np.ones((2, 8, 3), "float32"))
    with pytest.raises(ValueError, match=r"AveragePooling1D 'avg'.*smaller than the pool"):
        pooling.AveragePooling1D(4, name="avg")(np.ones((2, 3, 3), "float32"))
    with pytest.raises(ValueError, match=r"GlobalMaxPooling3D 'g'.*rank 5"):
        pooling.GlobalMaxPooling3D(name="g")(np.ones((2, 8, 3), "float32"))
    with pytest.raises(ValueError, match="padding"):
        pooling.MaxPooling1D(padding="causal")
    with pytest.raises(ValueError, match="data_format"):
        pooling.GlobalAveragePooling2D(data_format="NHWC")
