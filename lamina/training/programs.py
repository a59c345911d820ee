"""The compiled programs behind fit/evaluate/predict: many steps per device call.

A *chunk* runs ``length`` steps of ``train_step`` (or ``test_step``) in one compiled call: the state
stays packed on the device, each step gathers its batch from data already on the device through a
(shuffled) index vector, and a partial last batch is padded and masked so every step has the same
shape. The *form* of the loop is a choice made per model and backend (see :func:`choose_form`):
``rolled`` (``lax.scan``), ``unrolled`` (``lax.scan`` fully unrolled) or ``per_step`` (one call
per step), because XLA:CPU loses its fast convolution path inside loops.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

import inspect

from lamina.core.state import StateScope
from lamina.core.variable import created_count
from lamina.training.batch import padding_mask


class StateGrew(Exception):
    """Raised while tracing a step that created new variables (an optimizer or metric built on
    first use): the trainer packs the larger state and traces again."""


def jax_form(method):
    """Whether a step is written in Keras's JAX form, ``train_step(self, state, data)``."""
    return len(inspect.signature(method).parameters) == 2


def choose_form(model):
    """``rolled`` unless a layer says loops hurt it on this backend (convolutions on the CPU)."""
    if jax.default_backend() == "cpu" and any(
            getattr(layer, "_slow_in_loops_on_cpu", False) for layer in model._flatten_layers()):
        return "per_step"
    return "rolled"


class Programs:
    """Compiled chunk and predict programs of one model over one :class:`PackedState`."""

    def __init__(self, model, store, form):
        self.model = model
        self.store = store
        self.form = form
        self.cache = {}
        self.trace_count = 0

    # -- building blocks -----------------------------------------------------------------------
    def _bind(self, values):
        return StateScope(dict(zip(self.store.variables, values)))

    def _run_step(self, method, values, batch, mask):
        before = created_count()
        with self._bind(values) as scope, padding_mask(mask):
            logs = self._call_jax_form(method, batch) if jax_form(method) else method(batch)
        if created_count() != before:
            raise StateGrew()
        stray = [v.path for v in scope.written() if id(v) not in self.store.ids]
        if stray:
            raise RuntimeError(f"Variables {stray} were assigned inside a compiled step but are "
                               "not part of the model's state; create them in `__init__` or "
                               "`build` and track them as attributes.")
        return logs, [scope.get(v) for v in self.store.variables]

    def _call_jax_form(self, method, batch):
        """Keras's JAX form: pass the state as lists of values, assign what comes back."""
        model = self.model
        groups = [model.trainable_variables, model.non_trainable_variables]
        if method.__name__ == "train_step":
            groups.append(model.optimizer.variables)
        if method.__name__ != "predict_step":
            groups.append([v for m in model.metrics for v in m.variables])
        state = tuple([v.value for v in group] for group in groups)
        logs, new_state = method(state, batch)
        if method.__name__ == "predict_step":
            new_state = (state[0], new_state)
        for group, values in zip(groups, new_state):
            for v, value in zip(group, values):
                v.assign(value)
        return logs

    def _reset_metrics(self, values, reset):
        with self._bind(values) as scope:
            for metric in self.model.metrics:
                metric.reset_state()
        written = {id(v) for v in scope.written()}
        return [jnp.where(reset, scope.get(v), value) if id(v) in written else value
                for v, value in zip(self.store.variables, values)]

    # -- train / test chunks -------------------------------------------------------------------
    def chunk(self, kind, length, batch_size, padded, all_logs):
        """A compiled ``(buffers, data, mask, start, reset) -> (buffers, logs)``.

        ``data`` holds the epoch's rows already in order (shuffled and padded, see
        :func:`epoch_data`); step ``i`` takes rows ``[(start + i) * batch_size, ...)``.
        """
        key = (kind, length, batch_size, padded, all_logs)
        if key not in self.cache:
            self.cache[key] = jax.jit(self._make_chunk(kind, length, batch_size, padded, all_logs),
                                      donate_argnums=0)
        return self.cache[key]

    def _make_chunk(self, kind, length, batch_size, padded, all_logs):
        method = self.model.train_step if kind == "train" else self.model.test_step

        def chunk(buffers, data, mask, start, reset):
            self.trace_count += 1
            values = self._reset_metrics(self.store.unpack(buffers), reset)

            def body(values, i):
                offset = (start + i) * batch_size
                batch = jax.tree_util.tree_map(
                    lambda a: jax.lax.dynamic_slice_in_dim(a, offset, batch_size), data)
                step_mask = jax.lax.dynamic_slice_in_dim(mask, offset, batch_size) if padded else None
                logs, values = self._run_step(method, values, batch, step_mask)
                return values, logs

            if length == 1 or self.form == "per_step":
                logs_seq = []
                for i in range(length):
                    values, logs = body(values, i)
                    logs_seq.append(logs)
                logs = jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *logs_seq)
            else:
                unroll = length if self.form == "unrolled" else 1
                values, logs = jax.lax.scan(body, values, jnp.arange(length), unroll=unroll)
            if not all_logs:
                logs = jax.tree_util.tree_map(lambda x: x[-1], logs)
            return self.store.pack(values), logs

        return chunk

    # -- predict -------------------------------------------------------------------------------
    def predict(self, length, batch_size):
        """A compiled ``(buffers, x_block, steps) -> (buffers or None, outputs)`` over ``length``
        batches of a block, of which the first ``steps`` hold real rows.

        State the model assigns while predicting (a stateful RNN's states) is carried from
        batch to batch, as Keras does, and returned; padding batches leave it alone. A model
        that assigns nothing returns ``None`` instead of a copy of its state.
        """
        key = ("predict", length, batch_size)
        if key not in self.cache:
            method = self.model.predict_step

            def run(buffers, block, steps):
                self.trace_count += 1
                assigns = []

                def body(values, batch_and_index):
                    batch, index = batch_and_index
                    with self._bind(values) as scope:
                        out = (self._call_jax_form(method, batch) if jax_form(method)
                               else method(batch))
                    written = {id(v) for v in scope.written()}
                    assigns.append(bool(written))
                    return [jnp.where(index < steps, scope.get(v), value) if id(v) in written
                            else value for v, value in zip(self.store.variables, values)], out

                batches = jax.tree_util.tree_map(
                    lambda a: a.reshape((length, batch_size) + a.shape[1:]), block)
                values, out = jax.lax.scan(body, self.store.unpack(buffers),
                                           (batches, jnp.arange(length)))
                out = jax.tree_util.tree_map(
                    lambda a: a.reshape((length * batch_size,) + a.shape[2:]), out)
                return (self.store.pack(values) if any(assigns) else None), out

            self.cache[key] = jax.jit(run)
        return self.cache[key]


_gather_rows = jax.jit(lambda data, rows: jax.tree_util.tree_map(
    lambda a: jnp.take(a, rows, axis=0), data))


def epoch_data(data, seed, n, total, shuffle):
    """The epoch's rows in order and the 0/1 padding mask.

    Shuffled with a permutation drawn on the host (a device sort costs ~40x more on the CPU),
    gathered on the device in one call, so each step reads a contiguous slice; padded
    cyclically to ``total`` rows. ``seed`` is a sequence of ints (reproducible per epoch).
    """
    mask = jnp.asarray(np.arange(total) < n, jnp.float32)
    if not shuffle and n == total:
        return data, mask
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    rows = order[np.arange(total) % n].astype(np.int32)
    return _gather_rows(data, rows), mask
