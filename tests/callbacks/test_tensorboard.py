"""TensorBoard: scalar event files with Keras's tags and steps (needs tensorboardX, an optional
extra; skipped without it), and a clear ImportError when it is missing."""

import struct
import sys

import numpy as np
import pytest

from lamina.callbacks.tensorboard import TensorBoard
from tests.callbacks.support import linear_data, tiny_model


def test_missing_tensorboardx_names_the_install_command(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    with pytest.raises(ImportError, match="pip install tensorboardX"):
        TensorBoard(tmp_path)


def _scalars(directory):
    """{tag: {step: value}} from every event file in ``directory`` (TFRecord framing)."""
    event_pb2 = pytest.importorskip("tensorboardX.proto.event_pb2")
    out = {}
    for path in sorted(directory.iterdir()):
        data = path.read_bytes()
        offset = 0
        while offset < len(data):
            (length,) = struct.unpack("<Q", data[offset:offset + 8])
            event = event_pb2.Event.FromString(data[offset + 12:offset + 12 + length])
            offset += 12 + length + 4
            for value in event.summary.value:
                out.setdefault(value.tag, {})[event.step] = value.simple_value
    return out


def test_epoch_scalars(tmp_path):
    pytest.importorskip("tensorboardX")
    x, y = linear_data()
    history = tiny_model(metrics=["mae"]).fit(
        x, y, epochs=3, verbose=0, validation_split=0.25, callbacks=[TensorBoard(tmp_path)])
    train, val = _scalars(tmp_path / "train"), _scalars(tmp_path / "validation")
    assert sorted(train) == ["epoch_learning_rate", "epoch_loss", "epoch_mae"]
    assert sorted(val) == ["epoch_loss", "epoch_mae"]
    for tags, prefix in ((train, ""), (val, "val_")):
        for name in ("loss", "mae"):
            steps = tags[f"epoch_{name}"]
            assert list(steps) == [0, 1, 2]
            np.testing.assert_allclose(list(steps.values()), history.history[prefix + name],
                                       rtol=1e-6)
    np.testing.assert_allclose(list(train["epoch_learning_rate"].values()), [0.01] * 3, rtol=1e-6)


def test_batch_scalars_every_n_batches(tmp_path):
    pytest.importorskip("tensorboardX")
    x, y = linear_data()
    model = tiny_model()
    model.fit(x, y, batch_size=16, epochs=2, verbose=0, callbacks=[TensorBoard(
        tmp_path, update_freq=3)])
    batch_loss = _scalars(tmp_path / "train")["batch_loss"]
    assert list(batch_loss) == [3, 6]  # 8 batches in all, numbered from 1
    assert all(np.isfinite(v) for v in batch_loss.values())


def test_epoch_frequency_keeps_the_fused_path(tmp_path):
    pytest.importorskip("tensorboardX")
    assert not TensorBoard(tmp_path)._overrides("on_train_batch_end")
    assert TensorBoard(tmp_path, update_freq="batch")._overrides("on_train_batch_end")


def test_unsupported_options_are_refused(tmp_path):
    pytest.importorskip("tensorboardX")
    with pytest.raises(NotImplementedError, match="histogram_freq=1"):
        TensorBoard(tmp_path, histogram_freq=1)
    with pytest.raises(ValueError, match="update_freq"):
        TensorBoard(tmp_path, update_freq="often")


def test_evaluate_writes_against_the_iteration_count(tmp_path):
    pytest.importorskip("tensorboardX")
    x, y = linear_data()
    model = tiny_model()
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    loss = model.evaluate(x, y, verbose=0, callbacks=[TensorBoard(tmp_path)])
    assert _scalars(tmp_path / "validation") == {
        "evaluation_loss_vs_iterations": {4: pytest.approx(loss, rel=1e-6)}}
