"""Data adapters: streamed batches equal the numpy batches they came from, Keras's
steps_per_epoch rules, class_weight, padding, and errors that say what to do."""

import types
import warnings

import numpy as np
import pytest

from lamina.training.adapters import (InMemory, StreamAdapter, class_weight_to_sample_weight,
                                      group, make_adapter, pad_to)
from lamina.utils.py_dataset import PyDataset

X = np.arange(30, dtype=np.float64).reshape(10, 3) / 7
X32 = X.astype(np.float32)
Y = np.arange(10, dtype=np.int64) % 3
W = np.linspace(0.5, 2.0, 10)
SIZE = 4


def numpy_batches(*arrays, size=SIZE):
    return [tuple(a[i:i + size] for a in arrays) for i in range(0, len(arrays[0]), size)]


def assert_batches_equal(got, expected):
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert len(g) == len(e)
        for a, b in zip(g, e):
            dtype = {np.dtype("float64"): np.float32, np.dtype("int64"): np.int32}.get(
                b.dtype, b.dtype)
            assert a.dtype == dtype
            np.testing.assert_array_equal(a, b.astype(dtype))


class Reiterable:
    """An iterable without a length whose every ``iter()`` is a fresh pass."""

    def __init__(self, batches):
        self.batches = batches

    def __iter__(self):
        return iter(self.batches)


class Sliced(PyDataset):
    def __init__(self, *arrays, size=SIZE, **kwargs):
        super().__init__(**kwargs)
        self.arrays, self.size = arrays, size
        self.ends = 0

    def __len__(self):
        return -(-len(self.arrays[0]) // self.size)

    def __getitem__(self, index):
        return tuple(a[index * self.size:(index + 1) * self.size] for a in self.arrays)

    def on_epoch_end(self):
        self.ends += 1


class FakeTensor:
    """Mimics a torch tensor: no ``__array__``, ``.detach().cpu().numpy()``."""

    def __init__(self, array):
        self.array = array

    def detach(self):
        return self

    def cpu(self):
        return self

    def numpy(self):
        return self.array


class FakeDataLoader:
    def __init__(self, *arrays, batch_size=SIZE):
        self.arrays, self.batch_size = arrays, batch_size

    def __len__(self):
        return -(-len(self.arrays[0]) // self.batch_size)

    def __iter__(self):
        for batch in numpy_batches(*self.arrays, size=self.batch_size):
            yield [FakeTensor(a) for a in batch]


FakeTensor.__module__ = "torch"
FakeDataLoader.__module__ = "torch.utils.data.dataloader"


def epoch(adapter):
    return list(adapter.epoch_batches())


# -- every stream gives the numpy batches -------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: (b for b in numpy_batches(X, Y)),
    lambda: Reiterable(numpy_batches(X, Y)),
    lambda: Sliced(X, Y),
    lambda: Sliced(X, Y, workers=2),
    lambda: FakeDataLoader(X, Y),
], ids=["generator", "iterable", "pydataset", "pydataset-workers", "fake-dataloader"])
def test_stream_batches_equal_numpy_batches(make):
    adapter = make_adapter(make())
    assert adapter.is_stream and adapter.batch_size == SIZE
    assert_batches_equal(epoch(adapter), numpy_batches(X, Y))


def test_fake_dataloader_is_recognized_without_torch():
    adapter = make_adapter(FakeDataLoader(X, Y))
    assert adapter.name == "torch DataLoader" and adapter.steps_per_epoch == 3
    with pytest.raises(ValueError, match="torch DataLoader, `y` should not be passed"):
        make_adapter(FakeDataLoader(X), y=Y)


def test_real_torch_dataloader():
    torch = pytest.importorskip("torch")
    data = torch.utils.data.TensorDataset(torch.tensor(X), torch.tensor(Y))
    loader = torch.utils.data.DataLoader(data, batch_size=SIZE)
    assert_batches_equal(epoch(make_adapter(loader)), numpy_batches(X, Y))


def test_sample_weights_dicts_and_single_arrays_pass_through():
    adapter = make_adapter(b for b in numpy_batches(X, Y, W))
    assert_batches_equal(epoch(adapter), numpy_batches(X, Y, W))
    named = make_adapter(iter([({"a": X[:4], "b": Y[:4]}, Y[:4])]))
    x, y = named.peek()
    assert set(x) == {"a", "b"} and x["a"].dtype == np.float32 and x["b"].dtype == np.int32
    only_x = make_adapter(iter([X[:4], [X[4:8]]]))
    assert [len(b) for b in epoch(only_x)] == [1, 1]


def test_peek_keeps_the_first_batch_for_the_first_epoch():
    adapter = make_adapter(b for b in numpy_batches(X, Y))
    np.testing.assert_array_equal(adapter.peek()[0], X32[:4])
    assert adapter.spec[0].shape == (4, 3)
    assert_batches_equal(epoch(adapter), numpy_batches(X, Y))


def test_a_reiterable_restarts_and_learns_its_length():
    adapter = make_adapter(Reiterable(numpy_batches(X, Y)))
    assert adapter.steps_per_epoch is None
    first, second = epoch(adapter), epoch(adapter)
    assert_batches_equal(second, first)
    assert adapter.steps_per_epoch == 3 and not adapter.exhausted
    next(adapter.epoch_batches())  # an epoch left unfinished, as by early stopping
    assert_batches_equal(epoch(adapter), first)


# -- steps_per_epoch ----------------------------------------------------------------------------
def counting(limit=None):
    i = 0
    while limit is None or i < limit:
        yield np.full((2, 1), i, np.float32), np.zeros(2)
        i += 1


def firsts(batches):
    return [int(b[0][0, 0]) for b in batches]


def test_steps_per_epoch_continues_a_generator_across_epochs():
    adapter = make_adapter(counting(), steps_per_epoch=3)
    assert [firsts(epoch(adapter)) for _ in range(3)] == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    assert adapter.steps_per_epoch == 3


def test_a_generator_that_runs_out_warns_then_refuses():
    adapter = make_adapter(counting(7), steps_per_epoch=3)
    assert firsts(epoch(adapter)) == [0, 1, 2] and firsts(epoch(adapter)) == [3, 4, 5]
    with pytest.warns(UserWarning, match="ran out of data after 1 of 3 steps"):
        assert firsts(epoch(adapter)) == [6]
    assert adapter.ran_out and adapter.exhausted
    with pytest.raises(RuntimeError, match="ran out of data.*steps_per_epoch \\* epochs"):
        adapter.epoch_batches()


def test_a_plain_generator_is_one_epoch_and_cannot_restart():
    adapter = make_adapter(counting(3))
    assert firsts(epoch(adapter)) == [0, 1, 2]
    assert adapter.exhausted and not adapter.ran_out and adapter.steps_per_epoch == 3
    with pytest.raises(RuntimeError, match="generator was used up.*steps_per_epoch"):
        adapter.epoch_batches()


def test_steps_per_epoch_over_a_known_length_source_follows_keras():
    # Keras: the pass goes on across epochs; when its batches are all seen the epoch ends
    # (short, with a warning) and the next epoch starts a fresh pass.
    data = Sliced(np.arange(5.0)[:, None], size=1)
    adapter = make_adapter(data, steps_per_epoch=3)
    assert firsts(epoch(adapter)) == [0, 1, 2]
    with pytest.warns(UserWarning, match="ran out"):
        assert firsts(epoch(adapter)) == [3, 4]
    assert adapter.ran_out and not adapter.exhausted
    assert firsts(epoch(adapter)) == [0, 1, 2]
    exact = make_adapter(Sliced(np.arange(4.0)[:, None], size=1), steps_per_epoch=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert [firsts(epoch(exact)) for _ in range(2)] == [[0, 1, 2, 3]] * 2


def test_pydataset_shuffle_and_epoch_hooks():
    data = Sliced(np.arange(6.0)[:, None], size=1)
    adapter = make_adapter(data, shuffle=True, seed=0)
    orders = [firsts(epoch(adapter)) for _ in range(3)]
    for _ in orders:
        adapter.on_epoch_end()
    assert all(sorted(o) == list(range(6)) for o in orders)
    assert len({tuple(o) for o in orders}) > 1 and data.ends == 3
    assert firsts(epoch(make_adapter(data))) == list(range(6))


# -- class_weight -------------------------------------------------------------------------------
def test_class_weight_by_hand():
    weights = {0: 0.5, 2: 4.0}
    assert class_weight_to_sample_weight(np.array([0, 1, 2, 2]), weights).tolist() == [
        0.5, 1.0, 4.0, 4.0]
    assert class_weight_to_sample_weight(np.array([[2], [0]]), weights).tolist() == [4.0, 0.5]
    assert class_weight_to_sample_weight(np.array([1.9, 0.2]), weights).tolist() == [4.0, 0.5]
    one_hot = np.array([[0.1, 0.2, 0.7], [0.8, 0.1, 0.1], [0, 1, 0]])
    assert class_weight_to_sample_weight(one_hot, weights).tolist() == [4.0, 0.5, 1.0]


def test_class_weight_matches_keras(rng):
    from keras.src.trainers.data_adapters.data_adapter_utils import (
        class_weight_to_sample_weights)
    weights = {0: 0.25, 1: 3.0, 3: 1.5}
    for y in (rng.integers(0, 4, 50), np.eye(4)[rng.integers(0, 4, 50)],
              rng.integers(0, 4, (50, 1)).astype("float32")):
        np.testing.assert_array_equal(class_weight_to_sample_weight(y, weights),
                                      class_weight_to_sample_weights(y, weights))


def test_class_weight_for_arrays_and_streams():
    weights = {1: 2.0, 2: 3.0}
    expected = np.array([1.0, 2.0, 3.0] * 4)[:10]
    arrays = make_adapter(X, Y, class_weight=weights)
    assert isinstance(arrays, InMemory) and not arrays.is_stream
    np.testing.assert_array_equal(arrays.sample_weight, expected)
    assert len(arrays.packed) == 3
    stream = make_adapter(Sliced(X, Y), class_weight=weights)
    got = np.concatenate([b[2] for b in epoch(stream)])
    np.testing.assert_array_equal(got, expected)


def test_class_weight_errors():
    with pytest.raises(ValueError, match="single output"):
        make_adapter(X, [Y, Y], class_weight={0: 1.0})
    with pytest.raises(ValueError, match="`class_weight` and `sample_weight` at the same time"):
        make_adapter(X, Y, sample_weight=W, class_weight={0: 1.0})
    with pytest.raises(ValueError, match="already has sample weights"):
        make_adapter(iter(numpy_batches(X, Y, W)), class_weight={0: 1.0}).peek()
    with pytest.raises(ValueError, match="single output"):
        make_adapter(iter([(X, (Y, Y))]), class_weight={0: 1.0}).peek()
    with pytest.raises(TypeError, match="must be a dict"):
        make_adapter(X, Y, class_weight=[1.0, 2.0])
    with pytest.raises(TypeError, match="integer class indices"):
        class_weight_to_sample_weight(Y, {"cat": 2.0})


# -- in-memory arrays ---------------------------------------------------------------------------
def test_arrays_stay_in_memory_with_keras_batch_size():
    data = make_adapter((X, X), {"out": Y}, steps_per_epoch=3)
    assert data.x[0].dtype == np.float32 and data.y["out"].dtype == np.int32
    assert data.num_rows == 10 and data.batch_size == 4 and data.steps_per_epoch == 3
    assert make_adapter(X, batch_size=5).batch_size == 5 and len(make_adapter(X).packed) == 1


# -- padding ------------------------------------------------------------------------------------
def test_pad_to_repeats_rows_cyclically():
    batch = ({"a": np.arange(3.0)}, np.array([7, 8, 9]))
    padded, mask = pad_to(batch, 7)
    assert padded[0]["a"].tolist() == [0, 1, 2, 0, 1, 2, 0]
    assert padded[1].tolist() == [7, 8, 9, 7, 8, 9, 7]
    assert mask.dtype == np.float32 and mask.tolist() == [1, 1, 1, 0, 0, 0, 0]
    with pytest.raises(ValueError, match="5 rows cannot be padded to 4"):
        pad_to((np.zeros(5),), 4)


def test_group_lays_out_chunks_like_the_compiled_step_reads_them():
    chunks = list(group(numpy_batches(X32, Y), 2, SIZE))
    assert [steps for _, _, steps in chunks] == [2, 1]
    (rows, mask, _), (tail, tail_mask, _) = chunks
    np.testing.assert_array_equal(rows[0], X32[:8])
    np.testing.assert_array_equal(tail[0], np.concatenate([X32[8:], X32[8:]]))
    assert mask.tolist() == [1.0] * 8 and tail_mask.tolist() == [1, 1, 0, 0]


# -- errors -------------------------------------------------------------------------------------
def test_inconsistent_batches_are_refused():
    mixed = make_adapter(iter([(X[:4], Y[:4]), (X[4:8],)]))
    with pytest.raises(ValueError, match="Batch 1 of the iterator is .* but the first batch"):
        epoch(mixed)
    dtypes = make_adapter(b for b in [(X[:4], Y[:4]), (X[4:8], X[4:8, 0])])
    with pytest.raises(ValueError, match="same structure and dtypes"):
        epoch(dtypes)
    bigger = make_adapter(b for b in [(X[:2],), (X[2:6],)])
    with pytest.raises(ValueError, match="Batch 1 of the generator has 4 rows, more than the 2"):
        epoch(bigger)


def test_bad_batches_name_the_batch():
    strings = make_adapter(b for b in [(np.array(["a", "b"]), Y[:2])])
    with pytest.raises(TypeError, match="Batch 0 of the generator: `x` must hold numbers"):
        strings.peek()
    nan = make_adapter(b for b in [(X[:2],), (np.full((2, 3), np.nan),)])
    with pytest.raises(ValueError, match="Batch 1 of the generator: `x` contains NaN"):
        epoch(nan)
    rows = make_adapter(b for b in [(X[:3], Y[:2])])
    with pytest.raises(ValueError, match="Data length mismatch"):
        rows.peek()
    four = make_adapter(b for b in [(X, Y, W, W)])
    with pytest.raises(ValueError, match="tuple of 4 elements"):
        four.peek()
    with pytest.raises(ValueError, match="yielded no batch"):
        make_adapter(b for b in []).peek()


def test_stream_arguments_are_checked():
    with pytest.raises(ValueError, match="generator, `sample_weight` should not be passed"):
        make_adapter(counting(), sample_weight=W)
    with pytest.raises(ValueError, match="`steps_per_epoch` must be a positive integer"):
        make_adapter(counting(), steps_per_epoch=0)
    with pytest.raises(ValueError, match="No data given"):
        make_adapter(None)
    assert isinstance(make_adapter(map(tuple, [[X[:2]]])), StreamAdapter)
    assert isinstance(counting(), types.GeneratorType)
