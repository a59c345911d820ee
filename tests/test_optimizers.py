"""Optimizers against Keras (the oracle), step by step, eagerly and under jit."""

import jax
import jax.numpy as jnp
import keras
import numpy as np
import optax
import pytest

from lamina import optimizers
from lamina.core.state import StateScope
from lamina.core.variable import Variable

SHAPES = [(3, 4), (5,)]
CASES = [
    ("SGD", {}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"learning_rate": 0.1, "weight_decay": 0.05}),
    ("Adam", {}),
    ("Adam", {"learning_rate": 0.05, "amsgrad": True}),
    # A large epsilon tells Keras's placement of epsilon from optax's.
    ("Adam", {"learning_rate": 0.05, "epsilon": 0.1, "beta_1": 0.5}),
    ("Adam", {"learning_rate": 0.05, "clipnorm": 0.5}),
    ("Adam", {"learning_rate": 0.05, "clipvalue": 0.1}),
    ("Adam", {"learning_rate": 0.05, "global_clipnorm": 0.5}),
    ("AdamW", {}),
    ("AdamW", {"learning_rate": 0.05, "weight_decay": 0.1, "amsgrad": True}),
    ("RMSprop", {}),
    ("RMSprop", {"learning_rate": 0.01, "momentum": 0.5, "epsilon": 0.1, "rho": 0.5}),
    ("RMSprop", {"learning_rate": 0.01, "centered": True}),
    ("RMSprop", {"learning_rate": 0.01, "centered": True, "momentum": 0.9, "clipnorm": 1.0}),
    ("Adagrad", {}),
    ("Adagrad", {"learning_rate": 0.1, "initial_accumulator_value": 0.5, "epsilon": 0.1,
                 "global_clipnorm": 1.0}),
    ("Adamax", {}),
    ("Adamax", {"learning_rate": 0.05, "beta_1": 0.5, "epsilon": 0.1, "clipnorm": 1.0}),
    ("Nadam", {}),
    ("Nadam", {"learning_rate": 0.05, "beta_1": 0.5, "epsilon": 0.1, "weight_decay": 0.1}),
    ("Adadelta", {}),
    ("Adadelta", {"learning_rate": 1.0, "rho": 0.5, "epsilon": 1e-3}),
    ("Adafactor", {}),  # a matrix (factored second moment) and a vector (not factored)
    ("Adafactor", {"learning_rate": 0.05, "beta_2_decay": -0.5, "epsilon_2": 0.1,
                   "clip_threshold": 0.5, "weight_decay": 0.05}),
    ("Ftrl", {}),
    ("Ftrl", {"learning_rate": 0.1, "learning_rate_power": -0.3, "initial_accumulator_value": 0.5,
              "l1_regularization_strength": 0.05, "l2_regularization_strength": 0.1,
              "l2_shrinkage_regularization_strength": 0.05, "beta": 0.2}),
    ("Lion", {}),
    ("Lion", {"learning_rate": 0.05, "beta_1": 0.5, "beta_2": 0.9, "clipvalue": 0.5}),
    ("Lamb", {}),
    ("Lamb", {"learning_rate": 0.05, "beta_1": 0.5, "epsilon": 0.1, "weight_decay": 0.1}),
]
NAMES = ["SGD", "Adam", "AdamW", "Adamax", "Nadam", "RMSprop", "Adagrad", "Adadelta", "Adafactor",
         "Ftrl", "Lion", "Lamb"]


def make_data(rng, steps=5):
    init = [rng.normal(size=s).astype("float32") for s in SHAPES]
    grads = [[rng.normal(size=s).astype("float32") for s in SHAPES] for _ in range(steps)]
    return init, grads


def run_both(name, kwargs, rng, between_steps=None, steps=5, with_state=False):
    """Runs lamina and Keras side by side; yields both variable lists after every step (with
    ``with_state``, followed by the optimizers' variables, in order)."""
    init, grads = make_data(rng, steps)
    ours, theirs = getattr(optimizers, name)(**kwargs), getattr(keras.optimizers, name)(**kwargs)
    our_vars = [Variable(x) for x in init]
    their_vars = [keras.Variable(x) for x in init]
    for step, g in enumerate(grads):
        if between_steps:
            between_steps(step, ours, theirs)
        ours.apply([jnp.asarray(x) for x in g], our_vars)
        theirs.apply_gradients(zip(g, their_vars))
        extra = (ours.variables, theirs.variables) if with_state else ([], [])
        yield ([v.numpy() for v in our_vars + extra[0]],
               [np.asarray(v) for v in their_vars + extra[1]])


def assert_all_close(ours, theirs, tol=1e-5):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, atol=tol, rtol=tol)


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{'-'.join(k)}" for n, k in CASES])
def test_matches_keras(name, kwargs, rng):
    """Weights and every optimizer variable (slots in Keras's order) after each of 5 steps."""
    for ours, theirs in run_both(name, kwargs, rng, with_state=True):
        assert_all_close(ours, theirs)


@pytest.mark.parametrize("name,kwargs", [("SGD", {"momentum": 0.9}), ("Adam", {}),
                                         ("RMSprop", {"momentum": 0.5}), ("AdamW", {}),
                                         ("Nadam", {}), ("Ftrl", {"beta": 0.1}),
                                         ("Adafactor", {})])
def test_learning_rate_change_matches_keras(name, kwargs, rng):
    def change(step, ours, theirs):
        if step in (2, 4):
            ours.learning_rate = theirs.learning_rate = 0.05 * step
    for ours, theirs in run_both(name, kwargs, rng, between_steps=change):
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-5)


def test_schedule_is_evaluated_on_iterations(rng):
    init, grads = make_data(rng)
    ours = optimizers.SGD(optax.exponential_decay(0.1, transition_steps=1, decay_rate=0.5))
    theirs = keras.optimizers.SGD(keras.optimizers.schedules.ExponentialDecay(0.1, 1, 0.5))
    our_vars, their_vars = [Variable(x) for x in init], [keras.Variable(x) for x in init]
    for g in grads:
        ours.apply(g, our_vars)
        theirs.apply_gradients(zip(g, their_vars))
    np.testing.assert_allclose(our_vars[0].numpy(), np.asarray(their_vars[0]), atol=1e-6)
    assert float(ours.learning_rate) == pytest.approx(0.1 * 0.5**5)
    assert len(ours.variables) == 1  # only iterations: a schedule needs no learning-rate Variable
    with pytest.raises(TypeError, match="schedule"):
        ours.learning_rate = 0.1


@pytest.mark.parametrize("name,kwargs", [("Adam", {"amsgrad": True, "clipnorm": 1.0}),
                                         ("SGD", {"momentum": 0.9, "weight_decay": 0.1}),
                                         ("RMSprop", {"centered": True, "momentum": 0.5}),
                                         ("Nadam", {"use_ema": True}),
                                         ("Adafactor", {"gradient_accumulation_steps": 2}),
                                         ("Lamb", {"global_clipnorm": 1.0})])
def test_apply_under_jit_matches_eager(name, kwargs, rng):
    init, grads = make_data(rng, steps=3)
    eager, traced = getattr(optimizers, name)(**kwargs), getattr(optimizers, name)(**kwargs)
    eager_vars, params = [Variable(x) for x in init], [Variable(x) for x in init]
    traced.build(params)
    all_vars = params + traced.variables

    @jax.jit
    def step(values, g):
        with StateScope(dict(zip(all_vars, values))) as scope:
            traced.apply(g, params)
        return [scope.get(v) for v in all_vars]

    values = [v.value for v in all_vars]
    for g in grads:
        eager.apply(g, eager_vars)
        values = step(values, g)
        traced.learning_rate = 0.5 * float(traced.learning_rate)  # must not force a retrace...
        eager.learning_rate = 0.5 * float(eager.learning_rate)
        values[len(params) + 1] = traced.learning_rate  # ...the new value travels in the state
    assert step._cache_size() == 1
    for v, value in zip(eager_vars, values):
        np.testing.assert_allclose(v.numpy(), value, atol=1e-6)
    assert int(values[len(params)]) == 3  # iterations, stepped inside the compiled function
    assert int(np.asarray(traced.iterations)) == 0  # the boxes themselves were not touched


def test_stateless_apply_matches_apply(rng):
    init, grads = make_data(rng, steps=1)
    a, b = optimizers.Adam(0.1), optimizers.Adam(0.1)
    va, vb = [Variable(x) for x in init], [Variable(x) for x in init]
    a.apply(grads[0], va)
    b.build(vb)
    new_params, new_opt = b.stateless_apply([v.value for v in b.variables], grads[0],
                                            [v.value for v in vb])
    for v, value in zip(va + a.variables, new_params + new_opt):
        np.testing.assert_allclose(v.numpy(), value, atol=1e-6)
    assert int(b.iterations.numpy()) == 0


def test_variables_names_and_none_gradients():
    w, b = Variable(jnp.ones((2, 2)), name="kernel"), Variable(jnp.ones(2), name="bias")
    opt = optimizers.Adam(name="adam")
    opt.apply([jnp.ones((2, 2)), None], [w, b])
    assert [v.path for v in opt.variables] == [
        "adam/iteration", "adam/learning_rate", "adam/kernel_momentum", "adam/kernel_velocity",
        "adam/bias_momentum", "adam/bias_velocity"]
    assert b.numpy().tolist() == [1.0, 1.0] and w.numpy()[0, 0] < 1.0
    with pytest.raises(ValueError, match="unknown variable"):
        opt.apply([jnp.ones(2)], [Variable(jnp.ones(2), name="stranger")])
    with pytest.raises(ValueError, match="No gradients"):
        opt.apply([None, None], [w, b])


def test_weight_decay_exclusion():
    w, b = Variable(jnp.ones(2), name="kernel"), Variable(jnp.ones(2), name="bias")
    opt = optimizers.SGD(0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_names=["bias"])
    opt.apply([jnp.zeros(2), jnp.zeros(2)], [w, b])
    assert w.numpy().tolist() == pytest.approx([0.95, 0.95]) and b.numpy().tolist() == [1.0, 1.0]


def test_get():
    for name in NAMES:
        cls = getattr(optimizers, name)
        for identifier in (name, name.lower(), name.upper(), cls):
            assert type(optimizers.get(identifier)) is cls
    opt = optimizers.Adam()
    assert optimizers.get(opt) is opt and optimizers.get(None) is None
    assert type(optimizers.get(optimizers.serialize(opt))) is optimizers.Adam
    with pytest.raises(ValueError, match="'adam'.*'sgd'"):
        optimizers.get("adamm")
    with pytest.raises(ValueError, match="Could not interpret"):
        optimizers.get(3)


@pytest.mark.parametrize("name", NAMES)
def test_config_round_trip_and_keras_keys(name):
    opt = getattr(optimizers, name)(learning_rate=0.25, clipnorm=1.0)
    config = opt.get_config()
    assert type(opt).from_config(config).get_config() == config
    keras_opt = getattr(keras.optimizers, name)(learning_rate=0.25, clipnorm=1.0)
    assert set(config) == set(keras_opt.get_config())
    from_keras = optimizers.deserialize(keras.optimizers.serialize(keras_opt))
    assert {k: v for k, v in from_keras.get_config().items() if k != "name"} == {
        k: v for k, v in keras_opt.get_config().items() if k != "name"}


def test_invalid_arguments():
    with pytest.raises(ValueError, match="ema_momentum"):
        optimizers.Adam(use_ema=True, ema_momentum=1.5)
    with pytest.raises(ValueError, match="ema_overwrite_frequency"):
        optimizers.Adam(use_ema=True, ema_overwrite_frequency=0.5)
    with pytest.raises(ValueError, match="gradient_accumulation_steps"):
        optimizers.SGD(gradient_accumulation_steps=1)
    with pytest.raises(ValueError, match="beta_1"):
        optimizers.Lion(beta_1=0.0)
    with pytest.raises(ValueError, match="learning_rate_power"):
        optimizers.Ftrl(learning_rate_power=0.5)
    with pytest.raises(ValueError, match="l1_regularization_strength"):
        optimizers.Ftrl(l1_regularization_strength=-1.0)
    with pytest.raises(ValueError, match="Only one of"):
        optimizers.SGD(clipnorm=1.0, clipvalue=1.0)
    with pytest.raises(ValueError, match="not recognized"):
        optimizers.SGD(momentun=0.9)
    with pytest.raises(ValueError, match="learning_rate"):
        optimizers.SGD(learning_rate="fast")


def test_optax_transformation_is_wrapped_as_is(rng):
    init, grads = make_data(rng, steps=3)
    opt = optimizers.get(optax.adam(0.01))
    assert isinstance(opt, optimizers.OptaxOptimizer) and opt.learning_rate is None
    variables, params = [Variable(x) for x in init], [jnp.asarray(x) for x in init]
    tx = optax.adam(0.01)
    state = tx.init(params)
    for g in grads:
        opt.apply(g, variables)
        updates, state = tx.update(g, state, params)
        params = optax.apply_updates(params, updates)
    for v, p in zip(variables, params):
        np.testing.assert_allclose(v.numpy(), p, atol=1e-6)
    with pytest.raises(TypeError, match="inject_hyperparams"):
        opt.learning_rate = 0.1
