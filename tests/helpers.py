"""Shared test builders: the seed model in both styles, and its data."""

import numpy as np

import lamina
from lamina.layers import Activation, Dense


def seed_sequential():
    return lamina.Sequential([Dense(64, input_dim=8), Activation("relu"), Dense(32),
                              Activation("relu"), Dense(1)])


class SeedSubclass(lamina.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense1 = Dense(64, activation="relu")
        self.dense2 = Dense(32, activation="relu")
        self.dense3 = Dense(1)

    def call(self, inputs):
        return self.dense3(self.dense2(self.dense1(inputs)))


def regression_data(rows=512, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 8)).astype("float32")
    y = (np.sin(x[:, :1]) + x[:, 1:2] * x[:, 2:3]).astype("float32")
    return x, y
