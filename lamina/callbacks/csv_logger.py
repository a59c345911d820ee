"""CSVLogger: one CSV row of epoch logs per epoch."""

from __future__ import annotations

import csv
import os

import numpy as np

from lamina.callbacks.callback import Callback


def _cell(value):
    if isinstance(value, str) or np.ndim(value) == 0:
        return value
    return f'"[{", ".join(map(str, value))}]"'  # Keras's spelling of a list-valued log


class CSVLogger(Callback):
    """Writes ``epoch`` and the epoch logs (columns in sorted order) to ``filename``.

    With ``append=True`` the rows are added to an existing file (the header is written only if
    the file is empty). Columns are fixed by the first epoch; when it has no validation keys,
    ``val_`` columns are added anyway (filled with ``NA``), as Keras does.

    >>> logger = CSVLogger("training.log", separator=";", append=True)
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        if self.append and os.path.exists(self.filename):
            with open(self.filename) as f:
                self.append_header = not f.readline()
        self._close()
        self.csv_file = open(self.filename, "a" if self.append else "w", newline="")
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys += [f"val_{k}" for k in self.keys]
        if self.writer is None:
            self.writer = csv.DictWriter(self.csv_file, ["epoch"] + self.keys,
                                         delimiter=self.sep)
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((k, _cell(logs.get(k, "NA"))) for k in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        self._close()
        self.writer = None

    def _close(self):
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
