"""Learning-rate schedules against Keras: values at many steps, configs, use in optimizers."""

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

from lamina import optimizers
from lamina.core.variable import Variable
from lamina.optimizers import schedules

CASES = [
    ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=7, decay_rate=0.6)),
    ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=7, decay_rate=0.6,
                              staircase=True)),
    ("PiecewiseConstantDecay", dict(boundaries=[5, 20, 21], values=[1.0, 0.5, 0.25, 0.1])),
    ("PolynomialDecay", dict(initial_learning_rate=0.1, decay_steps=30)),
    ("PolynomialDecay", dict(initial_learning_rate=0.1, decay_steps=30, end_learning_rate=0.01,
                             power=2.5, cycle=True)),
    ("InverseTimeDecay", dict(initial_learning_rate=0.1, decay_steps=4, decay_rate=0.3)),
    ("InverseTimeDecay", dict(initial_learning_rate=0.1, decay_steps=4, decay_rate=0.3,
                              staircase=True)),
    ("CosineDecay", dict(initial_learning_rate=0.1, decay_steps=40)),
    ("CosineDecay", dict(initial_learning_rate=0.1, decay_steps=40, alpha=0.2)),
    ("CosineDecay", dict(initial_learning_rate=0.0, decay_steps=40, alpha=0.1,
                         warmup_target=0.3, warmup_steps=10)),
    ("CosineDecayRestarts", dict(initial_learning_rate=0.1, first_decay_steps=10)),
    ("CosineDecayRestarts", dict(initial_learning_rate=0.1, first_decay_steps=7, t_mul=1.0,
                                 m_mul=0.7, alpha=0.1)),
    ("CosineDecayRestarts", dict(initial_learning_rate=0.1, first_decay_steps=5, t_mul=1.5,
                                 m_mul=0.9)),
]
# Every step to 120 (boundaries, staircase edges, restarts at exact multiples), then far ones.
STEPS = np.array(list(range(0, 121)) + [500, 1234, 10**5], np.int32)
IDS = [f"{n}-{'-'.join(k)}" for n, k in CASES]


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_values_match_keras_eager_and_traced(name, kwargs):
    ours = getattr(schedules, name)(**kwargs)
    theirs = getattr(keras.optimizers.schedules, name)(**kwargs)
    if kwargs.get("warmup_target") is None:
        expected = np.array(theirs(jnp.asarray(STEPS)))
    else:  # Keras's `cond` on the step needs vmap to take all steps at once
        expected = np.array(jax.vmap(theirs)(jnp.asarray(STEPS)))
    traced = np.asarray(jax.jit(jax.vmap(ours))(jnp.asarray(STEPS)))
    # On arrays, XLA divides by a constant as a product with its reciprocal, one ulp off at exact
    # multiples (90 / 30 -> 3.0000002), so a Keras ceil or floor can jump a whole step there;
    # ours is exact even compiled. Where the two differ, Keras on the single step is the judge.
    for i in np.flatnonzero(~np.isclose(traced, expected, rtol=1e-5, atol=1e-7)):
        expected[i] = float(theirs(jnp.asarray(STEPS[i])))
    np.testing.assert_allclose(traced, expected, rtol=1e-5, atol=1e-7)
    for s in (0, 13, 500):
        assert float(ours(s)) == pytest.approx(float(theirs(s)), rel=1e-5, abs=1e-7)


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_config_matches_keras_and_round_trips(name, kwargs):
    ours = getattr(schedules, name)(**kwargs)
    theirs = getattr(keras.optimizers.schedules, name)(**kwargs)
    assert ours.get_config() == theirs.get_config()
    assert schedules.serialize(ours) == {**keras.optimizers.schedules.serialize(theirs),
                                         "registered_name": None}
    again = schedules.deserialize(keras.optimizers.schedules.serialize(theirs))
    assert type(again) is type(ours) and again.get_config() == ours.get_config()


def test_optimizer_with_schedule_matches_keras(rng):
    init = [rng.normal(size=s).astype("float32") for s in [(3, 4), (5,)]]
    kwargs = dict(initial_learning_rate=0.0, decay_steps=6, warmup_target=0.1, warmup_steps=3)
    ours = optimizers.Adam(schedules.CosineDecay(**kwargs), weight_decay=0.1)
    theirs = keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(**kwargs),
                                   weight_decay=0.1)
    our_vars, their_vars = [Variable(x) for x in init], [keras.Variable(x) for x in init]
    for _ in range(8):
        grads = [rng.normal(size=x.shape).astype("float32") for x in init]
        ours.apply(grads, our_vars)
        theirs.apply_gradients(zip(grads, their_vars))
        for a, b in zip(our_vars, their_vars):
            np.testing.assert_allclose(a.numpy(), np.asarray(b), atol=1e-5, rtol=1e-5)
        assert float(ours.learning_rate) == pytest.approx(float(theirs.learning_rate), abs=1e-7)


def test_optimizer_config_round_trip_with_schedule():
    schedule = schedules.PiecewiseConstantDecay([3, 6], [0.1, 0.01, 0.001])
    opt = optimizers.SGD(schedule, momentum=0.9)
    config = optimizers.serialize(opt)
    again = optimizers.deserialize(config)
    assert isinstance(again._learning_rate, schedules.PiecewiseConstantDecay)
    assert again.get_config() == {**opt.get_config(), "name": again.name}
    keras_opt = keras.optimizers.SGD(
        keras.optimizers.schedules.PiecewiseConstantDecay([3, 6], [0.1, 0.01, 0.001]))
    from_keras = optimizers.deserialize(keras.optimizers.serialize(keras_opt))
    assert from_keras.get_config()["learning_rate"] == keras_opt.get_config()["learning_rate"]


def test_schedule_survives_compile_and_fit(rng):
    import lamina

    model = lamina.Sequential([lamina.layers.Dense(1, input_dim=3)])
    schedule = schedules.ExponentialDecay(0.05, decay_steps=2, decay_rate=0.5)
    model.compile(optimizer=optimizers.SGD(schedule), loss="mse")
    x, y = rng.normal(size=(32, 3)).astype("float32"), rng.normal(size=(32, 1)).astype("float32")
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 4
    assert float(model.optimizer.learning_rate) == pytest.approx(0.05 * 0.5**2)
    rebuilt = optimizers.deserialize(optimizers.serialize(model.optimizer))
    assert rebuilt._learning_rate.get_config() == schedule.get_config()


def test_custom_schedule_base_and_errors():
    class Linear(schedules.LearningRateSchedule):
        def __init__(self, slope):
            self.slope = slope

        def __call__(self, step):
            return self.slope * jnp.asarray(step, jnp.float32)

        def get_config(self):
            return {"slope": self.slope}

    opt = optimizers.deserialize(optimizers.serialize(optimizers.SGD(Linear(0.5))))
    assert isinstance(opt._learning_rate, Linear) and opt._learning_rate.slope == 0.5
    with pytest.raises(NotImplementedError, match="must override `__call__"):
        schedules.LearningRateSchedule()(0)
    with pytest.raises(NotImplementedError, match="get_config"):
        schedules.LearningRateSchedule().get_config()
    with pytest.raises(ValueError, match="1 less than the length of values"):
        schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match="decay_steps` must be > 0"):
        schedules.CosineDecay(0.1, decay_steps=0)
