"""Timing shared by the training benchmarks: epoch times of a Keras-style ``fit`` and of a
PyTorch eager loop, and round-robin repeats (a busy spell on the machine hits every run)."""

import argparse
import statistics
import time


def fit_epoch_times(lib, model, x, y, batch_size, epochs, callbacks=()):
    """Seconds per epoch of ``model.fit`` (lamina or Keras), the first (compiling) excluded;
    ``callbacks`` run beside the timer."""
    times = []

    class Timer(lib.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.start)

    model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0, callbacks=[Timer(), *callbacks], shuffle=True)
    return times[1:]


def torch_epoch_times(model, x, y, batch_size, epochs):
    """Seconds per epoch of an eager PyTorch loop (Adam, cross-entropy on logits) over numpy
    ``x`` (already in PyTorch's layout) and integer labels ``y``, the first epoch excluded."""
    import numpy as np
    import torch
    from torch import nn

    opt = torch.optim.Adam(model.parameters(), 1e-3)
    xt, yt = torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(y.astype("int64"))
    steps, times = len(x) // batch_size, []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(len(x))
        for i in range(steps):
            idx = order[i * batch_size:(i + 1) * batch_size]
            opt.zero_grad()
            nn.functional.cross_entropy(model(xt[idx]), yt[idx]).backward()
            opt.step()
        times.append(time.perf_counter() - start)
    return times[1:]


def per_epoch_times(run_epoch, epochs):
    """Seconds per call of ``run_epoch``, ``epochs`` calls, the first excluded."""
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        run_epoch()
        times.append(time.perf_counter() - start)
    return times[1:]


def round_robin(runs, repeats):
    """``{name: median epoch seconds}``: each run (a function returning epoch times) repeated
    ``repeats`` times in turn with the others; the median over repeats of each median epoch."""
    medians = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            medians[name].append(statistics.median(run()))
    return {name: statistics.median(values) for name, values in medians.items()}


def training_parser(description, rows):
    """The arguments every training bench takes: ``--rows``, ``--epochs``, ``--repeats``,
    ``--no-keras``, ``--no-torch``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rows", type=int, default=rows)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-keras", action="store_true")
    parser.add_argument("--no-torch", action="store_true")
    return parser


def add_baselines(runs, args, keras_run, torch_name, torch_run):
    """Adds ``"keras fit (jax)"`` (``keras_run(keras)``) and ``torch_name`` (``torch_run()``)
    to ``runs`` where the library is installed and ``args`` does not turn it off."""
    if not args.no_keras:
        try:
            import keras
        except ImportError:
            print("keras not installed: skipping Keras")
        else:
            runs["keras fit (jax)"] = lambda: keras_run(keras)
    if not args.no_torch:
        try:
            import torch  # noqa: F401
        except ImportError:
            print("torch not installed: skipping PyTorch")
        else:
            runs[torch_name] = torch_run
