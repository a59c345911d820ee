"""The Trainer mixin of Model: compile, fit, evaluate, predict and the overridable steps.

The steps (``train_step``, ``test_step``, ``predict_step``) are written statefully, as a tf.keras
user would write them; the engine traces them once with every variable bound to the packed state
(:mod:`lamina.training.programs`) and runs whole chunks of steps per device call. Everything impure
(callbacks, progress, host transfers) happens here, between chunks.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from lamina import random as lamina_random
from lamina.callbacks.callback import CallbackList
from lamina.core.layer import structure_version
from lamina.core.variable import created_count
from lamina.metrics import Mean
from lamina.training import data as data_module
from lamina.training.batch import batch_size_of, current_mask, unpack_x_y_sample_weight
from lamina.training.compile import CompileLoss, CompileMetrics
from lamina.training.grad import value_and_grad
from lamina.training.logs import StackedLogs, StepLogs, as_python
from lamina.training.packed_state import PackedState
from lamina.training import adapters
from lamina.training.chunks import ArrayPasses, array_chunks, stream_chunks
from lamina.training.programs import Programs, StateGrew, choose_form

_PREDICT_BLOCK_STEPS = 256  # batches per predict call for large inputs


class Trainer:
    """compile / fit / evaluate / predict for :class:`lamina.Model`."""

    def _init_trainer(self):
        self.compiled = False
        self.optimizer = None
        self.stop_training = False
        self.history = None
        self._engine_state = None  # (PackedState, Programs)

    # -- compile -------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True):
        """Configures training: optimizer, loss and metrics (by name, function or object).

        >>> import lamina
        >>> model = lamina.Sequential([lamina.layers.Dense(1, input_dim=2)])
        >>> model.compile(optimizer="adam", loss="mse", metrics=["mae"])
        """
        if run_eagerly:
            raise NotImplementedError("compile(run_eagerly=True) is not supported: lamina always "
                                      "compiles the step (debug with `model(x)` eagerly instead).")
        from lamina import optimizers  # optax is imported on first compile, not with lamina
        from lamina.optimizers.loss_scale_optimizer import wrap_for_policy

        self.optimizer = wrap_for_policy(optimizers.get(optimizer), self.dtype_policy,
                                         auto_scale_loss)
        self._compile_loss = CompileLoss(loss, loss_weights)
        self._compile_metrics = CompileMetrics(metrics, weighted_metrics)
        self._loss_tracker = Mean(name="loss")
        if not isinstance(steps_per_execution, int) or steps_per_execution < 1:
            raise ValueError(f"`steps_per_execution` must be a positive integer, received "
                             f"{steps_per_execution!r}.")
        self.steps_per_execution = steps_per_execution
        self.compiled = True
        self._engine_state = None

    def _require_compiled(self, method):
        if not getattr(self, "compiled", False):
            raise RuntimeError(f"You must call `compile()` before `{method}()` on model "
                               f"'{self.name}'.")

    @property
    def metrics(self):
        """The loss tracker, the compiled metrics, then metrics tracked as attributes."""
        out = []
        if getattr(self, "compiled", False):
            out.append(self._loss_tracker)
            out.extend(self._compile_loss.metrics)
            out.extend(self._compile_metrics.metrics)
        for layer in self._flatten_layers():
            for metric in layer._tracked(lambda v: getattr(type(v), "_is_metric", False)):
                if all(metric is not m for m in out):
                    out.append(metric)
        return out

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    def get_metrics_result(self):
        """``{name: result}`` of every metric in :attr:`metrics`."""
        logs = {}
        for metric in self.metrics:
            result = metric.result()
            if isinstance(result, dict):
                logs.update(result)
            else:
                logs[metric.name] = result
        return logs

    # -- the steps (overridable, written statefully) ---------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss plus losses added by layers (``add_loss``, regularizers)."""
        total = 0.0
        if self._compile_loss.spec is not None:
            total = self._compile_loss(y, y_pred, sample_weight, mask=current_mask(),
                                       names=getattr(self, "output_names", None))
        extra = self.losses
        self._clear_losses()
        for loss in extra:
            total = total + jnp.sum(loss)
        return total

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Updates the compiled metrics and returns every metric's result."""
        self._compile_metrics.update_state(y, y_pred, sample_weight, mask=current_mask())
        return self.get_metrics_result()

    def train_step(self, data):
        """One optimization step on a batch ``(x, y, sample_weight)``; returns the logs."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        trainable = self.trainable_variables

        def loss_fn():
            y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred, sample_weight, training=True)
            return self.optimizer.scale_loss(loss), (loss, y_pred)

        (_, (loss, y_pred)), grads = value_and_grad(loss_fn, trainable, has_aux=True)()
        self.optimizer.apply(grads, trainable)
        self._loss_tracker.update_state(loss, sample_weight=batch_size_of(x))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data):
        """Loss and metrics on a batch, without updating weights."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self.compute_loss(x, y, y_pred, sample_weight, training=False)
        self._loss_tracker.update_state(loss, sample_weight=batch_size_of(x))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        """The model's outputs for a batch."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    # -- the engine ----------------------------------------------------------------------------
    def _can_pad(self):
        """Padded batches need the default steps, which know about the padding mask."""
        cls = type(self)
        return all(getattr(cls, name) is getattr(Trainer, name) for name in
                   ("train_step", "test_step", "compute_loss", "compute_metrics"))

    def _structure_key(self):
        """Changes whenever the layer tree, the optimizer or the compiled metrics change."""
        return (structure_version(), created_count(), id(self.optimizer),
                getattr(self.optimizer, "built", None),
                getattr(self, "_compile_metrics", None) and self._compile_metrics.built,
                id(getattr(self, "_compile_metrics", None)))

    def _state_variables(self):
        """Every variable a compiled program carries; cached while the layer tree, the
        optimizer and the metrics stay the same (the walk grows with the model)."""
        key = self._structure_key()
        cached = getattr(self, "_state_variables_cache", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        variables = list(self.variables)
        if self.optimizer is not None:
            variables += self.optimizer.variables
        for metric in self.metrics:
            variables += metric.variables
        variables.append(lamina_random.global_generator().state)
        unique, seen = [], set()
        for v in variables:
            if id(v) not in seen:
                seen.add(id(v))
                unique.append(v)
        self._state_variables_cache = (key, unique)
        return unique

    def _engine(self):
        """The packed state and compiled programs, rebuilt only when the variable set changes."""
        variables = self._state_variables()
        if self._engine_state is not None:
            store, programs = self._engine_state
            if store.source is variables or [id(v) for v in store.variables] == [
                    id(v) for v in variables]:
                store.source = variables
                if not store.is_fresh():
                    store.refresh()
                return store, programs
        store = PackedState(variables)
        store.source = variables
        self._engine_state = (store, Programs(self, store, choose_form(self)))
        return self._engine_state

    def _run_program(self, make, *args):
        """Runs ``make(programs)(buffers, *args)`` and adopts the new state. A step that creates
        variables while traced (an optimizer built on first use) is traced again with them."""
        for attempt in range(2):
            store, programs = self._engine()
            try:
                buffers, out = make(programs)(store.buffers, *args)
            except StateGrew:
                if attempt:
                    raise RuntimeError(
                        f"Model '{self.name}': the step creates new variables every time it is "
                        "traced; create them in `__init__` or `build`.") from None
                continue
            store.update(buffers)
            return out

    def _prepare_training(self, x, y):
        """Builds the model, the optimizer and the metrics before anything is traced."""
        self._ensure_built(x)
        if y is not None and not self._compile_metrics.built:
            y_pred = self.compute_output_spec(x)
            names = getattr(self, "output_names", None)
            self._compile_metrics.build(data_module.row_spec(y), y_pred, names)
            if self._compile_loss.spec is not None:
                self._compile_loss.build(len(jax.tree_util.tree_leaves(y_pred)), names)
        if self.optimizer is not None and not self.optimizer.built:
            self.optimizer.build(self.trainable_variables)

    def _ensure_built(self, x):
        """Builds on the first data; later data of another shape is checked against the layers
        now, before anything is compiled, so the error names the layer that refuses it."""
        if not self.built:
            self._maybe_build(data_module.row_spec(x))
            return
        spec = getattr(self, "_input_spec_tensors", None)
        seen = jax.tree_util.tree_map(lambda t: t.shape[1:], spec,
                                      is_leaf=lambda t: hasattr(t, "history"))
        given = jax.tree_util.tree_map(lambda a: tuple(a.shape[1:]), x)
        if spec is not None and seen != given:
            self.compute_output_spec(x)

    @property
    def _trace_count(self):
        return 0 if self._engine_state is None else self._engine_state[1].trace_count

    # -- fit -----------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Trains for ``epochs`` epochs; returns a :class:`~lamina.callbacks.History`.

        ``x`` may be arrays (a dict or list of them for several inputs), or a generator,
        iterable, :class:`~lamina.utils.PyDataset` or torch ``DataLoader`` yielding ``(x, y)``
        or ``(x, y, sample_weight)`` batches.

        ``steps_per_epoch`` follows Keras for every kind of ``x``: each epoch takes that many
        steps and the next goes on where it stopped; at the end of the data an epoch stops
        early with a warning and the next starts a new (reshuffled) pass.
        """
        self._require_compiled("fit")
        source = adapters.make_adapter(x, y, sample_weight, batch_size, steps_per_epoch,
                                       bool(shuffle), class_weight)
        padded = self._can_pad()
        if source.is_stream:
            if validation_split:
                raise ValueError("`validation_split` needs arrays; with a generator or dataset "
                                 "pass `validation_data` instead.")
            first_x, first_y, _ = unpack_x_y_sample_weight(source.peek())
            self._prepare_training(first_x, first_y)
            epoch_steps = source.steps_per_epoch
        else:
            x, y, sample_weight, n = source.x, source.y, source.sample_weight, source.num_rows
            if validation_split and validation_data is None:
                (x, y, sample_weight), val = data_module.split_validation(
                    x, y, sample_weight, validation_split)
                validation_data, n = val, data_module.num_rows(x, "x")
            self._prepare_training(x, y)
            passes = ArrayPasses(jax.device_put(data_module.pack_data(x, y, sample_weight)), n,
                                 source.batch_size, bool(shuffle), padded, steps_per_epoch)
            epoch_steps = passes.epoch_steps
        run_validation = self._validation_runner(validation_data, validation_steps,
                                                 validation_batch_size or source.batch_size)
        verbose = 1 if verbose == "auto" else verbose
        callbacks = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0,
                                 model=self, verbose=verbose, epochs=epochs, steps=epoch_steps)
        chunk = self._chunk_length(callbacks, epoch_steps, self._engine()[1].form)
        self.stop_training = False
        callbacks.on_train_begin()
        initial_epoch, first_step, first_seed = self._resume_point(initial_epoch)
        if first_step and (source.is_stream or steps_per_epoch is not None):
            raise NotImplementedError(
                "Resuming in the middle of an epoch (BackupAndRestore with an integer "
                "`save_freq`) needs array inputs without `steps_per_epoch`; otherwise use "
                "`save_freq='epoch'`.")
        logs = {}
        for epoch in range(initial_epoch, epochs):
            callbacks.on_epoch_begin(epoch)
            if source.is_stream:
                chunks = stream_chunks(source, chunk, padded)
            else:
                chunks = passes.epoch_chunks(
                    (lambda: first_seed) if first_step else self._shuffle_seed, chunk, first_step)
            logs = self._run_epoch("train", chunks, callbacks, first_step)
            first_step = 0
            if source.is_stream:
                source.on_epoch_end()
                if not logs:
                    break  # the generator had nothing left for this epoch
            if run_validation is not None and (epoch + 1) % validation_freq == 0:
                callbacks.on_test_begin()
                val_logs = run_validation(callbacks)
                callbacks.on_test_end(val_logs)
                logs.update({f"val_{k}": v for k, v in val_logs.items()})
            callbacks.on_epoch_end(epoch, logs)
            if self.stop_training or (source.is_stream and source.ran_out and source.exhausted):
                break
        if self.optimizer is not None and epochs > initial_epoch:
            self.optimizer.finalize_variable_values(self.trainable_variables)
        callbacks.on_train_end(logs)
        return self.history

    def _resume_point(self, initial_epoch):
        """``(epoch, step, shuffle_seed)`` where fit starts: ``initial_epoch``, unless a
        callback's ``on_train_begin`` set ``self._resume_at`` (a ``ResumePoint`` with ``epoch``,
        ``step`` and ``shuffle_seed``: BackupAndRestore restoring a backup). Read once."""
        point, self._resume_at = getattr(self, "_resume_at", None), None
        if point is None:
            return initial_epoch, 0, None
        return point.epoch, point.step, point.shuffle_seed

    def _shuffle_seed(self):
        """The epoch's shuffle depends on the global seed and the optimizer's step count, so
        training resumed after a save (or a second ``fit`` call) continues the same sequence
        of permutations as one uninterrupted run."""
        steps = getattr(self.optimizer, "iterations", 0)
        return (lamina_random.global_seed(), int(np.asarray(steps)))

    def _validation_runner(self, validation_data, steps, batch_size):
        """A function running one validation pass, or ``None`` without validation data."""
        if validation_data is None:
            return None
        if isinstance(validation_data, (tuple, list)) and not adapters.make_adapter(
                validation_data[0]).is_stream:
            val = adapters.make_adapter(*unpack_x_y_sample_weight(tuple(validation_data)),
                                        batch_size=batch_size)
            device_val = jax.device_put(val.packed)
            return lambda callbacks: self._evaluate_arrays(device_val, val.batch_size, callbacks)
        stream = adapters.make_adapter(validation_data, steps_per_epoch=steps)
        return lambda callbacks: self._run_epoch(
            "test", stream_chunks(stream, self._test_chunk(callbacks, steps), self._can_pad()),
            callbacks)

    def _chunk_length(self, callbacks, epoch_steps, form):
        if form == "per_step":
            return 1
        if callbacks.has_batch_hooks("train"):
            return self.steps_per_execution
        if epoch_steps is None:  # a stream of unknown length: moderate chunks
            return max(self.steps_per_execution, 16)
        if callbacks.wants_progress:
            return max(self.steps_per_execution, math.ceil(epoch_steps / 20))
        return epoch_steps

    def _test_chunk(self, callbacks, steps):
        if callbacks.has_batch_hooks("test"):
            return self.steps_per_execution
        return steps or max(self.steps_per_execution, 16)

    def _run_epoch(self, kind, chunks, callbacks, first_step=0):
        """Runs one pass over the data, a compiled chunk of steps per call; returns the final
        logs as Python floats (empty when there was no data). From ``first_step`` > 0 (a
        resumed epoch) the metrics go on from their restored state instead of being reset."""
        hooks = callbacks.has_batch_hooks(kind)
        logs, step, reset = None, first_step, first_step == 0
        for c in chunks:
            callbacks.on_batch_begin(kind, step)
            logs = self._run_program(
                lambda p, c=c: p.chunk(kind, c.length, c.batch_size, c.padded, hooks),
                c.rows, c.mask, c.start, reset)
            reset = False
            if hooks:
                stacked = StackedLogs(logs)
                for i in range(c.length):
                    callbacks.on_batch_end(kind, step + i, stacked.step(i))
                logs = stacked.step(c.length - 1)
            step += c.length
            callbacks.on_chunk_end(kind, step, logs)
            if self.stop_training:
                break
        if isinstance(logs, StepLogs):
            return self._in_metric_order(dict(logs.items()))
        return self._in_metric_order(
            {k: as_python(v) for k, v in jax.device_get(logs).items()} if logs else {})

    def _in_metric_order(self, logs):
        """Logs in the order of :attr:`metrics` (loss first), as Keras returns them; compiled
        programs hand dicts back with their keys sorted."""
        key, order = getattr(self, "_metric_order_cache", (None, None))
        if key != self._structure_key():  # the walk over metrics grows with the model
            order = {name: i for i, name in enumerate(self.metrics_names)}
            self._metric_order_cache = (self._structure_key(), order)
        return dict(sorted(logs.items(), key=lambda item: order.get(item[0], len(order))))

    # -- evaluate ------------------------------------------------------------------------------
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False):
        """Loss and metrics on the data; a scalar, a list, or a dict with ``return_dict``.
        ``x`` may be arrays or a generator/dataset, as for :meth:`fit`."""
        self._require_compiled("evaluate")
        source = adapters.make_adapter(x, y, sample_weight, batch_size, steps)
        verbose = 1 if verbose == "auto" else verbose
        if source.is_stream:
            first_x, first_y, _ = unpack_x_y_sample_weight(source.peek())
            self._prepare_training(first_x, first_y)
            total = source.steps_per_epoch
        else:
            self._prepare_training(source.x, source.y)
            total = math.ceil(source.num_rows / source.batch_size)
            total = total if steps is None else min(steps, total)
        callbacks = CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                 verbose=verbose, epochs=1, steps=total)
        callbacks.on_test_begin()
        if source.is_stream:
            logs = self._run_epoch("test", stream_chunks(source, self._test_chunk(callbacks, steps),
                                                         self._can_pad()), callbacks)
        else:
            logs = self._evaluate_arrays(jax.device_put(source.packed), source.batch_size,
                                         callbacks, total)
        callbacks.on_test_end(logs)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def _evaluate_arrays(self, device_data, batch_size, callbacks, steps=None):
        """One pass over arrays on the device, or its first ``steps`` steps."""
        n = data_module.num_rows(device_data[0], "x")
        steps = steps or math.ceil(n / batch_size)
        chunk = self.steps_per_execution if callbacks.has_batch_hooks("test") else steps
        return self._run_epoch("test", array_chunks(device_data, None, False, n, batch_size,
                                                    chunk, self._can_pad(), stop=steps), callbacks)

    # -- predict -------------------------------------------------------------------------------
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs for ``x`` as numpy arrays, computed in compiled batches.
        ``x`` may be arrays or a generator/dataset of batches (only their ``x`` is used)."""
        source = adapters.make_adapter(x, batch_size=batch_size, steps_per_epoch=steps)
        if source.is_stream:
            parts = [self.predict(unpack_x_y_sample_weight(batch)[0], batch_size=source.batch_size)
                     for batch in source.epoch_batches()]
            return jax.tree_util.tree_map(lambda *p: np.concatenate(p), *parts)
        x, n, batch_size = source.x, source.num_rows, source.batch_size
        if steps is not None:  # Keras: the first `steps` batches only
            n = min(n, steps * batch_size)
        self._ensure_built(x)
        store, programs = self._engine()
        callbacks = CallbackList(callbacks, model=self, verbose=0, epochs=1,
                                 steps=math.ceil(n / batch_size))
        callbacks.on_predict_begin()
        outputs, start = [], 0
        block_rows = _PREDICT_BLOCK_STEPS * batch_size
        while start < n:
            rows = min(block_rows, n - start)
            length = _PREDICT_BLOCK_STEPS if rows == block_rows else data_module.next_power_of_two(
                math.ceil(rows / batch_size))
            block = data_module.padded_rows(x, start, start + rows, length * batch_size)
            buffers, out = programs.predict(length, batch_size)(
                store.buffers, block, math.ceil(rows / batch_size))
            store.update(buffers)
            outputs.append((out, rows))
            start += rows
        callbacks.on_predict_end()
        parts = [jax.tree_util.tree_map(lambda a, r=rows: np.asarray(a)[:r], out)
                 for out, rows in outputs]
        if len(parts) == 1:
            return parts[0]
        return jax.tree_util.tree_map(lambda *p: np.concatenate(p), *parts)

    # -- single batches ------------------------------------------------------------------------
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One training step on exactly this batch; metrics accumulate across calls."""
        return self._on_batch("train", x, y, sample_weight, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Loss and metrics on exactly this batch."""
        return self._on_batch("test", x, y, sample_weight, return_dict)

    def predict_on_batch(self, x):
        """Outputs for exactly this batch."""
        return self.predict(x, batch_size=data_module.num_rows(data_module.as_arrays(x, "x"), "x"))

    def _on_batch(self, kind, x, y, sample_weight, return_dict):
        self._require_compiled(f"{kind}_on_batch")
        (x, y, sample_weight), n = data_module.prepare(x, y, sample_weight)
        self._prepare_training(x, y)
        device_data = jax.device_put(data_module.pack_data(x, y, sample_weight))
        logs = self._run_program(lambda p: p.chunk(kind, 1, n, False, False),
                                 device_data, None, 0, kind == "test")
        logs = {k: as_python(v) for k, v in jax.device_get(logs).items()}
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values
