"""Where a pass over the data comes from: chunks of steps, from device arrays or from a stream.

Each :class:`Chunk` is one compiled call: ``length`` steps of ``batch_size`` rows read from
``rows`` starting at step ``start``; ``mask`` marks the real rows when ``padded``.
"""

from __future__ import annotations

import math
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


def array_chunks(device_data, seed, shuffle, n, batch_size, chunk, padded, first_step=0):
    """Chunks over data already on the device, shuffled once per epoch there, from step
    ``first_step`` on (a resumed epoch skips the steps it had already run).

    Unpadded (custom steps), a partial last batch comes last, as its own one-step chunk.
    """
    steps = math.ceil(n / batch_size) if padded else n // batch_size
    rows, mask = epoch_data(device_data, seed, n, max(n, steps * batch_size), shuffle)
    for start in range(first_step, steps, chunk):
        yield Chunk(rows, mask, start, min(chunk, steps - start), batch_size, padded)
    tail = n - steps * batch_size
    if tail > 0 and first_step <= steps:
        yield Chunk(jax.tree_util.tree_map(lambda a: a[steps * batch_size:], rows), None, 0, 1,
                    tail, False)


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
