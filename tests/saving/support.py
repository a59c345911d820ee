"""Shared pieces of the saving tests: the Keras sample folder, small models, the MLP class."""

from pathlib import Path

import numpy as np
import pytest

import lamina
from lamina.layers import Activation, Dense, Dropout
from lamina.saving import register_keras_serializable

# CI puts shared/ beside the clone: <repo>/../shared/keras-samples
SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "keras-samples"


def sample(name):
    """The path of a Keras-written sample file; skips the test when the folder is missing."""
    if not SAMPLES.is_dir():
        pytest.skip(f"Keras sample files not found at {SAMPLES} (shared/ beside the clone)")
    return SAMPLES / name


def reference():
    return np.load(sample("reference_io.npz"))


def _batch_norm():
    from lamina.layers.normalization import BatchNormalization
    return BatchNormalization()


@register_keras_serializable(package="demo")
class MLP(lamina.Model):
    """The subclassed model of the Keras samples (make_samples.py), written with lamina."""

    def __init__(self, hidden=32, out_dim=1, **kwargs):
        super().__init__(**kwargs)
        self.hidden = hidden
        self.out_dim = out_dim
        self.d1 = Dense(hidden, activation="relu")
        self.blocks = [Dense(hidden, activation="relu"), Dense(hidden)]
        self.bn = _batch_norm()
        self.head = Dense(out_dim)

    def call(self, x, training=False):
        x = self.d1(x)
        for block in self.blocks:
            x = block(x)
        x = self.bn(x, training=training)
        return self.head(x)


def seed_sequential():
    return lamina.Sequential([Dense(64, input_dim=8), Activation("relu"), Dense(32),
                              Activation("relu"), Dense(1)])


def small_sequential(dropout=0.0):
    layers = [Dense(16, input_dim=8), Activation("relu")]
    if dropout:
        layers.append(Dropout(dropout))
    return lamina.Sequential(layers + [Dense(1)])


def two_head():
    """The functional sample model (make_samples.py), written with lamina."""
    inp = lamina.Input((8,), name="features")
    h = Dense(16, activation="relu", name="hidden")(inp)
    h2 = Dropout(0.1, name="drop")(h)
    o1 = Dense(1, name="reg_out")(h2)
    o2 = Dense(3, activation="softmax", name="cls_out")(
        lamina.layers.concatenate([h, h2], name="concat"))
    return lamina.Model(inp, [o1, o2], name="two_head")


def data(rows=64, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((rows, 8), dtype=np.float32), rng.random((rows, 1), dtype=np.float32)


def with_state(model, optimizer="adam", loss="mse", metrics=None, seed=0):
    """``model`` compiled, its optimizer built, and every variable (weights, statistics,
    optimizer slots, ``iterations`` = 4) set to distinct random values: the state a fit would
    leave, without compiling a training step."""
    rng = np.random.default_rng(seed)
    if not model.built:
        model.build((None, 8))
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics)
    model.optimizer.build(model.trainable_variables)
    for variable in model.weights + model.optimizer.variables[1:]:
        variable.assign(rng.normal(size=variable.shape).astype(variable.dtype) ** 2)
    model.optimizer.variables[0].assign(4)
    return model


def rewrite_member(path, name, change):
    """Rewrites member ``name`` of the zip at ``path`` with ``change(bytes) -> bytes``."""
    import zipfile
    with zipfile.ZipFile(path) as zf:
        members = [(info.filename, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w") as zf:
        for member, payload in members:
            zf.writestr(member, change(payload) if member == name else payload)


def rewrite_config(path, change):
    """Rewrites ``config.json`` of a ``.keras`` file with ``change(dict) -> dict``."""
    import json
    rewrite_member(path, "config.json", lambda b: json.dumps(change(json.loads(b))).encode())
