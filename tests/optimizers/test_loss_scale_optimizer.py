"""LossScaleOptimizer against Keras: skipped steps, scale growth and shrinking, configs."""

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

from lamina import optimizers
from lamina.core.state import StateScope
from lamina.core.variable import Variable

SHAPES = [(3, 4), (5,)]


def gradient_stream(rng, steps):
    """Gradients scaled like a scaled loss's, with an inf and a NaN step in between."""
    out = []
    for step in range(steps):
        grads = [(rng.normal(size=s) * 4.0).astype("float32") for s in SHAPES]
        if step == 2:
            grads[0][1, 2] = np.inf
        if step == 5:
            grads[1][3] = np.nan
        out.append(grads)
    return out


def test_matches_keras_with_skipped_steps(rng):
    init = [rng.normal(size=s).astype("float32") for s in SHAPES]
    ours = optimizers.LossScaleOptimizer(optimizers.Adam(0.05), initial_scale=4.0,
                                         dynamic_growth_steps=2)
    theirs = keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(0.05), initial_scale=4.0,
                                                 dynamic_growth_steps=2)
    our_vars = [Variable(x) for x in init]
    theirs.build([keras.Variable(x) for x in init])
    # Keras's LossScaleOptimizer runs on JAX only in its stateless form (as its trainer uses it).
    their_weights, their_state = init, [v.value for v in theirs.variables]
    scales = []
    for grads in gradient_stream(rng, 7):
        ours.apply([jnp.asarray(g) for g in grads], our_vars)
        their_weights, their_state = theirs.stateless_apply(their_state, grads, their_weights)
        a = [v.numpy() for v in our_vars + ours.variables]
        b = [np.asarray(v) for v in list(their_weights) + list(their_state)]
        assert [x.shape for x in a] == [x.shape for x in b]
        for x, y in zip(a, b):
            np.testing.assert_allclose(x, y, atol=1e-5, rtol=1e-5)
        scales.append(float(ours.dynamic_scale.numpy()))
    assert scales == [4.0, 8.0, 4.0, 4.0, 8.0, 4.0, 4.0]
    assert int(ours.iterations.numpy()) == 5  # the two non-finite steps were skipped


def test_skipping_is_decided_inside_one_compiled_step(rng):
    init = [rng.normal(size=s).astype("float32") for s in SHAPES]
    eager = optimizers.LossScaleOptimizer(optimizers.SGD(0.1, momentum=0.9), initial_scale=2.0,
                                          dynamic_growth_steps=3)
    traced = optimizers.LossScaleOptimizer(optimizers.SGD(0.1, momentum=0.9), initial_scale=2.0,
                                           dynamic_growth_steps=3)
    eager_vars, params = [Variable(x) for x in init], [Variable(x) for x in init]
    traced.build(params)
    all_vars = params + traced.variables

    @jax.jit
    def step(values, grads):
        with StateScope(dict(zip(all_vars, values))) as scope:
            traced.apply(grads, params)
        return [scope.get(v, x) for v, x in zip(all_vars, values)]

    values = [v.value for v in all_vars]
    for grads in gradient_stream(rng, 7):
        eager.apply(grads, eager_vars)
        values = step(values, grads)
    assert step._cache_size() == 1
    for v, value in zip(eager_vars + eager.variables, values):
        np.testing.assert_allclose(v.numpy(), value, atol=1e-6)
    assert all(np.isfinite(value).all() for value in values)


def test_scale_loss_and_delegation():
    inner = optimizers.SGD(0.5, loss_scale_factor=3.0)
    opt = optimizers.LossScaleOptimizer(inner, initial_scale=16.0)
    assert inner.loss_scale_factor is None  # the wrapper owns the scaling
    assert float(opt.scale_loss(jnp.asarray(2.0))) == 32.0
    w = Variable(jnp.zeros(2))
    opt.apply([jnp.full(2, 16.0), ], [w])  # the gradient of scale_loss(w.sum()): unscaled to 1
    assert w.numpy().tolist() == [-0.5, -0.5]
    opt.learning_rate = 0.25
    assert float(inner.learning_rate) == 0.25 and float(opt.learning_rate) == 0.25
    assert opt.iterations is inner.iterations


def test_config_round_trip_and_keras_config():
    opt = optimizers.LossScaleOptimizer(optimizers.Adam(0.01), initial_scale=128.0,
                                        dynamic_growth_steps=10)
    config = opt.get_config()
    again = optimizers.LossScaleOptimizer.from_config(config)
    assert again.get_config() == {**config, "name": again.name}
    keras_opt = keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(0.01),
                                                    initial_scale=128.0, dynamic_growth_steps=10)
    from_keras = optimizers.deserialize(keras.optimizers.serialize(keras_opt))
    assert isinstance(from_keras.inner_optimizer, optimizers.Adam)
    assert from_keras.initial_scale == 128.0 and from_keras.dynamic_growth_steps == 10
    assert set(config) == set(keras_opt.get_config())


def test_invalid_arguments():
    with pytest.raises(ValueError, match="dynamic=False"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), dynamic=False)
    with pytest.raises(ValueError, match="set `clipnorm` on the `inner_optimizer`"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), clipnorm=1.0)
    with pytest.raises(TypeError, match="inner_optimizer"):
        optimizers.LossScaleOptimizer("adam")
