"""``PyDataset``: batches produced by Python code, by index, optionally fetched in parallel.

Subclass it, return the number of batches from ``__len__`` and batch ``index`` from
``__getitem__`` as ``x``, ``(x, y)`` or ``(x, y, sample_weight)``; ``fit`` calls ``on_epoch_end``
after every epoch (reshuffle your files there). With ``workers > 1`` the batches are fetched by a
pool of threads (or of processes with ``use_multiprocessing=True``), at most ``max_queue_size``
ahead, and still delivered in order.
"""

from __future__ import annotations

import collections
import concurrent.futures
import itertools
import multiprocessing


class PyDataset:
    """Base class for a dataset of batches computed in Python.

    >>> import numpy as np
    >>> class Squares(PyDataset):
    ...     def __len__(self):
    ...         return 3
    ...     def __getitem__(self, index):
    ...         x = np.full((2, 1), index, "float32")
    ...         return x, x ** 2
    >>> data = Squares(workers=2)
    >>> data.num_batches, [float(y[0, 0]) for _, y in iterate(data)]
    (3, [0.0, 1.0, 4.0])

    Args:
        workers: how many batches are computed at the same time during ``fit``.
        use_multiprocessing: compute them in processes instead of threads (for CPU-heavy Python
            code); the dataset must be picklable and its class importable.
        max_queue_size: how many batches may be computed ahead of the one being trained on.
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        for name, value in (("workers", workers), ("max_queue_size", max_queue_size)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"PyDataset `{name}` must be a positive integer, received "
                                 f"{value!r}.")
        self.workers = workers
        self.use_multiprocessing = bool(use_multiprocessing)
        self.max_queue_size = max_queue_size

    def __len__(self):
        """The number of batches in one epoch."""
        raise NotImplementedError(f"{type(self).__name__} must implement `__len__` (the number "
                                  "of batches), or `num_batches` returning None if endless.")

    def __getitem__(self, index):
        """Batch ``index``: ``x``, ``(x, y)`` or ``(x, y, sample_weight)``."""
        raise NotImplementedError(f"{type(self).__name__} must implement `__getitem__(index)` "
                                  "returning one batch.")

    @property
    def num_batches(self):
        """Batches per epoch (``len(self)``); override to return ``None`` for an endless one."""
        return len(self)

    def on_epoch_begin(self):
        """Called before every epoch."""

    def on_epoch_end(self):
        """Called after every epoch: reshuffle or regenerate your data here."""

    def __iter__(self):
        return iterate(self)


def iterate(dataset, indices=None):
    """The batches ``dataset[i]`` for ``i`` in ``indices`` (default: every batch), in order,
    computed by the dataset's ``workers`` in parallel when there are several."""
    if indices is None:
        count = dataset.num_batches
        indices = itertools.count() if count is None else range(count)
    workers = getattr(dataset, "workers", 1)
    processes = getattr(dataset, "use_multiprocessing", False)
    if workers <= 1 and not processes:
        return (dataset[i] for i in indices)
    return _prefetched(dataset, iter(indices), workers, processes,
                       getattr(dataset, "max_queue_size", 10))


def _prefetched(dataset, indices, workers, processes, queue_size):
    if processes:
        # "spawn", because forking a process that runs JAX's threads can deadlock
        pool = concurrent.futures.ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=_set_worker_dataset, initargs=(dataset,))
        fetch = _worker_getitem
    else:
        pool = concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="PyDataset")
        fetch = dataset.__getitem__
    pending = collections.deque()
    try:
        for index in itertools.islice(indices, max(queue_size, workers)):
            pending.append(pool.submit(fetch, index))
        while pending:
            batch = pending.popleft().result()
            for index in itertools.islice(indices, 1):
                pending.append(pool.submit(fetch, index))
            yield batch
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=processes, cancel_futures=True)  # no stray processes


_worker_dataset = None


def _set_worker_dataset(dataset):
    global _worker_dataset
    _worker_dataset = dataset


def _worker_getitem(index):
    return _worker_dataset[index]
