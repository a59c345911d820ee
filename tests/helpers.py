"""Shared test builders: the seed model in both styles, and its data; the seed model with named
layers (d1, a1, d2, a2, d3) in all three styles, for summaries and drawings."""

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


def named_seed_layers():
    return [Dense(64, name="d1"), Activation("relu", name="a1"), Dense(32, name="d2"),
            Activation("relu", name="a2"), Dense(1, name="d3")]


def named_seed_sequential():
    return lamina.Sequential([lamina.Input((8,))] + named_seed_layers())


def named_seed_functional(input_name="x"):
    x = h = lamina.Input((8,), name=input_name)
    for layer in named_seed_layers():
        h = layer(h)
    return lamina.Model(x, h)


class NamedSeedSubclass(lamina.Model):
    def __init__(self):
        super().__init__()
        self.d1, self.a1, self.d2, self.a2, self.d3 = named_seed_layers()

    def call(self, x):
        return self.d3(self.a2(self.d2(self.a1(self.d1(x)))))


def named_seed_subclass():
    model = NamedSeedSubclass()
    model.build((None, 8))
    return model
