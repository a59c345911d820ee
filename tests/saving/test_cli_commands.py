"""`lamina inspect` and `lamina convert` (the functions behind the commands)."""

import re

import numpy as np

import lamina
from lamina.layers.core_misc import Lambda
from lamina.saving import load_model
from lamina.saving.cli_commands import convert, inspect
from tests.saving.support import reference, rewrite_config, sample


def test_inspect_reports_format_layers_and_weight_tree_of_a_keras_file():
    report = inspect(sample("seed_model.keras"))
    assert "Format: Keras 3 archive (.keras), version 3.15.1" in report
    assert "Model: 'sequential' (Sequential)" in report
    assert "Total params: 2,689" in report
    assert re.search(r"\n  dense_1 +Dense +2,080\n", report)
    assert "  layers/dense/vars/0  (8, 64)  float32" in report
    assert "  optimizer/vars/13  (1,)  float32" in report
    assert report.index("optimizer/vars/2 ") < report.index("optimizer/vars/10 ")
    legacy = inspect(sample("seed_model_legacy.h5"))
    assert "Format: legacy Keras HDF5 (.h5), Keras 3.15.1" in legacy
    assert "  model_weights/dense_2/sequential/dense_2/kernel  (32, 1)  float32" in legacy


def test_inspect_builds_nothing_and_runs_nothing(tmp_path):
    model = lamina.Sequential([lamina.Input((3,)), Lambda(lambda x: x / 0)], name="risky")
    model.save(tmp_path / "m.keras")
    rewrite_config(tmp_path / "m.keras", lambda c: {**c, "class_name": "NotAClassAnywhere"})
    report = inspect(tmp_path / "m.keras")
    assert "Model: 'risky' (NotAClassAnywhere)" in report
    assert "Lambda" in report and "written by lamina" in report


def test_convert_turns_a_legacy_h5_model_into_a_keras_file(tmp_path):
    ref = reference()
    convert(sample("seed_model_legacy.h5"), tmp_path / "converted.keras")
    model = load_model(tmp_path / "converted.keras")
    np.testing.assert_allclose(model.predict(ref["x"], verbose=0), ref["seed_model"],
                               rtol=1e-5, atol=1e-6)
    assert int(model.optimizer.iterations.numpy()) == 4
