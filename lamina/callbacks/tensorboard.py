"""TensorBoard: scalar event files (losses, metrics, learning rate) for TensorBoard to plot.

Written with the ``tensorboardX`` package (an optional extra: ``pip install tensorboardX``).
"""

from __future__ import annotations

import os
import time

import numpy as np

from lamina.callbacks.callback import Callback
from lamina.callbacks.learning_rate_scheduler import current_learning_rate

_BATCH_HOOKS = ("on_train_batch_begin", "on_train_batch_end")


def _summary_writer_class():
    try:
        from tensorboardX import SummaryWriter
    except ImportError as error:
        raise ImportError("The TensorBoard callback writes its event files with the "
                          "`tensorboardX` package, which is not installed. Install it with "
                          "`pip install tensorboardX`.") from error
    return SummaryWriter


class TensorBoard(Callback):
    """Writes scalars under ``log_dir/train`` and ``log_dir/validation`` with Keras's tags.

    Each epoch: ``epoch_<name>`` for every log (validation logs without their ``val_`` prefix go
    to ``validation``) plus ``epoch_learning_rate``, at step ``epoch``. With ``update_freq="batch"``
    or an integer ``N``: ``batch_<name>`` every ``N`` batches at the global batch number (this
    makes ``fit`` run in chunks of ``steps_per_execution``). ``evaluate(callbacks=[tb])`` writes
    ``evaluation_<name>_vs_iterations`` to ``validation``. View with ``tensorboard --logdir``.

    Histograms, images, graphs, embeddings and profiling are not written (``write_graph`` is
    ignored; the others raise ``NotImplementedError`` when enabled).
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None):
        super().__init__()
        self._writer_class = _summary_writer_class()
        for name, value in (("histogram_freq", histogram_freq), ("write_images", write_images),
                            ("profile_batch", profile_batch), ("embeddings_freq", embeddings_freq),
                            ("embeddings_metadata", embeddings_metadata)):
            if value:
                raise NotImplementedError(f"TensorBoard({name}={value!r}) is not supported by "
                                          "lamina: only scalars are written.")
        update_freq = 1 if update_freq == "batch" else update_freq
        if update_freq != "epoch" and not (isinstance(update_freq, int) and update_freq >= 1):
            raise ValueError("TensorBoard `update_freq` must be 'epoch', 'batch' or a positive "
                             f"integer, received {update_freq!r}.")
        self.log_dir = os.fspath(log_dir)
        self.write_graph = write_graph
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = update_freq
        self._writers = {}
        self._global_train_batch = 0
        self._training = False

    def _overrides(self, hook):
        # Batch hooks only when batch summaries are asked for: the whole-epoch path stays fast.
        if hook in _BATCH_HOOKS:
            return self.update_freq != "epoch"
        return super()._overrides(hook)

    def _writer(self, kind):
        """The ``train`` or ``validation`` writer, created when first used (no empty files)."""
        if kind not in self._writers:
            self._writers[kind] = self._writer_class(logdir=os.path.join(self.log_dir, kind))
        return self._writers[kind]

    def _write(self, kind, logs, prefix, step):
        writer = self._writer(kind)
        for name, value in logs.items():
            writer.add_scalar(f"{prefix}{name}", float(value), global_step=int(step))

    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        self._training = True

    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        self._batch_start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        if self._global_train_batch % self.update_freq:
            return
        logs = dict(logs or {})
        if self.write_steps_per_second:
            logs["steps_per_second"] = 1.0 / max(time.perf_counter() - self._batch_start, 1e-9)
        self._write("train", logs, "batch_", self._global_train_batch)

    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._epoch_start = time.perf_counter()
            self._epoch_start_iterations = int(np.asarray(self.model.optimizer.iterations))

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if not logs:
            return
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val = {k[len("val_"):]: v for k, v in logs.items() if k.startswith("val_")}
        lr = current_learning_rate(self.model.optimizer)
        if lr is not None:
            train["learning_rate"] = lr
        if self.write_steps_per_second:
            steps = int(np.asarray(self.model.optimizer.iterations)) - self._epoch_start_iterations
            train["steps_per_second"] = steps / max(time.perf_counter() - self._epoch_start, 1e-9)
        if train:
            self._write("train", train, "epoch_", epoch)
        if val:
            self._write("validation", val, "epoch_", epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_test_end(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if logs and optimizer is not None:
            step = int(np.asarray(optimizer.iterations))
            self._write("validation", {f"{k}_vs_iterations": v for k, v in logs.items()},
                        "evaluation_", step)
        if not self._training:  # a standalone evaluate(): nothing else will close the files
            self._close()

    def on_train_end(self, logs=None):
        self._training = False
        self._close()

    def _close(self):
        # tensorboardX's flush() does not wait for its queue; close() does.
        for writer in self._writers.values():
            writer.close()
        self._writers = {}
