"""A stream of host batches, one epoch at a time, with Keras's ``steps_per_epoch`` rules."""

from __future__ import annotations

import warnings

import numpy as np

from lamina.training import data as data_module
from lamina.training.adapters.batches import describe, rows, signature, standardize


class StreamAdapter:
    """Batches from a generator, an iterable, a ``PyDataset`` or a torch ``DataLoader``.

    >>> import numpy as np
    >>> batches = [(np.ones((2, 3)), np.zeros(2)), (np.ones((1, 3)), np.ones(1))]
    >>> from lamina.training.adapters import make_adapter
    >>> stream = make_adapter(iter(batches))
    >>> stream.batch_size, [b[0].shape for b in stream.epoch_batches()]
    (2, [(2, 3), (1, 3)])
    """

    is_stream = True

    def __init__(self, source, steps_per_epoch=None, class_weight=None, allow_nan=False,
                 seed=None):
        if steps_per_epoch is not None and (
                not isinstance(steps_per_epoch, (int, np.integer)) or steps_per_epoch < 1):
            raise ValueError(f"`steps_per_epoch` must be a positive integer or None, received "
                             f"{steps_per_epoch!r}.")
        self.source = source
        self.name = source.name
        self._steps = None if steps_per_epoch is None else int(steps_per_epoch)
        self._class_weight = class_weight
        self._allow_nan = allow_nan
        self._rng = np.random.default_rng(seed)
        self._iterator = None  # the current pass; kept across epochs with steps_per_epoch
        self._seen = 0  # batches read from the current pass
        self._pending = None  # the batch read by peek(), replayed first
        self._first = None
        self._pass_length = None
        self.exhausted = False  # a one-shot source has ended: no epoch can start
        self.ran_out = False  # the last epoch ended before `steps_per_epoch` batches

    # -- what the trainer reads ----------------------------------------------------------------
    @property
    def batch_size(self):
        """Rows per batch: those of the first batch (later ones may only be smaller)."""
        return rows(self.peek())

    @property
    def steps_per_epoch(self):
        """Batches per epoch: given, or the source's length, or learned after a full pass;
        ``None`` while unknown (an epoch then runs until the data ends)."""
        return self._steps or self.source.num_batches or self._pass_length

    @property
    def spec(self):
        """Shapes and dtypes of the first batch, as ``jax.ShapeDtypeStruct`` leaves."""
        return data_module.row_spec(self.peek())

    def peek(self):
        """The first batch, as a tuple ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``; it is
        still delivered by the first epoch."""
        if self._first is None:
            batch = self._read()
            if batch is None:
                raise ValueError(f"The {self.name} yielded no batch.")
            self._pending = batch
        return self._first

    def epoch_batches(self):
        """An iterator over this epoch's host batches (numpy, converted and checked)."""
        self.ran_out = False
        if self._steps is None and self._pending is None and self.source.restartable:
            self._iterator = None  # an epoch left unfinished (early stop) must not carry over
        if self.exhausted and self._pending is None:
            raise RuntimeError(self._exhausted_message())
        return self._epoch()

    def on_epoch_end(self):
        """Lets the source prepare the next epoch (``PyDataset.on_epoch_end``)."""
        self.source.on_epoch_end()

    # -- the passes ----------------------------------------------------------------------------
    def _epoch(self):
        self.source.on_epoch_begin()
        taken = 0
        while self._steps is None or taken < self._steps:
            batch = self._read()
            if batch is None:
                self._end_pass()
                if self._steps is not None:
                    self.ran_out = True
                    warnings.warn(f"Your input ran out of data after {taken} of "
                                  f"{self._steps} steps in this epoch. Make sure that your "
                                  f"{self.name} can generate at least `steps_per_epoch * epochs` "
                                  "batches (e.g. loop over your data forever).", stacklevel=2)
                return
            taken += 1
            yield batch
        count = self.source.num_batches
        if count is not None and self._seen >= count:
            self._end_pass()

    def _read(self):
        if self._pending is not None:
            batch, self._pending = self._pending, None
            return batch
        count = self.source.num_batches
        if count is not None and self._iterator is not None and self._seen >= count:
            return None
        if self._iterator is None:
            if self.exhausted:
                return None
            self._iterator = self.source.start_pass(self._rng)
            self._seen = 0
        try:
            raw = next(self._iterator)
        except StopIteration:
            return None
        self._seen += 1
        return self._check(raw, f"Batch {self._seen - 1} of the {self.name}")

    def _end_pass(self):
        if self._iterator is not None and self._pass_length is None:
            self._pass_length = self._seen
        self._iterator = None
        if not self.source.restartable:
            self.exhausted = True

    def _check(self, raw, where):
        batch = standardize(raw, where, self._class_weight, self._allow_nan)
        if self._first is None:
            self._first = batch
            return batch
        if signature(batch) != signature(self._first):
            raise ValueError(f"{where} is {describe(batch)}, but the first batch was "
                             f"{describe(self._first)}. Every batch must have the same structure "
                             "and dtypes.")
        if rows(batch) > rows(self._first):
            raise ValueError(f"{where} has {rows(batch)} rows, more than the {rows(self._first)} "
                             "of the first batch. Yield batches of one size (a smaller batch, "
                             "like the last one, is fine).")
        return batch

    def _exhausted_message(self):
        if self._steps is None:
            return (f"The {self.name} was used up by a previous epoch and cannot be restarted. "
                    "Pass `steps_per_epoch` with a generator that loops forever (`while True:`), "
                    "or pass an object that can be iterated again (a list of batches, a "
                    "`PyDataset`, or a class whose `__iter__` starts a fresh pass).")
        return (f"The {self.name} ran out of data. Make it generate at least "
                "`steps_per_epoch * epochs` batches (e.g. loop over your data forever).")
