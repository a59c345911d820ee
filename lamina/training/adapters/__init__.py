"""Data adapters: what ``fit``/``evaluate``/``predict`` do with their ``x``.

``make_adapter(x, y=None, sample_weight=None, batch_size=None, steps_per_epoch=None,
shuffle=False, class_weight=None, seed=None, allow_nan=False)`` returns one of two things:

* :class:`InMemory` (``is_stream == False``) for numpy/jax arrays and lists, tuples or dicts
  of them: ``x``, ``y``, ``sample_weight`` converted (float64 -> float32, int64 -> int32) and
  checked once, ``class_weight`` already folded into ``sample_weight``, plus ``num_rows``,
  ``batch_size`` (Keras's default rule) and ``steps_per_epoch``; ``.packed`` is the
  ``(x,)``/``(x, y)``/``(x, y, sw)`` tuple. The trainer keeps its on-device path for these.
* :class:`StreamAdapter` (``is_stream == True``) for a Python generator or iterator, any other
  iterable (a re-iterable one restarts every pass), a :class:`~lamina.utils.PyDataset`
  (``workers`` fetch in parallel, in order) or a torch ``DataLoader`` (recognized by its class's
  module; torch is never imported). Each batch may be ``x``, ``(x, y)`` or ``(x, y, w)`` of
  arrays, tensors or pytrees of them. The adapter offers:

  - ``peek()``: the first batch, for building the model (still delivered by the first epoch);
  - ``batch_size``: the rows of the first batch; later batches may have fewer rows, never more;
  - ``steps_per_epoch``: given, else the source's ``len``, else learned after one pass, else
    ``None`` (an epoch runs until the data ends);
  - ``epoch_batches()``: an iterator over one epoch's host batches, each a tuple of numpy
    pytrees ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``, converted, checked against the
    first batch (structure and dtypes; shapes beyond the batch axis may change, at the cost of
    a new compilation), with ``class_weight`` applied;
  - ``on_epoch_end()``: forwards to ``PyDataset.on_epoch_end``.

  Keras's ``steps_per_epoch`` rules: with it, each epoch takes that many batches and the next
  epoch goes on where the last stopped; a source of known length starts a fresh pass once
  it has given them all; a source that ends early ends the epoch with a warning and sets
  ``ran_out``. Without it, one pass is one epoch. A one-shot source (a generator) that has
  ended sets ``exhausted``, and the next ``epoch_batches()`` raises a ``RuntimeError`` saying
  what to do. When ``ran_out`` and ``exhausted`` are both set after an epoch, no further epoch
  can run: the trainer should stop training (Keras warns "interrupting training").

  Partial batches are the trainer's to pad: ``pad_to(batch, batch_size)`` gives the batch
  padded cyclically (like the in-memory path) and a float32 0/1 mask; ``group(batches, length,
  batch_size)`` concatenates padded batches into the rows of one compiled chunk of steps.

``class_weight_to_sample_weight(y, class_weight)`` is Keras's rule (label for 1-D targets,
argmax for one-hot; single output only) for callers holding arrays.
"""

from lamina.training.adapters.arrays import InMemory, in_memory
from lamina.training.adapters.batches import group, pad_to, rows, standardize
from lamina.training.adapters.class_weight import (apply_class_weight,
                                                   class_weight_to_sample_weight)
from lamina.training.adapters.make import make_adapter
from lamina.training.adapters.stream import StreamAdapter

__all__ = ["InMemory", "StreamAdapter", "apply_class_weight", "class_weight_to_sample_weight",
           "group", "in_memory", "make_adapter", "pad_to", "rows", "standardize"]
