"""use_ema, gradient_accumulation_steps and loss_scale_factor against Keras, step by step."""

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

from lamina import optimizers
from lamina.core.state import StateScope
from lamina.core.variable import Variable
from lamina.optimizers import schedules

SHAPES = [(3, 4), (5,)]


def run_pair(ours, theirs, rng, steps=4):
    """Applies the same random gradients with both optimizers; after every step, asserts that
    the weights and every optimizer variable (in order) agree. Returns both weight lists."""
    init = [rng.normal(size=s).astype("float32") for s in SHAPES]
    our_vars, their_vars = [Variable(x) for x in init], [keras.Variable(x) for x in init]
    for _ in range(steps):
        grads = [rng.normal(size=s).astype("float32") for s in SHAPES]
        ours.apply([jnp.asarray(g) for g in grads], our_vars)
        theirs.apply_gradients(zip(grads, their_vars))
        a = [v.numpy() for v in our_vars + ours.variables]
        b = [np.asarray(v) for v in their_vars + theirs.variables]
        assert [x.shape for x in a] == [x.shape for x in b]
        for x, y in zip(a, b):
            np.testing.assert_allclose(x, y, atol=1e-5, rtol=1e-5)
        assert int(np.asarray(ours.iterations)) == int(np.asarray(theirs.iterations))
    return our_vars, their_vars


CASES = [
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "use_ema": True, "ema_momentum": 0.5}),
    ("Adam", {"learning_rate": 0.05, "use_ema": True, "ema_overwrite_frequency": 2}),
    ("Adam", {"learning_rate": 0.05, "gradient_accumulation_steps": 2}),
    # Nadam's shared running product must be left alone on the steps that only accumulate.
    ("Nadam", {"learning_rate": 0.05, "gradient_accumulation_steps": 3, "clipnorm": 0.5}),
    ("AdamW", {"learning_rate": 0.05, "weight_decay": 0.1, "gradient_accumulation_steps": 2,
               "use_ema": True, "ema_momentum": 0.8, "ema_overwrite_frequency": 2}),
    ("Lamb", {"learning_rate": 0.05, "gradient_accumulation_steps": 2, "use_ema": True}),
    ("SGD", {"learning_rate": 0.1, "loss_scale_factor": 4.0}),
]


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{'-'.join(k)}" for n, k in CASES])
def test_matches_keras(name, kwargs, rng):
    ours, theirs = getattr(optimizers, name)(**kwargs), getattr(keras.optimizers, name)(**kwargs)
    our_vars, their_vars = run_pair(ours, theirs, rng)
    ours.finalize_variable_values(our_vars)
    theirs.finalize_variable_values(their_vars)
    for a, b in zip(our_vars, their_vars):
        np.testing.assert_allclose(a.numpy(), np.asarray(b), atol=1e-5, rtol=1e-5)


def test_schedule_sees_every_step_while_accumulating(rng):
    ours = optimizers.SGD(schedules.ExponentialDecay(0.1, 1, 0.8), momentum=0.5,
                          gradient_accumulation_steps=2)
    theirs = keras.optimizers.SGD(keras.optimizers.schedules.ExponentialDecay(0.1, 1, 0.8),
                                  momentum=0.5, gradient_accumulation_steps=2)
    run_pair(ours, theirs, rng, steps=5)
    assert float(ours.learning_rate) == pytest.approx(0.1 * 0.8**5)


def test_accumulation_and_ema_under_jit_compile_once(rng):
    """The step counter decides with jnp.where: one compiled step serves every call."""
    init = [rng.normal(size=s).astype("float32") for s in SHAPES]
    grads = [[rng.normal(size=s).astype("float32") for s in SHAPES] for _ in range(5)]
    kwargs = {"learning_rate": 0.05, "gradient_accumulation_steps": 2, "use_ema": True,
              "ema_overwrite_frequency": 2}
    eager, traced = optimizers.Adam(**kwargs), optimizers.Adam(**kwargs)
    eager_vars, params = [Variable(x) for x in init], [Variable(x) for x in init]
    traced.build(params)
    all_vars = params + traced.variables

    @jax.jit
    def step(values, g):
        with StateScope(dict(zip(all_vars, values))) as scope:
            traced.apply(g, params)
        return [scope.get(v, x) for v, x in zip(all_vars, values)]

    values = [v.value for v in all_vars]
    for g in grads:
        eager.apply(g, eager_vars)
        values = step(values, g)
    assert step._cache_size() == 1
    for v, value in zip(eager_vars + eager.variables, values):
        np.testing.assert_allclose(v.numpy(), value, atol=1e-6)
    # Steps 2 and 4 updated, step 5 only accumulated: the weights moved twice.
    assert not np.allclose(values[0], init[0]) and int(values[len(params)]) == 5


def test_accumulation_leaves_weights_until_the_nth_step():
    w = Variable(jnp.zeros(2))
    opt = optimizers.SGD(1.0, gradient_accumulation_steps=3)
    for g in (1.0, 2.0):
        opt.apply([jnp.full(2, g)], [w])
        assert w.numpy().tolist() == [0.0, 0.0]
    opt.apply([jnp.full(2, 6.0)], [w])
    assert w.numpy().tolist() == [-3.0, -3.0]  # the mean of 1, 2 and 6
    assert int(opt.iterations) == 1 and int(opt._iterations.numpy()) == 3


def test_ema_names_finalize_and_errors():
    w = Variable(jnp.zeros(2), name="kernel")
    opt = optimizers.SGD(1.0, use_ema=True, gradient_accumulation_steps=2, name="sgd")
    opt.apply([jnp.ones(2)], [w])
    assert [v.path for v in opt.variables] == [
        "sgd/iteration", "sgd/learning_rate", "sgd/kernel_average",
        "sgd/kernel_gradient_accumulator"]
    with pytest.raises(ValueError, match="received 2 variables"):
        opt.finalize_variable_values([w, w])
    opt.finalize_variable_values([w])  # no EMA step taken yet beyond the first: average == w
    assert w.numpy().tolist() == [0.0, 0.0]


def test_loss_scale_factor_scales_the_loss():
    opt = optimizers.SGD(loss_scale_factor=8.0)
    assert float(opt.scale_loss(jnp.asarray(2.0))) == 16.0
    assert float(optimizers.SGD().scale_loss(jnp.asarray(2.0))) == 2.0
