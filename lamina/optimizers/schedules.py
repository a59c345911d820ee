"""Learning-rate schedules (``keras.optimizers.schedules``): objects mapping a step to a rate.

An optimizer calls its schedule on its step counter (an int array, traced inside a compiled
step), so every schedule here is written with ``jax.numpy`` and no Python branching on the step.
Any ``callable(step)`` works as a ``learning_rate`` too; these classes add Keras's names, configs
and serialization. Values are computed in float32.
"""

import math

import jax.numpy as jnp

from lamina.core import config as config_lib


class LearningRateSchedule:
    """Base class: subclasses implement ``__call__(step)`` and ``get_config()``.

    Subclasses are registered by class name, so an optimizer holding one survives a config round
    trip.

    >>> class Halving(LearningRateSchedule):
    ...     def __init__(self, rate):
    ...         self.rate = rate
    ...     def __call__(self, step):
    ...         return self.rate * 0.5 ** (step // 10)
    ...     def get_config(self):
    ...         return {"rate": self.rate}
    >>> float(Halving.from_config(Halving(1.0).get_config())(25))
    0.25
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        config_lib.register(cls)

    def __call__(self, step):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must override "
                                  "`__call__(self, step)`.")

    def get_config(self):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must override "
                                  "`get_config()` in order to be serializable.")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _f32(x):
    return jnp.asarray(x, jnp.float32)


def _floor_ratio(x, d):
    """``floor(x / d)``, exact at multiples of ``d``: compiled, XLA may compute ``x / d`` as
    ``x * (1 / d)``, one ulp off (``90 / 30 -> 3.0000002``), which would shift a staircase step."""
    q = jnp.floor(x / d)
    return q + ((q + 1) * d <= x) - (q * d > x)


def _check_positive(owner, arg, value):
    if value <= 0:
        raise ValueError(f"{owner}: argument `{arg}` must be > 0. Received: {arg}={value}")


class ExponentialDecay(LearningRateSchedule):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)``; with ``staircase``, the
    exponent is rounded down (the rate drops every ``decay_steps`` steps).

    >>> float(ExponentialDecay(1.0, decay_steps=10, decay_rate=0.5, staircase=True)(25))
    0.25
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        _check_positive("ExponentialDecay", "decay_steps", decay_steps)
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase, self.name = decay_rate, staircase, name

    def __call__(self, step):
        step, decay_steps = _f32(step), _f32(self.decay_steps)
        p = _floor_ratio(step, decay_steps) if self.staircase else step / decay_steps
        return _f32(self.initial_learning_rate) * _f32(self.decay_rate) ** p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` up to ``boundaries[0]`` (inclusive), ``values[1]`` up to ``boundaries[1]``,
    ..., ``values[-1]`` after the last boundary.

    >>> schedule = PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
    >>> [float(schedule(s)) for s in (10, 11, 21)]
    [1.0, 0.5, 0.10000000149011612]
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "PiecewiseConstantDecay: the length of boundaries should be 1 less than the "
                f"length of values. Received: boundaries={boundaries} of length {len(boundaries)}, "
                f"and values={values} of length {len(values)}.")
        self.boundaries, self.values, self.name = boundaries, values, name

    def __call__(self, step):
        step = jnp.asarray(step)
        boundaries = jnp.asarray(self.boundaries).astype(step.dtype)
        return jnp.asarray(self.values)[jnp.sum(step > boundaries)]

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """From ``initial_learning_rate`` to ``end_learning_rate`` over ``decay_steps`` steps along
    ``(1 - step / decay_steps) ** power``, then constant; with ``cycle``, the decay restarts over
    the next multiple of ``decay_steps`` instead.

    >>> float(PolynomialDecay(1.0, decay_steps=10, end_learning_rate=0.0)(5))
    0.5
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        _check_positive("PolynomialDecay", "decay_steps", decay_steps)
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.end_learning_rate, self.power = end_learning_rate, power
        self.cycle, self.name = cycle, name

    def __call__(self, step):
        step, decay_steps = _f32(step), _f32(self.decay_steps)
        if self.cycle:
            cycles = -_floor_ratio(-step, decay_steps)  # ceil(step / decay_steps)
            decay_steps = decay_steps * jnp.where(step == 0, 1.0, cycles)
        else:
            step = jnp.minimum(step, decay_steps)
        initial, end = _f32(self.initial_learning_rate), _f32(self.end_learning_rate)
        return (initial - end) * (1 - step / decay_steps) ** _f32(self.power) + end

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)``; with ``staircase``, the
    ratio ``step / decay_steps`` is rounded down.

    >>> float(InverseTimeDecay(1.0, decay_steps=10, decay_rate=0.5)(20))
    0.5
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        _check_positive("InverseTimeDecay", "decay_steps", decay_steps)
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase, self.name = decay_rate, staircase, name

    def __call__(self, step):
        step, decay_steps = _f32(step), _f32(self.decay_steps)
        p = _floor_ratio(step, decay_steps) if self.staircase else step / decay_steps
        return _f32(self.initial_learning_rate) / (1 + _f32(self.decay_rate) * p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


def _cosine(fraction, alpha):
    """Half a cosine from 1 down to ``alpha`` as ``fraction`` goes from 0 to 1."""
    return (1 - alpha) * (0.5 * (1.0 + jnp.cos(math.pi * fraction))) + alpha


class CosineDecay(LearningRateSchedule):
    """Cosine decay from the initial (or, with warmup, the ``warmup_target``) rate down to
    ``alpha`` times it over ``decay_steps`` steps. With ``warmup_target``, the rate first rises
    linearly from ``initial_learning_rate`` to ``warmup_target`` over ``warmup_steps`` steps.

    >>> schedule = CosineDecay(0.0, decay_steps=10, warmup_target=1.0, warmup_steps=4)
    >>> [round(float(schedule(s)), 3) for s in (2, 4, 9, 14, 20)]
    [0.5, 1.0, 0.5, 0.0, 0.0]
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        _check_positive("CosineDecay", "decay_steps", decay_steps)
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.alpha, self.name = alpha, name
        self.warmup_target, self.warmup_steps = warmup_target, warmup_steps

    def __call__(self, step):
        step, decay_steps = _f32(step), _f32(self.decay_steps)
        initial = _f32(self.initial_learning_rate)
        if self.warmup_target is None:
            return initial * _cosine(jnp.minimum(step, decay_steps) / decay_steps, self.alpha)
        target, warmup_steps = _f32(self.warmup_target), _f32(self.warmup_steps)
        step = jnp.minimum(step, decay_steps + warmup_steps)
        warming = (target - initial) * (step / warmup_steps) + initial
        decaying = target * _cosine((step - warmup_steps) / decay_steps, self.alpha)
        return jnp.where(step < warmup_steps, warming, decaying)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): the first period lasts ``first_decay_steps``
    steps, each next one ``t_mul`` times longer and starting ``m_mul`` times lower.

    >>> schedule = CosineDecayRestarts(1.0, first_decay_steps=10, t_mul=1.0, m_mul=0.5)
    >>> [round(float(schedule(s)), 3) for s in (0, 5, 10, 15)]
    [1.0, 0.5, 0.5, 0.25]
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
                 name="SGDRDecay"):
        _check_positive("CosineDecayRestarts", "first_decay_steps", first_decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul, self._m_mul, self.alpha, self.name = t_mul, m_mul, alpha, name

    def __call__(self, step):
        step, first = _f32(step), _f32(self.first_decay_steps)
        fraction, t_mul = step / first, _f32(self._t_mul)
        if self._t_mul == 1.0:
            restart = _floor_ratio(step, first)
            fraction = (step - restart * first) / first
        else:  # periods grow geometrically: find the restart from the sum of the series
            restart = jnp.floor(jnp.log(1.0 - fraction * (1.0 - t_mul)) / jnp.log(t_mul))
            done = (1.0 - t_mul**restart) / (1.0 - t_mul)
            fraction = (fraction - done) / t_mul**restart
        alpha = _f32(self.alpha)
        cosine = 0.5 * _f32(self._m_mul) ** restart * (1.0 + jnp.cos(math.pi * fraction))
        return _f32(self.initial_learning_rate) * ((1 - alpha) * cosine + alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


def serialize(learning_rate_schedule):
    """A schedule as a Keras-style config dict (``{"class_name": ..., "config": ...}``)."""
    return config_lib.serialize(learning_rate_schedule, "learning_rate_schedule")


def deserialize(config, custom_objects=None):
    """The schedule described by a ``serialize`` dict; ``custom_objects`` maps other names."""
    cls = (custom_objects or {}).get(config.get("class_name"))
    if cls is not None:
        return cls.from_config(config["config"])
    return config_lib.deserialize(config)
