"""Helpers for the attention tests: data, Keras twins with shared weights, gradient checks.

Each check runs its whole computation (our layer and Keras's, every variant) as one compiled
function: compiling once is several times cheaper than running the ops one by one.
"""

import jax
import jax.numpy as jnp
import numpy as np

from lamina.core.state import StateScope


def data(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def bool_mask(*shape, seed=0):
    """A random boolean mask; the first position along the last axis is kept, so no row is
    fully masked."""
    mask = np.random.default_rng(seed).random(shape) > 0.4
    mask[..., 0] = True
    return mask


def share_random_weights(ours, theirs, seed=1):
    """Gives both built layers the same random weights (biases included, so they matter)."""
    rng = np.random.default_rng(seed)
    weights = [rng.normal(scale=0.5, size=w.shape).astype("float32") for w in ours.get_weights()]
    assert [w.shape for w in weights] == [tuple(w.shape) for w in theirs.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)


def compiled(fn):
    """``fn()`` run as one compiled function (inputs closed over are constants)."""
    return jax.jit(fn)()


def close(a, b, atol=1e-5):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=atol, rtol=1e-5)


def input_gradients(fn, inputs, seed=2):
    """Gradients of ``sum(fn(*inputs) * r)`` w.r.t. every input (``r`` a fixed random array);
    call it inside :func:`compiled`."""
    inputs = [jnp.asarray(x) for x in inputs]
    shape = jax.eval_shape(fn, *inputs).shape
    r = jnp.asarray(np.random.default_rng(seed).normal(size=shape), jnp.float32)
    return jax.grad(lambda *xs: jnp.sum(fn(*xs) * r), argnums=tuple(range(len(inputs))))(*inputs)


def assert_weight_gradients_match_finite_differences(make_layer, call, seed=0):
    """Gradients of ``sum(call(layer) * r)`` w.r.t. the trainable weights of the built layer
    ``make_layer("float64")``, against central differences along one random direction per
    weight and one over all weights together (float64, so the check is sharp)."""
    rng = np.random.default_rng(seed)
    with jax.enable_x64(True):
        layer = make_layer("float64")
        variables = layer.trainable_variables
        assert variables, "the layer has no trainable weights to check"
        start = [jnp.asarray(v.numpy() + rng.normal(scale=0.3, size=v.shape)) for v in variables]

        def output(values):
            with StateScope(dict(zip(variables, values))):
                return call(layer)

        r = jnp.asarray(rng.normal(size=jax.eval_shape(output, start).shape))

        def loss(values):
            return jnp.sum(output(values) * r)

        directions = [[jnp.zeros_like(w) if j != i else jnp.asarray(rng.normal(size=w.shape))
                       for j, w in enumerate(start)] for i in range(len(start))]
        directions.append([jnp.asarray(rng.normal(size=w.shape)) for w in start])
        eps = 1e-6

        def check():
            grads = jax.grad(loss)(start)
            analytic = [sum(jnp.vdot(g, d) for g, d in zip(grads, ds)) for ds in directions]
            numeric = [(loss([w + eps * d for w, d in zip(start, ds)])
                        - loss([w - eps * d for w, d in zip(start, ds)])) / (2 * eps)
                       for ds in directions]
            return jnp.stack(analytic), jnp.stack(numeric)

        analytic, numeric = jax.jit(check)()
        assert np.abs(np.asarray(analytic)).max() > 1e-3  # (a key bias has zero gradient)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8,
                                   err_msg=str([v.path for v in variables]))
