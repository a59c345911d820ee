"""Metric: state kept in Variables, updated batch by batch, read out with ``result``."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina.core import config, naming
from lamina.core.state import current_scope
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
        """The state variables, in creation order, then those of metrics held as attributes."""
        out, seen = [], set()
        for variable in self._variables + [v for m in self._sub_metrics() for v in m.variables]:
            if id(variable) not in seen:
                seen.add(id(variable))
                out.append(variable)
        return out

    def _sub_metrics(self):
        """Metrics held in attributes (also inside lists, tuples and dicts), in attribute order."""
        found = []

        def visit(value):
            if isinstance(value, Metric):
                if value is not self and all(value is not m for m in found):
                    found.append(value)
            elif isinstance(value, (list, tuple)):
                for item in value:
                    visit(item)
            elif isinstance(value, dict):
                for item in value.values():
                    visit(item)

        for name, value in vars(self).items():
            if name != "_init_args":
                visit(value)
        return found

    built = True  # metrics whose state shape comes from the data set it False until `build`

    def build(self, y_true_shape, y_pred_shape):
        """Creates state whose shape depends on the data; a no-op for most metrics.

        Called by the first eager ``update_state``; the trainer calls it before tracing.
        """

    def _build_on_first_update(self, y_true, y_pred):
        """Builds from the first batch, which must not be traced: new state cannot join a trace."""
        if self.built:
            return
        traced = any(isinstance(a, jax.core.Tracer) for a in (y_true, y_pred))
        if traced or current_scope() is not None:
            raise RuntimeError(
                f"{type(self).__name__} '{self.name}' creates its state from the shapes of its "
                "first batch, which is being traced here. Call `metric.build(y_true_shape, "
                "y_pred_shape)` (or update it once eagerly) before using it in a compiled "
                "function.")
        self.build(jnp.shape(y_true), jnp.shape(y_pred))

    def update_state(self, *args, **kwargs):
        """Folds one batch into the state."""
        raise NotImplementedError(f"{type(self).__name__} must implement `update_state`.")

    def result(self):
        """The metric value computed from the state."""
        raise NotImplementedError(f"{type(self).__name__} must implement `result`.")

    # -- Keras's stateless forms (for train_step written in Keras's JAX style) -----------------
    def stateless_update_state(self, metric_variables, *args, **kwargs):
        """``update_state`` as a pure function: the new values of :attr:`variables`."""
        from lamina.core.state import StateScope
        with StateScope(dict(zip(self.variables, metric_variables))) as scope:
            self.update_state(*args, **kwargs)
        return [scope.get(v) for v in self.variables]

    def stateless_result(self, metric_variables):
        """``result`` computed from the given variable values."""
        from lamina.core.state import StateScope
        with StateScope(dict(zip(self.variables, metric_variables))):
            return self.result()

    def stateless_reset_state(self):
        """The variables' initial values."""
        from lamina.core.state import StateScope
        with StateScope(dict(zip(self.variables, [v.value for v in self.variables]))) as scope:
            self.reset_state()
        return [scope.get(v) for v in self.variables]

    def reset_state(self):
        """Puts every variable back to its initial value (those of sub-metrics too)."""
        for variable, value in zip(self._variables, self._initial_values):
            variable.assign(value)
        for metric in self._sub_metrics():
            metric.reset_state()

    def merge_state(self, metrics):
        """Adds the state of each metric in ``metrics`` into this one's.

        For metrics of the same kind and configuration, whose state is made of sums (every
        built-in metric): after ``a.merge_state([b])``, ``a.result()`` is what ``a`` would give
        had it also seen ``b``'s batches. Metrics with other state override this method.

        >>> from lamina.metrics import Mean
        >>> a, b = Mean(), Mean()
        >>> a.update_state([1.0, 2.0]); b.update_state([6.0])
        >>> a.merge_state([b]); a.result().item()
        3.0
        """
        own = self.variables
        for other in metrics:
            theirs = other.variables if isinstance(other, Metric) else None
            if theirs is None or [v.shape for v in theirs] != [v.shape for v in own]:
                shapes = None if theirs is None else [v.shape for v in theirs]
                raise ValueError(
                    f"{type(self).__name__} '{self.name}' cannot merge the state of {other!r}: "
                    f"expected a metric with state shapes {[v.shape for v in own]}, received "
                    f"{shapes}. Merge metrics of the same class and configuration (and built).")
            for variable, addend in zip(own, theirs):
                variable.assign(variable.value + addend.value)

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
