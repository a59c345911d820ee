"""ModelCheckpoint: save the model, or only its weights, every epoch or every N batches."""

from __future__ import annotations

import os
import warnings

import numpy as np

from lamina.callbacks.monitor import MonitorCallback


class ModelCheckpoint(MonitorCallback):
    """Saves the model (``model.save``) or its weights (``model.save_weights``) during ``fit``.

    Args:
        filepath: where to save. It may hold ``{epoch:02d}`` (1-based), any logs key such as
            ``{val_loss:.2f}``, and with an integer ``save_freq`` ``{batch}`` (1-based, within the
            epoch). Full saves need a ``.keras`` name, weights-only saves a ``.weights.h5`` one.
        monitor: the logs key ``save_best_only`` watches.
        verbose: 1 prints a line for each decision.
        save_best_only: save only when ``monitor`` beats the best value so far (a name without
            placeholders is then overwritten by each better model).
        save_weights_only: save only the weights (with optimizer and training state).
        mode: ``"auto"``, ``"min"`` or ``"max"`` (see :class:`MonitorCallback`).
        save_freq: ``"epoch"``, or an int: save after that many batches. The count is checked
            after each compiled chunk of ``steps_per_execution`` batches, as in Keras, so what
            is saved is always the state after the last batch of the chunk.
        initial_value_threshold: with ``save_best_only``, the value the first save must beat.

    >>> ckpt = ModelCheckpoint("ckpt/{epoch:02d}-{val_loss:.2f}.keras", save_best_only=True)
    >>> ckpt._file_path(2, None, {"val_loss": 0.1234})
    'ckpt/03-0.12.keras'
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__(monitor, mode, baseline=initial_value_threshold)
        self.filepath = os.fspath(filepath)
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._epoch = 0
        self._counter = BatchCounter(save_freq) if check_save_freq(save_freq) else None
        if self._counter is not None:
            use_chunks_of_steps_per_execution(self)
        _check_extension(self.filepath, save_weights_only)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if self._counter is None:
            self._save(epoch, None, logs)

    def on_chunk_end(self, kind, step, logs=None):
        if kind == "train" and self._counter is not None and self._counter.fire(step):
            self._save(self._epoch, step - 1, logs)

    def _save(self, epoch, batch, logs):
        logs = {key: logs[key] for key in logs or {}}  # per-batch logs are fetched when read
        filepath = self._file_path(epoch, batch, logs)
        if not self._should_save(epoch, logs, filepath):
            return
        folder = os.path.dirname(filepath)
        if folder:
            os.makedirs(folder, exist_ok=True)
        try:
            if self.save_weights_only:
                self.model.save_weights(filepath, overwrite=True)
            else:
                self.model.save(filepath, overwrite=True)
        except IsADirectoryError:
            raise IOError("Please specify a non-directory filepath for ModelCheckpoint. "
                          f"Filepath used is an existing directory: {filepath}") from None
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")

    def _should_save(self, epoch, logs, filepath):
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.",
                          stacklevel=4)
            return True
        if np.ndim(current) > 0:
            warnings.warn("Can save best model only when `monitor` is a scalar value. Received: "
                          f"{current}. Falling back to `save_best_only=False`.", stacklevel=4)
            return True
        best = "None" if self.best is None else f"{self.best:.5f}"
        if not self._is_improvement(current, self.best):
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
            return False
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to "
                  f"{current:.5f}, saving model to {filepath}")
        self.best = float(current)
        return True

    def _file_path(self, epoch, batch, logs):
        """``filepath`` with ``epoch`` (1-based), ``batch`` (1-based) and the logs filled in."""
        fields = {**logs, "epoch": epoch + 1}
        if batch is not None and "batch" not in logs:
            fields["batch"] = batch + 1
        try:
            return self.filepath.format(**fields)
        except KeyError as error:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". '
                           f"Reason: {error}") from None


def _check_extension(filepath, save_weights_only):
    if save_weights_only:
        if not filepath.endswith(".weights.h5"):
            raise ValueError("When using `save_weights_only=True` in `ModelCheckpoint`, the "
                             "filepath provided must end in `.weights.h5` (Keras weights "
                             f"format). Received: filepath={filepath}")
    elif filepath.endswith((".h5", ".hdf5")):
        raise NotImplementedError("ModelCheckpoint: lamina reads legacy `.h5` models but does "
                                  f"not write them; received filepath={filepath}. Use a "
                                  "`.keras` file, or `save_weights_only=True` with a "
                                  "`.weights.h5` file.")
    elif not filepath.endswith(".keras"):
        raise ValueError("The filepath provided must end in `.keras` (Keras model format). "
                         f"Received: filepath={filepath}")


def check_save_freq(save_freq):
    """``False`` for ``"epoch"``, ``True`` for a positive int; anything else is refused."""
    if save_freq == "epoch":
        return False
    if isinstance(save_freq, int) and not isinstance(save_freq, bool) and save_freq > 0:
        return True
    raise ValueError(f"Unrecognized save_freq: {save_freq!r}. Expected save_freq are 'epoch' "
                     "or a positive integer (a number of batches).")


def use_chunks_of_steps_per_execution(callback):
    """Gives ``callback`` a batch hook: fit then runs chunks of ``steps_per_execution``
    batches, so ``on_chunk_end`` comes often enough for a batch-count ``save_freq``. Saving
    waits for the chunk's end, when the model holds the state after the chunk's last batch."""
    callback.on_train_batch_end = _ignore_batch


def _ignore_batch(batch, logs=None):
    pass


class BatchCounter:
    """Counts batches across epochs from the step reached after each chunk, and fires once
    ``every`` batches have passed since it last fired (Keras's rule for an int ``save_freq``).

    >>> counter = BatchCounter(3)
    >>> [counter.fire(step) for step in (2, 4, 6, 1, 2)]  # the epoch ends at 6; 1 starts anew
    [False, True, False, True, False]
    """

    def __init__(self, every, last_step=0):
        self.every, self.since, self.last_step = every, 0, last_step

    def fire(self, step):
        self.since += step - self.last_step if step > self.last_step else step
        self.last_step = step
        if self.since >= self.every:
            self.since = 0
            return True
        return False
