"""Where streamed batches come from: a one-shot generator, a re-iterable object (a torch
``DataLoader`` among them), or a :class:`~lamina.utils.py_dataset.PyDataset` read by index."""

from __future__ import annotations

import types

import jax
import numpy as np

from lamina.utils.py_dataset import PyDataset, iterate


class IterableSource:
    """Any object whose ``iter()`` gives a fresh pass each time (``restartable``), or a
    generator or other iterator, which gives one pass only."""

    def __init__(self, obj, name):
        self.obj = obj
        self.name = name
        self.restartable = not hasattr(obj, "__next__")  # iter() may start workers
        try:
            self.num_batches = len(obj) if self.restartable else None
        except TypeError:
            self.num_batches = None

    def start_pass(self, rng):
        return iter(self.obj)

    def on_epoch_begin(self):
        pass

    def on_epoch_end(self):
        pass


class PyDatasetSource:
    """A :class:`PyDataset`: batch order shuffled per pass when asked (Keras does too)."""

    name = "PyDataset"
    restartable = True

    def __init__(self, dataset, shuffle):
        self.dataset = dataset
        self.shuffle = shuffle

    @property
    def num_batches(self):
        return self.dataset.num_batches

    def start_pass(self, rng):
        count = self.num_batches
        indices = None
        if count is not None and self.shuffle:
            indices = rng.permutation(count).tolist()
        return iter(iterate(self.dataset, indices))

    def on_epoch_begin(self):
        getattr(self.dataset, "on_epoch_begin", lambda: None)()

    def on_epoch_end(self):
        getattr(self.dataset, "on_epoch_end", lambda: None)()


def source_for(x, shuffle=False):
    """The stream source for ``x``, or ``None`` when ``x`` is in-memory array data."""
    if isinstance(x, PyDataset) or any(c.__name__ == "PyDataset" for c in type(x).__mro__):
        return PyDatasetSource(x, shuffle)
    if _is_array_data(x):
        return None
    if type(x).__module__.startswith("torch.") and hasattr(x, "__iter__"):
        return IterableSource(x, "torch DataLoader" if hasattr(x, "batch_size") else "torch "
                              f"{type(x).__name__}")
    if isinstance(x, types.GeneratorType):
        return IterableSource(x, "generator")
    if hasattr(x, "__iter__"):
        return IterableSource(x, "iterator" if hasattr(x, "__next__") else "iterable")
    return None


def _is_array_data(x):
    return (isinstance(x, (list, tuple, dict, str, bytes, np.ndarray, jax.Array))
            or hasattr(x, "__array__") or not hasattr(x, "__iter__"))
