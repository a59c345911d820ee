"""Shared builders for the callback tests: a tiny model, its data, and a stand-in model for
driving callbacks with scripted logs (the same script drives lamina's and Keras's callbacks)."""

import numpy as np

import lamina


def tiny_model(learning_rate=0.01, metrics=None):
    model = lamina.Sequential([lamina.layers.Dense(1, input_dim=3)])
    model.compile(lamina.optimizers.SGD(learning_rate), "mse", metrics=metrics)
    return model


def linear_data(rows=64, seed=0, w=(1.0, 2.0, 3.0)):
    x = np.random.default_rng(seed).normal(size=(rows, 3)).astype("float32")
    return x, (x @ np.asarray(w, "float32")[:, None]).astype("float32")


class StubModel:
    """Enough of a model for monitor callbacks: ``get_weights`` returns the current epoch, so
    ``restored`` tells which epoch's weights ``set_weights`` received."""

    def __init__(self, optimizer=None):
        self.stop_training = False
        self.metrics = []
        self.optimizer = optimizer
        self.epoch = None
        self.restored = None

    def get_weights(self):
        return [np.array(self.epoch)]

    def set_weights(self, weights):
        self.restored = int(weights[0])


def drive(callback, model, values, monitor="val_loss", each_epoch=None):
    """Runs scripted epochs with ``logs = {monitor: value}``; returns the last epoch run."""
    callback.set_model(model)
    callback.on_train_begin()
    for epoch, value in enumerate(values):
        model.epoch = epoch
        logs = {monitor: value}
        callback.on_epoch_begin(epoch, {})
        callback.on_epoch_end(epoch, logs)
        if each_epoch is not None:
            each_epoch(epoch, logs)
        if model.stop_training:
            break
    callback.on_train_end()
    return epoch
