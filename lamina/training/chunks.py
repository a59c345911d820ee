"""Where a pass over the data comes from: chunks of steps, from device arrays or from a stream.

Each :class:`Chunk` is one compiled call: ``length`` steps of ``batch_size`` rows read from
``rows`` starting at step ``start``; ``mask`` marks the real rows when ``padded``.
"""

from __future__ import annotations

import math
import warnings
from typing import NamedTuple

import jax

from lamina.training.adapters import group
from lamina.training.programs import epoch_data


class Chunk(NamedTuple):
    rows: object
    mask: object
    start: int
    length: int
    batch_size: int
    padded: bool


def array_chunks(device_data, seed, shuffle, n, batch_size, chunk, padded, first_step=0,
                 stop=None):
    """Chunks over data already on the device, shuffled (by ``seed``) there, for the steps
    ``first_step`` to ``stop`` (default: the end) of a pass over the rows.

    Unpadded (custom steps), a partial last batch is the pass's last step, as its own one-step
    chunk.
    """
    steps = math.ceil(n / batch_size) if padded else n // batch_size
    stop = math.ceil(n / batch_size) if stop is None else stop
    rows, mask = epoch_data(device_data, seed, n, max(n, steps * batch_size), shuffle)
    end = min(stop, steps)
    for start in range(first_step, end, chunk):
        yield Chunk(rows, mask, start, min(chunk, end - start), batch_size, padded)
    tail = n - steps * batch_size
    if tail > 0 and first_step <= steps < stop:
        yield Chunk(jax.tree_util.tree_map(lambda a: a[steps * batch_size:], rows), None, 0, 1,
                    tail, False)


class ArrayPasses:
    """Epochs over arrays on the device, with Keras's ``steps_per_epoch`` rules.

    Without ``steps_per_epoch`` an epoch is one pass over the rows, shuffled anew. With it,
    each epoch takes that many steps of the current pass and the next epoch goes on where it
    stopped; an epoch that meets the end of the pass stops there (with Keras's warning), and the
    next epoch starts a new pass, shuffled anew.

    >>> import warnings
    >>> passes = ArrayPasses(None, n=10, batch_size=2, shuffle=False, padded=True,
    ...                      steps_per_epoch=2)
    >>> with warnings.catch_warnings(record=True) as caught:  # the third epoch runs out
    ...     [passes.next_range() for _ in range(4)]
    [(0, 2), (2, 4), (4, 5), (0, 2)]
    >>> len(caught)
    1
    """

    def __init__(self, device_data, n, batch_size, shuffle, padded, steps_per_epoch=None):
        self.device_data, self.n, self.batch_size = device_data, n, batch_size
        self.shuffle, self.padded, self.steps_per_epoch = shuffle, padded, steps_per_epoch
        self.pass_steps = math.ceil(n / batch_size)
        self.cursor, self.seed = 0, None

    @property
    def epoch_steps(self):
        return self.steps_per_epoch or self.pass_steps

    def next_range(self, first_step=0):
        """``(start, stop)``: the steps of the pass the next epoch runs; ``first_step`` > 0
        resumes an epoch of a whole pass at that step."""
        start = first_step or self.cursor
        stop = self.pass_steps
        if self.steps_per_epoch is not None:
            stop = min(stop, start + self.steps_per_epoch)
            if stop - start < self.steps_per_epoch:
                warnings.warn("Your input ran out of data: this epoch ran "
                              f"{stop - start} of its {self.steps_per_epoch} steps "
                              f"(`steps_per_epoch`); the next epoch starts a new pass over the "
                              f"{self.n} rows.", stacklevel=4)
        self.cursor = 0 if stop >= self.pass_steps else stop
        return start, stop

    def epoch_chunks(self, new_seed, chunk, first_step=0):
        """The next epoch's chunks; ``new_seed()`` gives the shuffle seed of a new pass."""
        if self.cursor == 0 or first_step:
            self.seed = new_seed()
        start, stop = self.next_range(first_step)
        return array_chunks(self.device_data, self.seed, self.shuffle, self.n, self.batch_size,
                            chunk, self.padded, start, stop)


def stream_chunks(adapter, chunk, padded):
    """Chunks from a generator, PyDataset or DataLoader: each group of batches is put on the
    device in one transfer; partial batches are padded (or, unpadded, run at their size)."""
    if padded:
        for rows, mask, count in group(adapter.epoch_batches(), chunk, adapter.batch_size):
            yield Chunk(jax.device_put(rows), jax.device_put(mask), 0, count,
                        adapter.batch_size, True)
        return
    for batch in adapter.epoch_batches():
        size = jax.tree_util.tree_leaves(batch)[0].shape[0]
        yield Chunk(jax.device_put(batch), None, 0, 1, size, False)
