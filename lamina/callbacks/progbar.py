"""ProgbarLogger: Keras-style progress output for verbose=1 (a bar) and verbose=2 (a line)."""

from __future__ import annotations

import sys
import time

from lamina.callbacks.callback import Callback


def format_logs(logs):
    """``loss: 0.1234 - mae: 0.2000`` (Keras's style)."""
    return " - ".join(f"{k}: {float(v):.4f}" for k, v in (logs or {}).items())


def _format_time(seconds):
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f}us"
    return f"{seconds * 1e3:.0f}ms" if seconds < 1 else f"{seconds:.0f}s"


class ProgbarLogger(Callback):
    """Prints progress: verbose=1 draws a bar updated after each compiled chunk (a live bar
    on a terminal, one line per epoch otherwise); verbose=2 prints one line per epoch.

    ``fit``/``evaluate`` add it automatically when ``verbose`` is not 0.
    """

    def __init__(self, stream=None):
        super().__init__()
        self.stream = stream
        self._progress = None

    @property
    def wants_progress(self):
        return self.params.get("verbose") == 1 and self._is_terminal()

    def _is_terminal(self):
        stream = self.stream or sys.stdout
        return hasattr(stream, "isatty") and stream.isatty()

    def _print(self, text):
        print(text, file=self.stream or sys.stdout, flush=True)

    def on_train_begin(self, logs=None):
        self._mode = "train"

    def on_train_end(self, logs=None):
        self._mode = None

    def on_test_begin(self, logs=None):
        if getattr(self, "_mode", None) == "train":
            return  # validation inside fit: its results show on the epoch's line
        self._mode = "test"
        self._start = time.perf_counter()
        self._begin_bar()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        if self.params.get("verbose"):
            self._print(f"Epoch {epoch + 1}/{self.params.get('epochs', '?')}")
        self._start = time.perf_counter()
        self._begin_bar()

    def _begin_bar(self):
        if not self.wants_progress:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
        from rich.progress import TimeRemainingColumn
        self._progress = Progress(MofNCompleteColumn(), BarColumn(), TimeRemainingColumn(),
                                  TextColumn("{task.fields[logs]}"), transient=True)
        self._task = self._progress.add_task("", total=self.params.get("steps"), logs="")
        self._progress.start()

    def on_chunk_end(self, kind, step, logs=None):
        if self._progress is not None and kind == self._mode:
            text = format_logs({k: v for k, v in (logs or {}).items()})
            self._progress.update(self._task, completed=step, logs=text)

    def _finish(self, logs):
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
        if not self.params.get("verbose"):
            return
        steps = self.params.get("steps") or 1
        elapsed = time.perf_counter() - self._start
        text = f"{steps}/{steps} - {_format_time(elapsed)} - {_format_time(elapsed / steps)}/step"
        if logs:
            text += " - " + format_logs(logs)
        self._print(text)

    def on_epoch_end(self, epoch, logs=None):
        self._finish(logs)

    def on_test_end(self, logs=None):
        if self._mode == "test":
            self._finish(logs)
