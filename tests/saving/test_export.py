"""model.export: a StableHLO program that runs without lamina or the model's classes."""

import subprocess
import sys

import numpy as np
import pytest

from lamina.saving import CorruptFileError, load_exported
from tests.saving.support import MLP, data, two_head

_RUN_WITHOUT_LAMINA = """
import sys, zipfile
import jax, numpy as np
with zipfile.ZipFile(sys.argv[1]) as zf:
    exported = jax.export.deserialize(bytearray(zf.read("program.jaxexport")))
x = np.load(sys.argv[2])
np.save(sys.argv[3], np.asarray(exported.call(x)))
assert not any(name.startswith("lamina") or name.startswith("tests") for name in sys.modules)
"""


def test_exported_subclassed_model_runs_without_its_class(tmp_path):
    model = MLP(hidden=8)
    model.build((None, 8))
    model.export(tmp_path / "mlp.hlo")
    x, _ = data(rows=7, seed=5)  # a batch size the model never saw
    np.save(tmp_path / "x.npy", x)
    subprocess.run([sys.executable, "-c", _RUN_WITHOUT_LAMINA, str(tmp_path / "mlp.hlo"),
                    str(tmp_path / "x.npy"), str(tmp_path / "y.npy")], check=True)
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_exported_functional_model_reloads_with_every_output(tmp_path):
    model = two_head()
    model.export(tmp_path / "two_head.hlo")
    served = load_exported(tmp_path / "two_head.hlo")
    assert str(served.input_specs[0]) == "float32[batch,8]"
    x, _ = data(rows=3)
    for ours, theirs in zip(served(x), model.predict(x, verbose=0), strict=True):
        np.testing.assert_allclose(np.asarray(ours), theirs, rtol=1e-5, atol=1e-6)


def test_export_refuses_other_formats_and_other_files(tmp_path):
    model = two_head()
    with pytest.raises(NotImplementedError, match="stablehlo"):
        model.export(tmp_path / "m", format="tf_saved_model")
    model.save(tmp_path / "m.keras")
    with pytest.raises(CorruptFileError):
        load_exported(tmp_path / "m.keras")
