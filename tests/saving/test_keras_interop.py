"""Keras 3 loads what lamina writes (Sequential, functional, subclassed) and predicts the same."""

import numpy as np
import pytest

from lamina.optimizers import SGD
from tests.saving.support import MLP, data, seed_sequential, two_head, with_state

keras = pytest.importorskip("keras")


@keras.saving.register_keras_serializable(package="demo", name="MLP")
class KerasMLP(keras.Model):
    """make_samples.py's MLP, registered in Keras under the same name as the lamina class."""

    def __init__(self, hidden=32, out_dim=1, **kwargs):
        super().__init__(**kwargs)
        self.hidden, self.out_dim = hidden, out_dim
        self.d1 = keras.layers.Dense(hidden, activation="relu")
        self.blocks = [keras.layers.Dense(hidden, activation="relu"), keras.layers.Dense(hidden)]
        self.bn = keras.layers.BatchNormalization()
        self.head = keras.layers.Dense(out_dim)

    def call(self, x, training=False):
        x = self.d1(x)
        for block in self.blocks:
            x = block(x)
        return self.head(self.bn(x, training=training))

    def get_config(self):
        return {**super().get_config(), "hidden": self.hidden, "out_dim": self.out_dim}


def _assert_same_state(lamina_model, keras_model):
    x, _ = data(rows=9, seed=3)
    ours, theirs = lamina_model.predict(x, verbose=0), keras_model.predict(x, verbose=0)
    as_list = (lambda out: list(out) if isinstance(out, (list, tuple)) else [out])
    for a, b in zip(as_list(ours), as_list(theirs), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert len(keras_model.optimizer.variables) == len(lamina_model.optimizer.variables)
    for a, b in zip(lamina_model.optimizer.variables, keras_model.optimizer.variables):
        np.testing.assert_array_equal(np.asarray(a.numpy()), np.asarray(b.numpy()))


def test_keras_loads_a_lamina_sequential_with_adam_state(tmp_path):
    model = with_state(seed_sequential(), metrics=["mae"])
    model.save(tmp_path / "seq.keras")
    loaded = keras.saving.load_model(tmp_path / "seq.keras")
    assert [type(layer).__name__ for layer in loaded.layers] == [
        "Dense", "Activation", "Dense", "Activation", "Dense"]
    assert int(loaded.optimizer.iterations.numpy()) == 4
    _assert_same_state(model, loaded)


def test_keras_loads_a_lamina_functional_model(tmp_path):
    model = with_state(two_head(), optimizer=SGD(learning_rate=0.05, momentum=0.9),
                       loss=["mse", "sparse_categorical_crossentropy"])
    model.save(tmp_path / "two_head.keras")
    loaded = keras.saving.load_model(tmp_path / "two_head.keras")
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    assert loaded.optimizer.momentum == pytest.approx(0.9)
    _assert_same_state(model, loaded)


def test_keras_loads_a_lamina_subclassed_model_registered_in_both(tmp_path):
    model = with_state(MLP(hidden=16, out_dim=1, name="mlp"))
    model.save(tmp_path / "mlp.keras")
    loaded = keras.saving.load_model(tmp_path / "mlp.keras")
    assert isinstance(loaded, KerasMLP) and loaded.hidden == 16
    np.testing.assert_array_equal(loaded.bn.moving_mean.numpy(), model.bn.moving_mean.numpy())
    _assert_same_state(model, loaded)


def test_keras_reads_lamina_weights_files(tmp_path):
    model = with_state(seed_sequential())
    model.save_weights(tmp_path / "w.weights.h5")
    theirs = keras.Sequential([keras.Input((8,)), keras.layers.Dense(64),
                               keras.layers.Activation("relu"), keras.layers.Dense(32),
                               keras.layers.Activation("relu"), keras.layers.Dense(1)])
    theirs.compile(optimizer="adam", loss="mse")
    theirs.optimizer.build(theirs.trainable_variables)
    theirs.load_weights(tmp_path / "w.weights.h5")
    _assert_same_state(model, theirs)


def test_weight_paths_follow_keras_attribute_rules(tmp_path):
    """Sorted attributes, private ones last, properties included, `layers` visited in its
    sorted place (so `zz` lands in `layers/dense`), the first path of a layer wins."""
    import h5py

    import lamina

    def build(module, base):
        class Net(base):
            def __init__(self):
                super().__init__()
                self.zz = module.layers.Dense(2)
                self.aa = module.layers.Dense(3)
                self._pp = module.layers.Dense(4)
                self.drop = module.layers.Dropout(0.5)

            @property
            def bb(self):
                return self._pp

            def call(self, x):
                return self.zz(self.aa(self.drop(self._pp(x))))
        return Net()

    ours, theirs = build(lamina, lamina.Model), build(keras, keras.Model)
    x = np.linspace(-1, 1, 6, dtype="float32").reshape(3, 2)
    ours(x), theirs(x)
    ours.save_weights(tmp_path / "ours.weights.h5")
    theirs.save_weights(tmp_path / "theirs.weights.h5")

    def paths(name):
        found = []
        with h5py.File(tmp_path / name) as f:
            f.visititems(lambda p, o: found.append(p) if isinstance(o, h5py.Dataset) else None)
        return sorted(p for p in found if not p.startswith("lamina/"))

    assert paths("ours.weights.h5") == paths("theirs.weights.h5")
    assert "layers/dense/vars/0" in paths("ours.weights.h5") and "bb/vars/0" in paths(
        "ours.weights.h5")
    theirs.load_weights(tmp_path / "ours.weights.h5")
    np.testing.assert_allclose(theirs(x), ours(x), rtol=1e-6)


def test_a_keras_model_never_compiled_loads_uncompiled_without_warnings(tmp_path):
    import warnings

    import lamina
    x = keras.Input((3,))
    path = str(tmp_path / "plain.keras")
    keras.Model(x, keras.layers.Dense(2)(x)).save(path)  # Keras writes compile_config {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = lamina.models.load_model(path)
    assert model.optimizer is None
