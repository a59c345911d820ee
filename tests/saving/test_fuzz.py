"""Property: a damaged or tampered .keras file loads, or fails with a LoadError; it never
crashes the interpreter, hangs, or raises anything else."""

import contextlib
import io
import signal
import warnings
import zipfile

import pytest

from lamina.saving import LoadError, load_model
from tests.saving.support import small_sequential

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A folder holding a valid file (a compiled model with dropout, so every kind of state)."""
    path = tmp_path_factory.mktemp("fuzz")
    model = small_sequential(dropout=0.2)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    model.optimizer.build(model.trainable_variables)
    model.save(path / "valid.keras")
    return path


def _members(data):
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(i.filename, zf.read(i)) for i in zf.infolist()]


def _rezip(members):
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names
        with zipfile.ZipFile(buffer, "w") as zf:
            for name, payload in members:
                zf.writestr(name, payload)
    return buffer.getvalue()


def _flip(data, flips):
    out = bytearray(data)
    for position, bit in flips:
        out[position % len(out)] ^= 1 << bit
    return bytes(out)


flips = st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 7)), min_size=1, max_size=6)
names = st.sampled_from(["config.json", "model.weights.h5", "metadata.json", "../up.json",
                         "/abs.json", "assets/x", "CONFIG.JSON", "config.json\x00", "folder/"])
mutations = st.one_of(
    st.tuples(st.just("flip"), flips),
    st.tuples(st.just("truncate"), st.integers(0, 1 << 20)),
    st.tuples(st.just("rename"), st.tuples(st.integers(0, 2), names)),
    st.tuples(st.just("flip_member"), st.tuples(st.integers(0, 2), flips)),  # CRC stays valid
)


def mutate(data, mutation):
    kind, arg = mutation
    if kind == "flip":
        return _flip(data, arg)
    if kind == "truncate":
        return data[:arg % len(data)]
    members = _members(data)
    index, change = arg
    name, payload = members[index]
    members[index] = (change, payload) if kind == "rename" else (name, _flip(payload, change))
    return _rezip(members)


@contextlib.contextmanager
def time_limit(seconds):
    def hang(signum, frame):
        raise TimeoutError(f"loading took more than {seconds} s")
    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@settings(max_examples=40, deadline=5000, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(mutation=mutations)
def test_mutated_archives_load_or_raise_a_load_error(folder, mutation):
    path = folder / "mutated.keras"
    path.write_bytes(mutate((folder / "valid.keras").read_bytes(), mutation))
    with time_limit(20), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model = load_model(path)
        except LoadError as error:
            assert str(error)  # every refusal explains itself
            return
    assert model.count_params() == 8 * 16 + 16 + 16 + 1
