"""Metric: state kept in Variables, updated batch by batch, read out with ``result``."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina.core import config, naming
from lamina.core.variable import Variable

_SIMPLE_INITIALIZERS = {"zeros": jnp.zeros, "ones": jnp.ones}


def _initial_value(initializer, shape, dtype):
    if isinstance(initializer, str):
        if initializer in _SIMPLE_INITIALIZERS:
            return _SIMPLE_INITIALIZERS[initializer](shape, dtype)
        from lamina import initializers  # imported late: only exotic metric state needs it

        initializer = initializers.get(initializer)
    if callable(initializer):
        return jnp.asarray(initializer(shape, dtype), dtype)
    return jnp.broadcast_to(jnp.asarray(initializer, dtype), shape)


class Metric:
    """Base class: create state with ``add_variable``, then write ``update_state`` and ``result``.

    The three methods must be plain ``jax.numpy`` code that reads variables through ``.value``
    and writes them through ``.assign``: the trainer traces them inside its compiled step, with
    every variable bound to a traced value.

    >>> class Count(Metric):
    ...     def __init__(self, name="count"):
    ...         super().__init__(name=name)
    ...         self.n = self.add_variable((), name="n")
    ...     def update_state(self, values):
    ...         self.n.assign(self.n.value + jnp.size(values))
    ...     def result(self):
    ...         return self.n.value
    >>> m = Count()
    >>> m([1, 2, 3]).item(), m.variables[0].path
    (3.0, 'count/n')
    >>> m.reset_state(); m.result().item()
    0.0
    """

    _lamina_state_holder = True  # a model that holds a metric carries its variables as state
    _is_metric = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        config.capture_init(cls)

    def __init__(self, name=None, dtype=None):
        self.name = name or naming.unique_name(naming.to_snake_case(type(self).__name__))
        self.dtype = jnp.dtype(dtype or "float32").name
        self._variables = []
        self._initial_values = []

    def add_variable(self, shape, initializer="zeros", dtype=None, name=None):
        """A non-trainable Variable at ``<metric name>/<name>``, restored by ``reset_state``."""
        if not hasattr(self, "_variables"):
            raise RuntimeError(
                f"{type(self).__name__}: call `super().__init__()` before `add_variable`.")
        shape, dtype = tuple(shape), dtype or self.dtype
        with jax.ensure_compile_time_eval():
            value = _initial_value(initializer, shape, dtype)
        variable = Variable(value, dtype=dtype, trainable=False, name=name)
        variable.path = f"{self.name}/{variable.name}"
        self._variables.append(variable)
        self._initial_values.append(value)
        return variable

    def add_weight(self, shape=(), initializer="zeros", dtype=None, name=None):
        """:meth:`add_variable` with a scalar default shape, as older Keras code calls it."""
        return self.add_variable(shape, initializer, dtype, name)

    @property
    def variables(self):
        """The state variables, in creation order."""
        return list(self._variables)

    def update_state(self, *args, **kwargs):
        """Folds one batch into the state."""
        raise NotImplementedError(f"{type(self).__name__} must implement `update_state`.")

    def result(self):
        """The metric value computed from the state."""
        raise NotImplementedError(f"{type(self).__name__} must implement `result`.")

    def reset_state(self):
        """Puts every variable back to its initial value."""
        for variable, value in zip(self._variables, self._initial_values):
            variable.assign(value)

    def __call__(self, *args, **kwargs):
        """``update_state`` with the arguments, then ``result()``."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        """``name``, ``dtype`` and the other constructor arguments."""
        args = dict(getattr(self, "_init_args", {}))
        args.update(name=self.name, dtype=self.dtype)
        return {k: config.serialize(v, k) for k, v in args.items()}

    @classmethod
    def from_config(cls, cfg):
        """Builds the metric from :meth:`get_config` output."""
        return cls(**cfg)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"
