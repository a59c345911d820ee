"""PyDataset: batches by index, fetched by several workers and still delivered in order."""

import sys
import textwrap
import threading
import time

import numpy as np
import pytest

from lamina.training.adapters import make_adapter
from lamina.utils.py_dataset import PyDataset, iterate


class Slow(PyDataset):
    """Early batches take longest, so parallel workers finish them last."""

    def __init__(self, count=6, **kwargs):
        super().__init__(**kwargs)
        self.count = count
        self.threads = set()
        self.started = []
        self.lock = threading.Lock()

    def __len__(self):
        return self.count

    def __getitem__(self, index):
        with self.lock:
            self.threads.add(threading.get_ident())
            self.started.append(index)
        time.sleep(0.02 * (self.count - index))
        return np.full((2, 1), index, np.float32), np.full((2,), index, np.int32)


def indices(batches):
    return [int(x[0, 0]) for x, _ in batches]


def test_workers_fetch_in_parallel_and_deliver_in_order():
    data = Slow(workers=2)
    assert indices(iterate(data)) == list(range(6))
    assert len(data.threads) == 2
    assert indices(make_adapter(Slow(workers=3)).epoch_batches()) == list(range(6))


def test_prefetching_stops_at_max_queue_size():
    data = Slow(count=12, workers=2, max_queue_size=3)
    batches = iterate(data)
    next(batches)
    time.sleep(0.3)
    assert set(data.started) <= {0, 1, 2, 3}  # 3 queued, then one more per batch taken
    assert indices(batches) == list(range(1, 12))


def test_worker_errors_reach_the_caller():
    class Broken(Slow):
        def __getitem__(self, index):
            if index == 2:
                raise KeyError("no batch 2")
            return super().__getitem__(index)

    with pytest.raises(KeyError, match="no batch 2"):
        list(iterate(Broken(workers=2)))


def test_endless_dataset_with_steps_per_epoch():
    class Endless(PyDataset):
        @property
        def num_batches(self):
            return None

        def __getitem__(self, index):
            return np.full((1, 1), index, np.float32), np.zeros(1)

    adapter = make_adapter(Endless(workers=2), steps_per_epoch=2)
    assert [indices(adapter.epoch_batches()) for _ in range(2)] == [[0, 1], [2, 3]]


def test_missing_methods_and_bad_arguments_are_explained():
    with pytest.raises(NotImplementedError, match="must implement `__len__`"):
        PyDataset().num_batches
    with pytest.raises(NotImplementedError, match=r"must implement `__getitem__\(index\)`"):
        PyDataset()[0]
    with pytest.raises(ValueError, match="`workers` must be a positive integer, received 0"):
        PyDataset(workers=0)


def test_subclass_without_super_init_runs_serially():
    class NoInit(PyDataset):
        def __init__(self):
            pass

        def __len__(self):
            return 2

        def __getitem__(self, index):
            return np.full((1, 1), index, np.float32), np.zeros(1)

    assert indices(iterate(NoInit())) == [0, 1]


def test_processes(tmp_path, monkeypatch):
    (tmp_path / "lamina_mp_data.py").write_text(textwrap.dedent("""
        import os
        import numpy as np
        from lamina.utils.py_dataset import PyDataset

        class Pids(PyDataset):
            def __len__(self):
                return 4

            def __getitem__(self, index):
                return np.full((1, 1), index, np.float32), np.array([os.getpid()])
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    from lamina_mp_data import Pids

    try:
        batches = list(iterate(Pids(workers=2, use_multiprocessing=True)))
    finally:
        sys.modules.pop("lamina_mp_data", None)
    assert [int(x[0, 0]) for x, _ in batches] == [0, 1, 2, 3]
    pids = {int(p[0]) for _, p in batches}
    assert pids and all(p != __import__("os").getpid() for p in pids)
