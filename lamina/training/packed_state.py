"""The model's state on the device, packed into one flat buffer per dtype.

A compiled call costs more the more arrays it takes (about 4 us for one, 38 us for 19 donated
leaves on a 2-core CPU), so the trainer, ``predict`` and eager ``model(x)`` all pass the state as a
handful of flat buffers and slice them apart inside the compiled program, where it is free.

The buffers are the newest copy of the state while they exist. The boxes (Variables) are brought
up to date lazily, on the first eager read (see :mod:`lamina.core.state`); any eager ``assign``
makes the buffers stale, and they are packed again before the next compiled call.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from lamina.core.state import StateScope, lazy_sync


class PackedState:
    """Variables packed as ``{dtype: 1-D buffer}``; builds pure functions over the buffers.

    >>> import lamina
    >>> a, b = lamina.Variable(jnp.ones((2, 2))), lamina.Variable(jnp.zeros(3))
    >>> store = PackedState([a, b])
    >>> pure = store.pure(lambda: a.assign(a.value * 2))
    >>> _, new_buffers = pure(store.buffers)
    >>> store.update(new_buffers)
    >>> a.numpy().tolist()
    [[2.0, 2.0], [2.0, 2.0]]
    """

    def __init__(self, variables):
        self.variables = list(variables)
        self.ids = {id(v): i for i, v in enumerate(self.variables)}
        self._slots = []  # (dtype name, offset, size, shape) per variable
        sizes = {}
        for v in self.variables:
            size = math.prod(v.shape)
            key = np.dtype(v.dtype).name
            self._slots.append((key, sizes.get(key, 0), size, v.shape))
            sizes[key] = sizes.get(key, 0) + size
        self._pack = jax.jit(self.pack)
        self._unpack = jax.jit(self.unpack)
        self.refresh()

    def refresh(self):
        """Packs the Variables' current values again (after an eager assign made them newer)."""
        lazy_sync.flush()
        self.buffers = self._pack([v._value for v in self.variables])
        self.version = lazy_sync.version
        self.written_back = True

    def covers(self, variables):
        return all(id(v) in self.ids for v in variables)

    def pack(self, values):
        """Values in ``variables`` order -> ``{dtype: flat buffer}`` (traceable)."""
        groups = {}
        for (key, _, _, _), value in zip(self._slots, values):
            groups.setdefault(key, []).append(jnp.ravel(value))
        return {key: jnp.concatenate(parts) for key, parts in groups.items()}

    def unpack(self, buffers):
        """``{dtype: flat buffer}`` -> values in ``variables`` order (traceable)."""
        return [jax.lax.dynamic_slice_in_dim(buffers[key], offset, size).reshape(shape)
                for key, offset, size, shape in self._slots]

    def is_fresh(self):
        """False once any variable was assigned eagerly after packing."""
        return self.version == lazy_sync.version

    def pure(self, fn, returns_state=True):
        """``fn(*args)`` (stateful code) as ``pure(buffers, *args) -> (out, new_buffers)``.

        ``new_buffers`` is ``None`` when ``fn`` assigns no variable (known at trace time) or
        when ``returns_state`` is false.
        """
        def pure(buffers, *args):
            values = self.unpack(buffers)
            with StateScope(dict(zip(self.variables, values))) as scope:
                out = fn(*args)
            written = scope.written()
            stray = [v.path for v in written if id(v) not in self.ids]
            if stray:
                raise RuntimeError(
                    f"Variables {stray} were assigned inside a compiled step but are not part of "
                    "the model's state. Create variables in `__init__` or `build`, and track them "
                    "as attributes of a layer, metric or optimizer.")
            if not written or not returns_state:
                return out, None
            return out, self.pack([scope.get(v) for v in self.variables])
        return pure

    def update(self, buffers):
        """Adopts new buffers (the newest state); the boxes sync on their next eager read."""
        if buffers is None:
            return
        self.buffers = buffers
        self.written_back = False
        lazy_sync.version += 1  # other holders of packed copies of these variables are now stale
        self.version = lazy_sync.version
        lazy_sync.defer(self, self.write_back)

    def write_back(self):
        """Copies the buffers' values into the Variables (without marking the buffers stale)."""
        if self.written_back:
            return
        for v, value in zip(self.variables, self._unpack(self.buffers)):
            v._value = value
        self.written_back = True
