"""Variable: a named, mutable box around a ``jax.Array``."""

from __future__ import annotations

import operator

import jax
import jax.numpy as jnp
import numpy as np

from lamina.core import naming
from lamina.core.state import current_scope, lazy_sync


_created = [0]  # how many Variables exist so far: a compiled step that makes new ones must retrace


def created_count():
    """The number of Variables created in this process (grows monotonically)."""
    return _created[0]


class Variable:
    """A named box around an array: a layer weight, a BatchNorm statistic, an optimizer slot.

    Reading ``.value`` gives the current array; ``assign`` replaces it. Inside a traced step the
    read and the write go to the step's state tree instead (see :mod:`lamina.core.state`), so the
    same layer code runs eagerly and compiled.

    Args:
        initializer: an array, or a callable ``(shape, dtype) -> array`` (an initializer).
        shape: needed when ``initializer`` is callable.
        dtype: defaults to the initial value's dtype, or float32.
        trainable: whether gradients flow to it in ``fit``.
        name: short name (``kernel``); ``path`` is ``owner/name`` once a layer owns it.

    >>> v = Variable(jnp.ones((2,)), name="w")
    >>> (v * 3).tolist()
    [3.0, 3.0]
    """

    def __init__(self, initializer, shape=None, dtype=None, trainable=True, name=None):
        if callable(initializer):
            if shape is None:
                raise ValueError(f"Variable {name!r}: an initializer needs a `shape`.")
            with jax.ensure_compile_time_eval():
                value = initializer(tuple(shape), dtype or "float32")
        else:
            value = initializer
        value = jnp.asarray(value, dtype=dtype)
        if isinstance(value, jax.core.Tracer):
            raise ValueError(
                f"Variable {name!r} was given a traced value; create variables in `build` or "
                "`__init__`, not from values computed inside a compiled function."
            )
        self._value = value
        _created[0] += 1
        self.trainable = bool(trainable)
        self.name = name or naming.unique_name("variable")
        self.path = self.name

    # -- value ---------------------------------------------------------------------------------
    @property
    def value(self):
        """The current array (the bound one while a step is being traced)."""
        scope = current_scope()
        if scope is not None:
            return scope.read(self)
        if lazy_sync.pending:
            lazy_sync.flush()
        return self._value

    def assign(self, value):
        """Replaces the value; shape and dtype must stay the same."""
        value = jnp.asarray(value, dtype=self._value.dtype)
        if value.shape != self._value.shape:
            raise ValueError(
                f"Variable '{self.path}': cannot assign a value of shape {value.shape}; "
                f"expected shape {self._value.shape}."
            )
        scope = current_scope()
        if scope is not None:
            scope.write(self, value)
            return
        if lazy_sync.pending:
            lazy_sync.flush()
        self._value = value
        lazy_sync.version += 1

    def assign_add(self, delta):
        self.assign(self.value + delta)

    def assign_sub(self, delta):
        self.assign(self.value - delta)

    def numpy(self):
        """The value as a numpy array."""
        return np.asarray(self.value)

    @property
    def shape(self):
        return tuple(self._value.shape)

    @property
    def dtype(self):
        return self._value.dtype

    @property
    def ndim(self):
        return self._value.ndim

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.value, dtype=dtype)

    def __len__(self):
        return self.shape[0]

    def __repr__(self):
        return f"<Variable path={self.path} shape={self.shape} dtype={self.dtype.name}>"

    def __getitem__(self, index):
        return self.value[index]

    def __iter__(self):
        return iter(self.value)


def _forward(op, reflected=False):
    if reflected:
        return lambda self, other: op(unwrap(other), self.value)
    return lambda self, other: op(self.value, unwrap(other))


for _name, _op in [("add", operator.add), ("sub", operator.sub), ("mul", operator.mul),
                   ("truediv", operator.truediv), ("floordiv", operator.floordiv),
                   ("matmul", operator.matmul), ("pow", operator.pow), ("mod", operator.mod)]:
    setattr(Variable, f"__{_name}__", _forward(_op))
    setattr(Variable, f"__r{_name}__", _forward(_op, reflected=True))
for _name, _op in [("lt", operator.lt), ("le", operator.le), ("gt", operator.gt), ("ge", operator.ge)]:
    setattr(Variable, f"__{_name}__", _forward(_op))
Variable.__neg__ = lambda self: -self.value
Variable.__abs__ = lambda self: abs(self.value)
Variable.T = property(lambda self: self.value.T)


def unwrap(x):
    """``x.value`` for a Variable, ``x`` otherwise: lets ops accept variables and arrays alike."""
    return x.value if isinstance(x, Variable) else x
