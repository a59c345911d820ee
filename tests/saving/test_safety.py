"""Hostile and damaged files: each is refused with a clear LoadError; nothing runs, nothing is
imported, nothing is written."""

import io
import sys
import zipfile

import h5py
import numpy as np
import pytest

import lamina
from lamina.layers.core_misc import Lambda
from lamina.saving import (CorruptFileError, UnknownObjectError, UnsafeFileError,
                           WeightsMismatchError, load_model)
from tests.saving.support import rewrite_config, rewrite_member, small_sequential


@pytest.fixture(scope="module")
def valid(tmp_path_factory):
    path = tmp_path_factory.mktemp("valid") / "m.keras"
    model = small_sequential()
    model.compile(optimizer="sgd", loss="mse")
    model.save(path)
    return path


def _members(path):
    with zipfile.ZipFile(path) as zf:
        return [(i.filename, zf.read(i)) for i in zf.infolist()]


def _zip(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, payload in members:
            zf.writestr(name, payload)
    return path


def _files_around(folder):
    return sorted(p.name for p in [*folder.parent.iterdir(), *folder.iterdir()])


@pytest.mark.parametrize("name", ["../escaped.txt", "/tmp/absolute.txt", "C:/windows.txt",
                                  "assets/../../up.txt"])
def test_members_pointing_outside_are_refused_and_nothing_is_written(tmp_path, valid, name):
    bad = _zip(tmp_path / "bad.keras", _members(valid) + [(name, b"payload")])
    before = _files_around(tmp_path)
    with pytest.raises(UnsafeFileError, match="points outside the archive"):
        load_model(bad)
    assert _files_around(tmp_path) == before


def test_duplicate_members_are_refused(tmp_path, valid):
    members = _members(valid)
    with pytest.warns(UserWarning):  # zipfile itself warns about the duplicate
        bad = _zip(tmp_path / "dup.keras", members + [("config.json", b'{"class_name": "X"}')])
    with pytest.raises(UnsafeFileError, match="'config.json' appears twice"):
        load_model(bad)


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path, valid):
    members = _members(valid) + [("assets/zeros.bin", bytes(8 << 20))]
    bad = _zip(tmp_path / "bomb.keras", members, zipfile.ZIP_DEFLATED)
    with pytest.raises(UnsafeFileError, match="zip bomb"):
        load_model(bad)


def test_truncated_and_wrong_magic_files_are_corrupt(tmp_path, valid):
    data = valid.read_bytes()
    for cut in (len(data) // 2, len(data) - 10, 30):
        (tmp_path / "cut.keras").write_bytes(data[:cut])
        with pytest.raises(CorruptFileError):
            load_model(tmp_path / "cut.keras")
    (tmp_path / "text.keras").write_bytes(b"not a model at all")
    with pytest.raises(CorruptFileError, match="neither a .keras archive nor an HDF5 file"):
        load_model(tmp_path / "text.keras")
    member = tmp_path / "weights_not_h5.keras"
    _zip(member, [(n, b"garbage" if n == "model.weights.h5" else p) for n, p in _members(valid)])
    with pytest.raises(CorruptFileError, match="not an HDF5 file"):
        load_model(member)


def test_configs_naming_modules_import_nothing(tmp_path, valid, monkeypatch):
    marker = tmp_path / "imported"
    (tmp_path / "evil_plugin.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    bad = tmp_path / "import.keras"
    bad.write_bytes(valid.read_bytes())
    rewrite_config(bad, lambda c: {**c, "config": {**c["config"], "layers": [
        c["config"]["layers"][0],
        {"module": "evil_plugin", "class_name": "Backdoor", "config": {}, "registered_name": None},
    ]}})
    with pytest.raises(UnknownObjectError, match="Backdoor"):
        load_model(bad)
    assert not marker.exists() and "evil_plugin" not in sys.modules


@pytest.mark.parametrize("change, error, message", [
    (lambda c: {**c, "config": "layers"}, CorruptFileError, "should describe a model"),
    (lambda c: [c], CorruptFileError, "should hold a JSON object"),
    (lambda c: {**c, "config": {**c["config"], "layers": [
        c["config"]["layers"][0], {"class_name": "Dense", "config": {"units": "many"}}]}},
     CorruptFileError, "config"),
])
def test_configs_of_the_wrong_shape_are_corrupt(tmp_path, valid, change, error, message):
    bad = tmp_path / "shape.keras"
    bad.write_bytes(valid.read_bytes())
    rewrite_config(bad, change)
    with pytest.raises(error, match=message):
        load_model(bad)


def _edit_weights(path, edit):
    def change(payload):
        buffer = io.BytesIO(payload)
        with h5py.File(buffer, "a") as f:
            edit(f)
        return buffer.getvalue()
    rewrite_member(path, "model.weights.h5", change)


@pytest.mark.parametrize("edit, error, message", [
    (lambda f: f.__delitem__("layers/dense/vars/1"), WeightsMismatchError,
     r"expects 2 variables \['kernel', 'bias'\], the file holds 1"),
    (lambda f: (f.__delitem__("layers/dense/vars/0"),
                f["layers/dense/vars"].create_dataset("0", data=np.zeros((3, 3)))),
     WeightsMismatchError, r"'kernel' has shape \(8, 16\).*\(3, 3\)"),
    (lambda f: (f.__delitem__("layers/dense/vars/0"),
                f["layers/dense/vars"].__setitem__("0", h5py.SoftLink("/layers/dense/vars/1"))),
     UnsafeFileError, "SoftLink"),
    (lambda f: f["layers/dense/vars"].__setitem__("2", h5py.ExternalLink("/etc/passwd", "/x")),
     UnsafeFileError, "ExternalLink"),
])
def test_weights_that_do_not_fit_or_point_elsewhere_are_refused(tmp_path, valid, edit, error,
                                                               message):
    bad = tmp_path / "weights.keras"
    bad.write_bytes(valid.read_bytes())
    _edit_weights(bad, edit)
    with pytest.raises(error, match=message):
        load_model(bad)


def test_lambda_bytecode_needs_safe_mode_off(tmp_path):
    model = lamina.Sequential([lamina.Input((3,)), Lambda(lambda x: x * 2 + 1)])
    model.save(tmp_path / "lambda.keras")
    assert "__lambda__" in dict(_members(tmp_path / "lambda.keras"))["config.json"].decode()
    with pytest.raises(UnsafeFileError, match=r"bytecode in layer 'lambda.*safe_mode=False"):
        load_model(tmp_path / "lambda.keras")
    trusted = load_model(tmp_path / "lambda.keras", safe_mode=False)
    np.testing.assert_allclose(trusted.predict(np.ones((2, 3), "float32"), verbose=0),
                               np.full((2, 3), 3.0))
