"""Saving is atomic: a process killed while saving leaves the previous file whole."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from lamina.saving import load_model
from lamina.saving.atomic import atomic_write

_SAVER = """
import contextlib, sys, time
import numpy as np
import lamina
from lamina.layers import Dense
from lamina.saving import keras_archive

real_atomic_write = keras_archive.atomic.atomic_write


class SlowDisk:
    # writes in small pieces with pauses, so the parent can kill the process mid-write
    def __init__(self, handle):
        self.handle = handle

    def write(self, data):
        print("writing", flush=True)
        for start in range(0, len(data), 1 << 20):
            self.handle.write(data[start:start + (1 << 20)])
            time.sleep(0.02)
        return len(data)

    def __getattr__(self, name):
        return getattr(self.handle, name)


@contextlib.contextmanager
def slow_atomic_write(path, overwrite=True):
    with real_atomic_write(path, overwrite) as handle:
        yield SlowDisk(handle)


keras_archive.atomic.atomic_write = slow_atomic_write
model = lamina.Sequential([Dense(768, input_dim=768, kernel_initializer="zeros")]
                          + [Dense(768, kernel_initializer="zeros") for _ in range(3)])
step = 0
while True:
    for variable in model.weights:
        variable.assign(np.full(variable.shape, step, "float32"))
    model.save(sys.argv[1])
    print("done", step, flush=True)
    step += 1
"""


def test_killed_save_leaves_the_previous_file_intact(tmp_path):
    """A process saves a 2.4M-parameter model again and again (all weights = the save's
    number) and is killed (SIGKILL) while writing its second save."""
    path = tmp_path / "big.keras"
    repo = Path(__file__).resolve().parents[2]
    errors = open(tmp_path / "stderr.txt", "w+")
    process = subprocess.Popen([sys.executable, "-c", _SAVER, str(path)], cwd=repo,
                               stdout=subprocess.PIPE, stderr=errors, text=True,
                               env={**os.environ, "JAX_PLATFORMS": "cpu"})
    try:
        lines = (line.strip() for line in iter(process.stdout.readline, ""))
        # read up to the end of the first save, then up to the first write of the second
        assert "done 0" in lines and "writing" in lines, (errors.seek(0), errors.read())[1]
        time.sleep(0.1)
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        process.kill()
        process.wait()
        errors.close()
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(leftovers) == 1  # the torn second save, never renamed over the first
    model = load_model(path)
    values = np.unique(np.concatenate([v.numpy().ravel() for v in model.weights]))
    assert values.tolist() == [0.0]  # exactly the first save


def test_atomic_write_keeps_the_old_file_when_the_writer_fails(tmp_path):
    target = tmp_path / "file.bin"
    target.write_bytes(b"old")
    try:
        with atomic_write(target) as handle:
            handle.write(b"partial")
            raise RuntimeError("crash")
    except RuntimeError:
        pass
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["file.bin"]
