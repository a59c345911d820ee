"""CSVLogger: the same bytes as Keras's for the same logs (header, column order, NA, append), and
a real fit's rows."""

import csv

import keras
import numpy as np

from lamina.callbacks.csv_logger import CSVLogger
from tests.callbacks.support import linear_data, tiny_model


def _write(cls, path, runs, **kwargs):
    """Each run is a list of epoch logs; one logger instance serves every run (like fits)."""
    logger = cls(str(path), **kwargs)
    for logs_per_epoch in runs:
        logger.on_train_begin()
        for epoch, logs in enumerate(logs_per_epoch):
            logger.on_epoch_end(epoch, dict(logs))
        logger.on_train_end()
    return path.read_bytes()


WITH_VAL = [{"loss": 0.5, "val_loss": 0.25, "mae": 1 / 3, "val_mae": 0.125},
            {"loss": 0.4, "val_loss": 0.2, "mae": 0.3, "val_mae": 0.1}]
NO_VAL = [{"loss": 0.5, "accuracy": 0.75}, {"loss": 0.25, "accuracy": 0.875}]


def test_bytes_match_keras(tmp_path):
    for name, runs, kwargs in (("val", [WITH_VAL], {}), ("noval", [NO_VAL], {}),
                               ("sep", [WITH_VAL], {"separator": ";"}),
                               ("append", [WITH_VAL, WITH_VAL], {"append": True}),
                               ("overwrite", [NO_VAL, WITH_VAL], {}),
                               ("list", [[{"loss": 1.0, "parts": [1, 2]}]], {})):
        ours = _write(CSVLogger, tmp_path / f"ours_{name}.csv", runs, **kwargs)
        theirs = _write(keras.callbacks.CSVLogger, tmp_path / f"keras_{name}.csv", runs, **kwargs)
        assert ours == theirs, name


def test_append_writes_the_header_once(tmp_path):
    path = tmp_path / "log.csv"
    _write(CSVLogger, path, [WITH_VAL, WITH_VAL], append=True)
    rows = list(csv.reader(path.open(newline="")))
    assert rows[0] == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    assert [r[0] for r in rows[1:]] == ["0", "1", "0", "1"]


def test_real_fit_rows_and_columns(tmp_path):
    x, y = linear_data()
    path = tmp_path / "fit.csv"
    history = tiny_model(metrics=["mae"]).fit(x, y, epochs=3, verbose=0, validation_split=0.25,
                                              callbacks=[CSVLogger(path)])
    rows = list(csv.DictReader(path.open(newline="")))
    assert list(rows[0]) == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2]
    for key in ("loss", "mae", "val_loss", "val_mae"):
        np.testing.assert_allclose([float(r[key]) for r in rows], history.history[key], rtol=1e-7)
