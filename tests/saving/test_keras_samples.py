"""lamina loads every file Keras 3.15.1 wrote in shared/keras-samples and predicts the same."""

import io
import zipfile

import h5py
import numpy as np

import lamina
from lamina.saving import load_model
from tests.saving.support import MLP, reference, sample, seed_sequential


def _stored(path, name):
    with h5py.File(sample(path), "r") as f:
        return f[name][()]


def _archived(path, name):
    with zipfile.ZipFile(sample(path)) as zf:
        with h5py.File(io.BytesIO(zf.read("model.weights.h5")), "r") as f:
            return f[name][()]


def test_sequential_archive_predicts_like_keras_and_keeps_adam_state():
    ref = reference()
    model = load_model(sample("seed_model.keras"))
    np.testing.assert_allclose(model.predict(ref["x"], verbose=0), ref["seed_model"],
                               rtol=1e-5, atol=1e-6)
    assert type(model.optimizer).__name__ == "Adam"
    assert int(model.optimizer.iterations.numpy()) == 4  # 64 rows / batch 16, one epoch
    assert model.optimizer.variables[2].shape == (8, 64)  # first moment of the first kernel
    assert np.abs(model.optimizer.variables[2].numpy()).max() > 0


def test_functional_archive_predicts_both_heads_like_keras():
    ref = reference()
    model = load_model(sample("functional_model.keras"))
    reg, cls = model.predict(ref["x"], verbose=0)
    np.testing.assert_allclose(reg, ref["functional_reg_out"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(cls, ref["functional_cls_out"], rtol=1e-5, atol=1e-6)
    assert [layer.name for layer in model.layers] == ["features", "hidden", "drop", "concat",
                                                      "reg_out", "cls_out"]


def test_subclassed_archive_needs_the_registered_class_and_matches():
    ref = reference()
    model = load_model(sample("subclassed_model.keras"))
    assert isinstance(model, MLP) and model.hidden == 16
    np.testing.assert_allclose(model.predict(ref["x"], verbose=0), ref["subclassed_model"],
                               rtol=1e-5, atol=1e-6)
    # BatchNormalization's statistics are its non-trainable variables, stored after gamma, beta
    np.testing.assert_array_equal(model.bn.moving_variance.numpy(),
                                  _archived("subclassed_model.keras", "bn/vars/3"))
    np.testing.assert_array_equal(model.blocks[1].kernel.numpy(),
                                  _archived("subclassed_model.keras", "blocks/dense_1/vars/0"))
    assert int(model.optimizer.iterations.numpy()) == 4


def test_legacy_h5_model_loads_with_optimizer_state():
    ref = reference()
    model = load_model(sample("seed_model_legacy.h5"))
    np.testing.assert_allclose(model.predict(ref["x"], verbose=0), ref["seed_model"],
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(model.optimizer.variables[2].numpy(),
                                  _stored("seed_model_legacy.h5", "optimizer_weights/adam/"
                                          "sequential_dense_kernel_momentum"))


def test_weights_files_load_into_a_model_built_in_code():
    ref = reference()
    for name in ("seed_model.weights.h5", "seed_model_legacy.h5", "seed_model.keras"):
        model = seed_sequential()
        model.compile("adam", "mse")
        model.optimizer.build(model.trainable_variables)
        model.load_weights(sample(name))
        np.testing.assert_allclose(model.predict(ref["x"], verbose=0), ref["seed_model"],
                                   rtol=1e-5, atol=1e-6, err_msg=name)
        if name != "seed_model_legacy.h5":
            np.testing.assert_array_equal(model.optimizer.variables[13].numpy(),
                                          _stored("seed_model.weights.h5", "optimizer/vars/13"))
    kernel = _stored("seed_model.weights.h5", "layers/dense_1/vars/0")
    np.testing.assert_array_equal(model.layers[2].kernel.numpy(), kernel)


def test_legacy_weights_by_name_skip_unknown_layers():
    ref = reference()
    model = lamina.Sequential([lamina.layers.Dense(64, input_dim=8, name="dense"),
                               lamina.layers.Activation("relu"),
                               lamina.layers.Dense(32, name="dense_1"),
                               lamina.layers.Activation("relu"),
                               lamina.layers.Dense(1, name="dense_2")])
    model.load_weights(sample("seed_model_legacy.h5"), by_name=True)
    np.testing.assert_allclose(model.predict(ref["x"], verbose=0), ref["seed_model"],
                               rtol=1e-5, atol=1e-6)
