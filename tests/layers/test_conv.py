"""Convolution layers against Keras (same weights and inputs): outputs, gradients, shapes,
configs; finite-difference gradients; errors that name the layer; a short fit."""

import inspect

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

import lamina
from lamina.core.state import StateScope
from lamina.layers import conv, conv_transpose, depthwise_conv, separable_conv

LAYERS = {name: getattr(module, name) for module in (conv, conv_transpose, depthwise_conv,
                                                      separable_conv)
          for name in dir(module) if name[:1].isupper()}

CF = {"data_format": "channels_first"}
CASES = [
    ("Conv1D", dict(filters=4, kernel_size=3), (2, 9, 3)),
    ("Conv1D", dict(filters=4, kernel_size=3, padding="causal", dilation_rate=2), (2, 9, 3)),
    ("Conv1D", dict(filters=6, kernel_size=3, groups=3, **CF), (2, 3, 9)),
    ("Conv2D", dict(filters=4, kernel_size=(3, 2), strides=(2, 1), padding="same"), (2, 7, 8, 3)),
    ("Conv2D", dict(filters=4, kernel_size=3, dilation_rate=2, padding="same", activation="tanh"),
     (2, 7, 8, 3)),
    ("Conv2D", dict(filters=6, kernel_size=3, groups=3, **CF), (2, 3, 7, 8)),
    ("Conv2D", dict(filters=4, kernel_size=3, strides=2, padding="same", use_bias=False, **CF),
     (2, 3, 7, 8)),
    ("Conv2D", dict(filters=8, kernel_size=3), (2, 6, 6, 12)),  # per-tap kernel gradient
    ("Conv3D", dict(filters=3, kernel_size=(3, 2, 2), strides=(1, 2, 1), padding="same", **CF),
     (2, 2, 4, 5, 6)),
    ("Conv1DTranspose", dict(filters=4, kernel_size=3, strides=2, padding="same", output_padding=1),
     (2, 5, 3)),
    ("Conv2DTranspose", dict(filters=4, kernel_size=3, strides=2, padding="same"), (2, 4, 5, 3)),
    ("Conv2DTranspose", dict(filters=4, kernel_size=(3, 2), dilation_rate=2), (2, 4, 5, 3)),
    ("Conv2DTranspose", dict(filters=2, kernel_size=3, strides=(2, 3), output_padding=(1, 2), **CF),
     (2, 3, 4, 5)),
    ("Conv3DTranspose", dict(filters=2, kernel_size=2, strides=2, padding="same"), (2, 3, 3, 3, 2)),
    ("DepthwiseConv1D", dict(kernel_size=3, depth_multiplier=2), (2, 9, 3)),
    ("DepthwiseConv2D", dict(kernel_size=3, padding="same", dilation_rate=2), (2, 7, 8, 3)),
    ("DepthwiseConv2D", dict(kernel_size=(2, 3), strides=2, depth_multiplier=3, **CF),
     (2, 3, 7, 8)),
    ("SeparableConv1D", dict(filters=4, kernel_size=3, depth_multiplier=2, padding="same"),
     (2, 9, 3)),
    ("SeparableConv2D", dict(filters=4, kernel_size=3, strides=2, activation="relu"), (2, 7, 8, 3)),
    ("SeparableConv2D", dict(filters=4, kernel_size=3, dilation_rate=2, **CF), (2, 3, 9, 9)),
]
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for name, kw, _ in CASES]


def cheap_init(name, kwargs):
    """``kwargs`` with every initializer set to zeros (random ones compile a program per shape,
    seconds per test, and the weights are overwritten anyway)."""
    params = inspect.signature(getattr(keras.layers, name).__init__).parameters
    return {**{p: "zeros" for p in params if p.endswith("_initializer")}, **kwargs}


def pair(name, kwargs, shape, rng):
    """A Keras layer and a lamina layer with the same (random) weights, and an input."""
    kwargs = cheap_init(name, kwargs)
    theirs = getattr(keras.layers, name)(**kwargs)
    theirs.build(shape)
    weights = [rng.normal(size=w.shape).astype("float32") * 0.5 for w in theirs.get_weights()]
    theirs.set_weights(weights)
    ours = LAYERS[name](**kwargs)
    ours.build(shape)
    ours.set_weights(weights)  # same layout and order as Keras, or this raises
    return theirs, ours, rng.normal(size=shape).astype("float32")


def random_layer(name, kwargs, shape, rng):
    """A built lamina layer with random weights."""
    layer = LAYERS[name](**cheap_init(name, kwargs))
    layer.build(shape)
    layer.set_weights([rng.normal(size=w.shape).astype("float32") * 0.5 for w in layer.weights])
    return layer


def keras_fn(layer):
    def fn(weights, x):
        return layer.stateless_call(weights, [], x)[0]
    return fn


def lamina_fn(layer):
    variables = layer.weights

    def fn(weights, x):
        with StateScope(dict(zip(variables, weights))):
            return layer(x)
    return fn


def output_and_gradients(fn, weights, x, cotangent):
    """``fn(weights, x)`` and the gradients of ``sum(fn * cotangent)``, in one compiled call."""
    def run(weights, x):
        out, vjp = jax.vjp(fn, weights, x)
        return out, vjp(cotangent)
    return jax.jit(run)(weights, x)


@pytest.mark.parametrize("name, kwargs, shape", CASES, ids=IDS)
def test_outputs_gradients_and_shapes_match_keras(name, kwargs, shape, rng):
    theirs, ours, x = pair(name, kwargs, shape, rng)
    out_shape = tuple(theirs.compute_output_shape(shape))
    assert ours.compute_output_shape((None,) + shape[1:]) == (None,) + out_shape[1:]
    cotangent = rng.normal(size=out_shape).astype("float32")
    weights = [w.value for w in theirs.trainable_variables]
    expected, (their_w, their_x) = output_and_gradients(keras_fn(theirs), weights, x, cotangent)
    got, (our_w, our_x) = output_and_gradients(lamina_fn(ours), weights, x, cotangent)
    np.testing.assert_allclose(np.asarray(got), np.asarray(expected), rtol=1e-5, atol=1e-5)
    for a, b in zip(our_w + [our_x], their_w + [their_x]):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name, kwargs, shape", CASES[::4], ids=IDS[::4])
def test_config_round_trip(name, kwargs, shape, rng):
    layer = random_layer(name, dict(kwargs, name="probe"), shape, rng)
    x = rng.normal(size=shape).astype("float32")
    y = layer(x)
    config = layer.get_config()
    clone = type(layer).from_config(config)
    clone.build(shape)
    clone.set_weights(layer.get_weights())
    assert clone.get_config() == config
    np.testing.assert_allclose(np.asarray(clone(x)), np.asarray(y), rtol=1e-6)
    keras_clone = getattr(keras.layers, name).from_config(config)  # Keras reads our config
    assert keras_clone.get_config()["kernel_size"] == tuple(np.broadcast_to(
        kwargs["kernel_size"], (len(shape) - 2,)))


@pytest.mark.parametrize("name, kwargs, shape", [
    ("Conv2D", dict(filters=3, kernel_size=3, strides=2, padding="same", activation="tanh"),
     (2, 5, 6, 2)),
    ("Conv2DTranspose", dict(filters=3, kernel_size=3, strides=2, activation="tanh"), (2, 3, 4, 2)),
    ("DepthwiseConv2D", dict(kernel_size=3, depth_multiplier=2, activation="tanh"), (2, 5, 5, 2)),
])
def test_gradients_match_finite_differences(name, kwargs, shape, rng):
    layer = random_layer(name, kwargs, shape, rng)
    x = rng.normal(size=shape).astype("float32")
    fn = lamina_fn(layer)
    weights = [w.value for w in layer.weights]
    out_shape = layer.compute_output_shape(shape)
    cotangent = jnp.asarray(rng.normal(size=out_shape), jnp.float32)

    @jax.jit
    def loss(w, x):
        return jnp.sum(fn(w, x) * cotangent)

    grad_w, grad_x = jax.grad(loss, argnums=(0, 1))(weights, x)
    eps = 1e-2
    for _ in range(3):
        dw = [jnp.asarray(rng.normal(size=w.shape), jnp.float32) for w in weights]
        dx = jnp.asarray(rng.normal(size=x.shape), jnp.float32)
        plus = loss([w + eps * d for w, d in zip(weights, dw)], x + eps * dx)
        minus = loss([w - eps * d for w, d in zip(weights, dw)], x - eps * dx)
        numeric = (plus - minus) / (2 * eps)
        analytic = sum(jnp.vdot(g, d) for g, d in zip(grad_w, dw)) + jnp.vdot(grad_x, dx)
        assert abs(float(numeric) - float(analytic)) <= 2e-2 * max(1.0, abs(float(analytic)))


def test_wrong_rank_and_channels_name_the_layer(rng):
    layer = lamina.layers.Conv2D(4, 3, name="edges") if hasattr(lamina.layers, "Conv2D") else \
        conv.Conv2D(4, 3, name="edges")
    with pytest.raises(ValueError, match=r"Conv2D 'edges'.*rank 4.*rank 3"):
        layer(np.ones((2, 8, 3), "float32"))
    layer(np.ones((2, 8, 8, 3), "float32"))
    with pytest.raises(ValueError, match=r"Conv2D 'edges'.*axis -1.*size 3.*size 5"):
        layer(np.ones((2, 8, 8, 5), "float32"))
    with pytest.raises(ValueError, match=r"Conv2D 'small'.*smaller than the kernel"):
        conv.Conv2D(4, 5, name="small")(np.ones((1, 3, 8, 1), "float32"))


@pytest.mark.parametrize("build, message", [
    (lambda: conv.Conv2D(4, 3, padding="causal"), "padding"),
    (lambda: conv.Conv2D(4, 3, groups=3), "groups"),
    (lambda: conv.Conv1D(4, 3, strides=2, dilation_rate=2), "dilation_rate"),
    (lambda: conv.Conv2D(0, 3), "filters"),
    (lambda: conv.Conv2D(4, (3, 3, 3)), "kernel_size"),
    (lambda: conv_transpose.Conv2DTranspose(4, 3, strides=2, output_padding=2), "output_padding"),
    (lambda: depthwise_conv.DepthwiseConv2D(3, depth_multiplier=0), "depth_multiplier"),
])
def test_bad_arguments_are_refused(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_groups_must_divide_input_channels():
    with pytest.raises(ValueError, match=r"Conv1D 'grouped'.*divisible by groups=2"):
        conv.Conv1D(4, 3, groups=2, name="grouped")(np.ones((1, 5, 3), "float32"))


def test_symbolic_shapes_and_unknown_spatial_dims():
    inputs = lamina.layers.Input((None, 5))
    outputs = conv.Conv1D(4, 3, strides=2, padding="same")(inputs)
    assert outputs.shape[0] is None and outputs.shape[2] == 4
    assert conv.Conv1D(4, 3)(inputs).shape == (None, None, 4)
    assert conv.Conv2D(4, 3).compute_output_shape((None, 28, 28, 1)) == (None, 26, 26, 4)


def test_conv_layers_ask_for_one_step_per_call_on_cpu():
    model = lamina.Sequential([lamina.layers.Input((6, 6, 1)), conv.Conv2D(2, 3),
                               lamina.layers.Flatten(), lamina.layers.Dense(1)])
    from lamina.training.programs import choose_form
    assert choose_form(model) == ("per_step" if jax.default_backend() == "cpu" else "rolled")


def test_a_digits_classifier_reaches_95_percent():
    datasets = pytest.importorskip("sklearn.datasets")
    from lamina.layers import pooling
    digits = datasets.load_digits()
    x = (digits.images / 16.0).astype("float32")[..., None]
    y = digits.target.astype("int32")
    order = np.random.default_rng(0).permutation(len(x))
    train, test = order[:1400], order[1400:]
    from lamina.utils import set_random_seed
    set_random_seed(0)
    model = lamina.Sequential([
        lamina.layers.Input((8, 8, 1)),
        conv.Conv2D(16, 3, padding="same", activation="relu"), pooling.MaxPooling2D(),
        conv.Conv2D(32, 3, padding="same", activation="relu"), pooling.MaxPooling2D(),
        lamina.layers.Flatten(), lamina.layers.Dense(10)])
    model.compile(optimizer=lamina.optimizers.Adam(0.01),
                  loss=lamina.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x[train], y[train], batch_size=64, epochs=10, verbose=0)
    accuracy = np.mean(np.argmax(np.asarray(model.predict(x[test], verbose=0)), -1) == y[test])
    assert accuracy > 0.95
