"""In-memory inputs: arrays checked and converted once; the trainer keeps its on-device path."""

from __future__ import annotations

import dataclasses
import math

from lamina.training import data as data_module
from lamina.training.adapters.class_weight import apply_class_weight


@dataclasses.dataclass
class InMemory:
    """Converted arrays (float64 -> float32, int64 -> int32) and how to batch them.

    ``sample_weight`` already includes ``class_weight``. ``batch_size`` follows Keras: the one
    given, else ``ceil(num_rows / steps_per_epoch)`` when steps are given, else 32.
    ``steps_per_epoch`` is ``None`` for one full pass over the rows.
    """

    x: object
    y: object
    sample_weight: object
    num_rows: int
    batch_size: int
    steps_per_epoch: int | None = None

    is_stream = False

    @property
    def packed(self):
        """Keras's batch structure: ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``."""
        return data_module.pack_data(self.x, self.y, self.sample_weight)


def in_memory(x, y=None, sample_weight=None, batch_size=None, steps_per_epoch=None,
              class_weight=None, allow_nan=False):
    """Checks and converts arrays into an :class:`InMemory`.

    >>> import numpy as np
    >>> data = in_memory(np.zeros((5, 2)), np.array([0, 1, 1, 0, 1]), class_weight={1: 2.0})
    >>> data.x.dtype, data.sample_weight.tolist(), data.batch_size
    (dtype('float32'), [1.0, 2.0, 2.0, 1.0, 2.0], 32)
    """
    (x, y, sample_weight), n = data_module.prepare(x, y, sample_weight, allow_nan=allow_nan)
    sample_weight = apply_class_weight(y, sample_weight, class_weight)
    if batch_size is None and steps_per_epoch:
        batch_size = max(1, math.ceil(n / steps_per_epoch))
    return InMemory(x, y, sample_weight, n, data_module.check_batch_size(batch_size),
                    steps_per_epoch)
