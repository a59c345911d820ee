"""``save_model`` / ``load_model`` / weights files: the format is chosen from the file.

``.keras`` is the Keras 3 archive (recommended); ``*.weights.h5`` the Keras 3 weights layout;
other ``.h5`` / ``.hdf5`` files the legacy Keras 2 layout (read only). When loading, the
file's first bytes decide (a zip or HDF5 signature), so a misnamed file still loads or fails
with a :class:`~lamina.saving.errors.CorruptFileError` that says what it is.
"""

from __future__ import annotations

import os

from lamina.saving import atomic, h5_io, keras_archive, legacy_h5, weights_h5
from lamina.saving.errors import CorruptFileError
from lamina.saving.safety import ZIP_MAGIC

_H5_SUFFIXES = (".h5", ".hdf5")


def save_model(model, filepath, overwrite=True, zipped=None, include_date=False, **kwargs):
    """Saves ``model`` to a ``.keras`` file (config, weights, optimizer and training state).

    The same model saved twice gives identical bytes; ``include_date=True`` adds the save date
    to ``metadata.json``. The file is replaced atomically: a crash leaves the old file intact.
    """
    if kwargs:
        raise TypeError(f"save_model: unexpected keyword argument(s) {sorted(kwargs)}.")
    if zipped is False:
        raise NotImplementedError("save_model(zipped=False) (a folder) is not supported by "
                                  "lamina; save to a `.keras` file.")
    path = os.fspath(filepath) if not hasattr(filepath, "write") else None
    if path is not None and path.endswith(_H5_SUFFIXES):
        raise NotImplementedError("lamina reads legacy `.h5` models but does not write them; "
                                  "save to a `.keras` file instead.")
    if path is not None and not path.endswith(".keras"):
        raise ValueError(f"Invalid filepath extension for saving: {path!r}. Use a `.keras` "
                         "file (or `save_weights` with a `.weights.h5` file).")
    keras_archive.save_model(model, filepath, overwrite=overwrite, include_date=include_date)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a model saved by lamina or Keras (``.keras``, or a legacy ``.h5``).

    Only built-in and registered classes (or ``custom_objects``) are constructed and no module
    named by the file is imported. Python bytecode (``Lambda`` layers holding a ``lambda``) is
    refused unless ``safe_mode=False``. Every refusal is a :class:`~lamina.saving.LoadError`.
    With ``compile=True`` training state (optimizer, metrics, random state) is restored too.
    """
    kind = _kind(filepath)
    if kind == "h5":
        return legacy_h5.load_model(filepath, custom_objects, compile, safe_mode)
    return keras_archive.load_model(filepath, custom_objects, compile, safe_mode)


def save_weights(model, filepath, overwrite=True):
    """Saves the weights (and optimizer state) in Keras's ``.weights.h5`` layout."""
    path = os.fspath(filepath)
    if not path.endswith(".weights.h5"):
        raise ValueError(f"The filename must end in `.weights.h5`; received {path!r}.")
    if not model.built:
        raise ValueError(f"Model '{model.name}' is not built yet, so it has no weights to save; "
                         "call it on data or `build()` it first.")
    atomic.write_bytes(path, weights_h5.weights_bytes(model), overwrite=overwrite)


def load_weights(model, filepath, skip_mismatch=False, by_name=False, **kwargs):
    """Loads weights from a ``.weights.h5``, ``.keras`` or legacy ``.h5`` file into ``model``.

    ``skip_mismatch`` skips layers whose weights do not fit (with a warning); ``by_name``
    (legacy ``.h5`` files only, as in Keras) matches layers by name instead of by order.
    """
    if kwargs:
        raise TypeError(f"load_weights: unexpected keyword argument(s) {sorted(kwargs)}.")
    if not model.built:
        raise ValueError(f"Model '{model.name}' is not built yet; build it (call it on data or "
                         "`build()`) before loading weights into it.")
    if _kind(filepath) == "zip":
        _no_by_name(by_name, filepath)
        return keras_archive.load_weights(model, filepath, skip_mismatch)
    with h5_io.open_h5(filepath) as f:
        legacy = legacy_h5.is_legacy(f)
        if not legacy:
            _no_by_name(by_name, filepath)
            weights_h5.read_weights(f, model, skip_mismatch=skip_mismatch)
            return
    legacy_h5.load_weights(model, filepath, by_name=by_name, skip_mismatch=skip_mismatch)


def _no_by_name(by_name, filepath):
    if by_name:
        raise ValueError(f"`by_name=True` applies to legacy `.h5` files only; {filepath!r} is "
                         "in the Keras 3 layout, which matches weights by position in the model.")


def _kind(filepath):
    """``"zip"`` or ``"h5"`` from the file's first bytes (its name when it cannot be read)."""
    if hasattr(filepath, "read"):
        return "zip"
    try:
        with open(filepath, "rb") as f:
            head = f.read(8)
    except OSError as error:
        raise CorruptFileError(f"Cannot read {os.fspath(filepath)!r}: {error}") from error
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head == h5_io.MAGIC:
        return "h5"
    expected = "zip" if os.fspath(filepath).endswith(".keras") else "HDF5"
    raise CorruptFileError(f"{os.fspath(filepath)!r} is neither a .keras archive nor an HDF5 "
                           f"file (its first bytes are {head!r}; a {expected} file was "
                           "expected from its name).")
