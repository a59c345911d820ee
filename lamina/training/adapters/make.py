"""``make_adapter``: the one entry point that turns fit/evaluate/predict data into an adapter."""

from __future__ import annotations

from lamina.training.adapters.arrays import in_memory
from lamina.training.adapters.sources import source_for
from lamina.training.adapters.stream import StreamAdapter


def make_adapter(x, y=None, sample_weight=None, batch_size=None, steps_per_epoch=None,
                 shuffle=False, class_weight=None, seed=None, allow_nan=False):
    """An :class:`~lamina.training.adapters.arrays.InMemory` for arrays, else a
    :class:`~lamina.training.adapters.stream.StreamAdapter`.

    ``shuffle`` reorders a ``PyDataset``'s batches each pass (with ``seed``); other streams are
    expected to come shuffled. ``batch_size`` applies to arrays only: a stream's batches are
    already made.

    >>> import numpy as np
    >>> make_adapter(np.zeros((4, 2))).is_stream, make_adapter(iter([np.zeros((4, 2))])).is_stream
    (False, True)
    """
    if x is None:
        raise ValueError("No data given: pass `x` (arrays, a generator, a `PyDataset` or a "
                         "torch `DataLoader`).")
    source = source_for(x, shuffle)
    if source is None:
        return in_memory(x, y, sample_weight, batch_size, steps_per_epoch, class_weight,
                         allow_nan)
    for name, value, what in (("y", y, "the targets"),
                              ("sample_weight", sample_weight, "the sample weights")):
        if value is not None:
            raise ValueError(f"When `x` is a {source.name}, `{name}` should not be passed; "
                             f"{what} should be part of each batch the {source.name} yields: "
                             "(x, y) or (x, y, sample_weight).")
    if class_weight is not None and not isinstance(class_weight, dict):
        raise TypeError(f"`class_weight` must be a dict mapping class indices to weights; "
                        f"received {type(class_weight).__name__}.")
    return StreamAdapter(source, steps_per_epoch, class_weight, allow_nan, seed)
