"""How stateful layer code becomes a pure function of a state tree.

Layers read and write :class:`~lamina.core.variable.Variable` boxes. While a :class:`StateScope` is
active (only while JAX traces a function), every read returns the value bound in the scope and every
``assign`` is recorded there instead of touching the box. Tracing user code under a scope therefore
turns ``state -> (outputs, new_state)`` into a pure function, and the lookup costs nothing at run time.

Outside any scope, reads and writes go to the boxes. The trainer may hold newer values than the boxes
(it keeps the state on the device between steps); it registers a *pending sync* here, and the first
eager read or write of any variable pulls the newest values back first.
"""

from __future__ import annotations

import threading

_local = threading.local()


def current_scope() -> "StateScope | None":
    """The innermost active :class:`StateScope`, or ``None`` when running eagerly."""
    stack = getattr(_local, "scopes", None)
    return stack[-1] if stack else None


class StateScope:
    """Binds variables to values for the duration of a ``with`` block.

    Reads of variables not bound here fall through to the enclosing scope, then to the box.
    Writes are always recorded in this scope; :meth:`written` lists them.

    >>> import lamina, jax.numpy as jnp
    >>> v = lamina.Variable(jnp.zeros(2))
    >>> with StateScope({v: jnp.ones(2)}) as scope:
    ...     v.assign(v.value + 1)
    >>> scope.get(v).tolist(), v.numpy().tolist()
    ([2.0, 2.0], [0.0, 0.0])
    """

    def __init__(self, bindings=None):
        self._values = {}
        self._vars = {}
        self._written = []
        self._written_ids = set()
        self.parent = None
        for var, value in (bindings or {}).items():
            self._values[id(var)] = value
            self._vars[id(var)] = var

    def __enter__(self):
        stack = getattr(_local, "scopes", None)
        if stack is None:
            stack = _local.scopes = []
        self.parent = stack[-1] if stack else None
        stack.append(self)
        return self

    def __exit__(self, *exc):
        _local.scopes.pop()
        return False

    def read(self, var):
        scope = self
        while scope is not None:
            value = scope._values.get(id(var))
            if value is not None:
                return value
            scope = scope.parent
        return var._value

    def write(self, var, value):
        key = id(var)
        if key not in self._written_ids:
            self._written_ids.add(key)
            self._written.append(var)
        self._values[key] = value
        self._vars[key] = var

    def get(self, var, default=None):
        """The value bound or written here for ``var`` (not looking at enclosing scopes)."""
        return self._values.get(id(var), default)

    def written(self):
        """Variables assigned inside this scope, in first-assignment order."""
        return list(self._written)


class _LazySync:
    """The trainer's promise to write device-held state back into the boxes on demand."""

    def __init__(self):
        self.pending = {}  # owner id -> zero-argument callable that writes its newer values back
        self.version = 0  # bumped by every eager assign, so holders of packed copies know

    def defer(self, owner, write_back):
        """Registers ``write_back`` to run before the next eager read or write of any variable."""
        self.pending[id(owner)] = write_back

    def flush(self):
        if not self.pending:
            return
        import jax

        with jax.ensure_compile_time_eval():  # a flush may happen while some function is traced
            while self.pending:
                _, write_back = self.pending.popitem()
                write_back()


lazy_sync = _LazySync()
