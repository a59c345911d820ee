"""``lamina demo``: the seed model defined both ways, trained side by side from the same weights."""

from __future__ import annotations

import time

import numpy as np

import lamina
from lamina.datasets import regression8
from lamina.layers import Activation, Dense


def seed_sequential():
    """The seed model, Sequential API."""
    return lamina.Sequential([Dense(64, input_dim=8), Activation("relu"), Dense(32),
                              Activation("relu"), Dense(1)], name="seed_sequential")


class SeedSubclass(lamina.Model):
    """The seed model, Subclassing API."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense1 = Dense(64, activation="relu")
        self.dense2 = Dense(32, activation="relu")
        self.dense3 = Dense(1)

    def call(self, inputs):
        return self.dense3(self.dense2(self.dense1(inputs)))


class _EpochTimer(lamina.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.times = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self.start)


def run(epochs=5, batch_size=32, rows=8192, print_fn=print):
    """Trains both models and returns their histories, test metrics and prediction gap."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    (x, y), (x_test, y_test) = regression8(rows)
    seq, sub = seed_sequential(), SeedSubclass(name="seed_subclass")
    print_fn("The seed model, written by lamina.utils.to_source in each of the three styles:\n")
    for style in ("sequential", "functional", "subclass"):
        print_fn(f"# --- {style} ---\n{lamina.utils.to_source(seq, style=style)}")
    sub.build((None, 8))
    sub.set_weights(seq.get_weights())  # the same initial weights
    results = {}
    for model in (seq, sub):
        model.summary(print_fn=print_fn)
        model.compile(optimizer="adam", loss="mse", metrics=["mae"])
        lamina.utils.set_random_seed(0)  # the same shuffling
        timer = _EpochTimer()
        history = model.fit(x, y, batch_size=batch_size, epochs=epochs, validation_split=0.2,
                            verbose=0, callbacks=[timer])
        steps = int(np.ceil(len(x) * 0.8 / batch_size))
        per_step = np.median(timer.times[1:] if epochs > 1 else timer.times) / steps * 1e6
        results[model.name] = dict(history=history.history, params=model.count_params(),
                                   test=model.evaluate(x_test, y_test, verbose=0, return_dict=True),
                                   pred=model.predict(x_test[:8], verbose=0), us_per_step=per_step)
    a, b = results["seed_sequential"], results["seed_subclass"]
    table = Table(title="Sequential vs subclassed, same initial weights")
    for column in ("", "Sequential", "Subclass"):
        table.add_column(column, justify="right")
    table.add_row("parameters", f"{a['params']:,}", f"{b['params']:,}")
    for epoch in range(epochs):
        table.add_row(f"epoch {epoch + 1} loss / val_loss",
                      *(f"{r['history']['loss'][epoch]:.4f} / {r['history']['val_loss'][epoch]:.4f}"
                        for r in (a, b)))
    for key in a["test"]:
        table.add_row(f"test {key}", f"{a['test'][key]:.4f}", f"{b['test'][key]:.4f}")
    table.add_row("time per step (us)", f"{a['us_per_step']:.1f}", f"{b['us_per_step']:.1f}")
    console.print(table)
    gap = float(np.max(np.abs(a["pred"] - b["pred"])))
    console.print(f"Predictions on 8 test rows agree to {gap:.2e} (max abs difference).")
    return results, gap
