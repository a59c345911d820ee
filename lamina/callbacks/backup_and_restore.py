"""BackupAndRestore: an interrupted ``fit`` resumes from its last backup, to the same result as
a run that was never interrupted."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import os
import warnings

from lamina.callbacks.callback import Callback
from lamina.callbacks.model_checkpoint import (BatchCounter, check_save_freq,
                                               use_chunks_of_steps_per_execution)
from lamina.saving import atomic, h5_io, weights_h5
from lamina.saving.errors import CorruptFileError

_POINT = "lamina/backup"  # the group of the backup file that says where training stood


@dataclasses.dataclass(frozen=True)
class ResumePoint:
    """Where ``fit`` continues: ``step`` batches into the 0-based ``epoch``. A mid-epoch point
    carries the ``shuffle_seed`` its epoch started with, so the same permutation continues."""

    epoch: int
    step: int = 0
    shuffle_seed: tuple | None = None


class BackupAndRestore(Callback):
    """Backs the training state up during ``fit``; a later ``fit`` restores it and continues.

    The backup (``backup_dir/latest.weights.h5``, written atomically) holds the weights, the
    optimizer state, the metric and random-seed state, lamina's global random state and the
    point reached. When ``fit`` starts and a backup exists, it is restored and ``fit`` continues
    from that point, so a crashed run finishes with the same weights and logs as one that never
    stopped (the model, ``compile`` and ``fit`` arguments must be the same).

    Args:
        backup_dir: a folder used by this callback only.
        save_freq: ``"epoch"`` backs up at each epoch end; an int every that many batches
            (checked after each chunk of ``steps_per_execution`` batches), and ``fit`` then
            resumes in the middle of the epoch, at the batch after the backup (array inputs).
        double_checkpoint: keep the previous backup too (``latest.weights.h5.bkp``) and fall
            back to it when the latest one cannot be read.
        delete_checkpoint: delete the backup when ``fit`` finishes.

    >>> backup = BackupAndRestore("/tmp/backup")  # model.fit(..., callbacks=[backup])
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False,
                 delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._prev_path = f"{self._path}.bkp"
        self._by_batch = check_save_freq(save_freq)
        if self._by_batch:
            use_chunks_of_steps_per_execution(self)
        self._counter, self._resumed, self._epoch, self._epoch_seed = None, None, 0, None
        self._save_at_epoch_end = False

    # -- restoring ---------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        point = self._restore()
        self._resumed = point
        if point is not None:
            self.model._resume_at = point  # fit reads it right after on_train_begin
        if self._by_batch:
            self._counter = BatchCounter(self.save_freq, point.step if point else 0)
        self._save_at_epoch_end = False

    def _restore(self):
        """Loads the latest readable backup into the model; its :class:`ResumePoint` or None."""
        paths = [p for p in (self._path, self._prev_path) if os.path.exists(p)]
        if not paths:
            return None
        try:
            return self._load(paths[0])
        except (OSError, CorruptFileError) as error:
            if len(paths) == 1:
                raise
            warnings.warn(f"BackupAndRestore: the latest backup cannot be read ({error}); "
                          "restoring the previous one.", stacklevel=3)
            return self._load(paths[1])

    def _load(self, path):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and not optimizer.built:
            optimizer.build(self.model.trainable_variables)  # its state needs variables to fill
        what = f"backup '{path}'"
        with h5_io.open_h5(path, what) as f:
            group = h5_io.get_group(f, _POINT)
            if group is None or "point" not in group.attrs:
                raise CorruptFileError(f"The {what} does not say where training stood; it was "
                                       "not written by BackupAndRestore.")
            point = ResumePoint(**json.loads(group.attrs["point"]))
            weights_h5.read_weights(f, self.model, restore_random=True, what=what)
        seed = point.shuffle_seed
        return dataclasses.replace(point, shuffle_seed=None if seed is None else tuple(seed))

    # -- backing up --------------------------------------------------------------------------
    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        resumed, self._resumed = self._resumed, None
        if not self._by_batch:
            return
        if resumed is not None and resumed.step and resumed.epoch == epoch:
            self._epoch_seed = resumed.shuffle_seed  # the epoch goes on where it stopped
        else:
            self._epoch_seed = self.model._shuffle_seed()

    def on_chunk_end(self, kind, step, logs=None):
        if kind != "train" or self._counter is None or not self._counter.fire(step):
            return
        # A point at the epoch's very end would skip nothing and lose the epoch's logs and
        # validation: back up in on_epoch_end instead, as the start of the next epoch.
        if step >= (self.params.get("steps") or math.inf):
            self._save_at_epoch_end = True
        else:
            self._backup(ResumePoint(self._epoch, step, self._epoch_seed))

    def on_epoch_end(self, epoch, logs=None):
        if not self._by_batch or self._save_at_epoch_end:
            self._save_at_epoch_end = False
            self._backup(ResumePoint(epoch + 1))

    def _backup(self, point):
        os.makedirs(self.backup_dir, exist_ok=True)
        fields = json.dumps(dataclasses.asdict(point))

        def fill(f):
            weights_h5.write_weights(f, self.model)
            h5_io.make_group(f, _POINT, {"point": fields})

        data = h5_io.to_bytes(fill)
        if self.double_checkpoint and os.path.exists(self._path):
            os.replace(self._path, self._prev_path)
        atomic.write_bytes(self._path, data)

    # -- finishing ---------------------------------------------------------------------------
    def on_train_end(self, logs=None):
        if not self.delete_checkpoint:
            return
        for path in (self._path, self._prev_path):
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)
        with contextlib.suppress(OSError):  # kept when something else lives there
            os.rmdir(self.backup_dir)
