"""Per-batch logs of a compiled chunk, handed to batch hooks without syncing the device each step."""

import jax
import numpy as np


def as_python(value):
    """A float for a scalar log, a numpy array for a vector one (e.g. per-threshold counts)."""
    value = np.asarray(value)
    return float(value) if value.ndim == 0 else value


class StackedLogs:
    """The per-step logs of a chunk, fetched from the device once, when first read."""

    def __init__(self, device_logs):
        self.device_logs = device_logs
        self.host_logs = None

    def get(self, index, key):
        if self.host_logs is None:
            self.host_logs = jax.device_get(self.device_logs)
        return as_python(self.host_logs[key][index])

    def step(self, index):
        return StepLogs(self, index)


class StepLogs(dict):
    """One step's logs: a dict of floats whose values are fetched only when read."""

    def __init__(self, stacked, index):
        super().__init__({k: None for k in stacked.device_logs})
        self._stacked, self._index = stacked, index

    def __getitem__(self, key):
        if key not in self.keys():
            raise KeyError(key)
        return self._stacked.get(self._index, key)

    def get(self, key, default=None):
        return self[key] if key in self.keys() else default

    def items(self):
        return [(k, self[k]) for k in self.keys()]

    def values(self):
        return [self[k] for k in self.keys()]
