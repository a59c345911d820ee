"""The ``.keras`` file: a zip of ``metadata.json``, ``config.json`` and ``model.weights.h5``.

Members are stored uncompressed (as Keras writes them) with a fixed date, so the same model
saved twice gives the same bytes; ``metadata.json`` carries the save date only when asked
(``include_date=True``). The file is written atomically (see :mod:`lamina.saving.atomic`).
Loading checks the archive first (:mod:`lamina.saving.safety`), builds the model from its
config, then loads the weights, the optimizer state and lamina's extra state.
"""

from __future__ import annotations

import datetime
import json
import warnings
import zipfile

from lamina.saving import atomic, h5_io, model_config, safety, weights_h5

KERAS_FORMAT_VERSION = "3.15.1"  # the Keras release whose file layout these files follow
CONFIG, METADATA, WEIGHTS = "config.json", "metadata.json", "model.weights.h5"
_FIXED_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can hold


def metadata(include_date=False):
    """The contents of ``metadata.json``."""
    import lamina
    out = {"keras_version": KERAS_FORMAT_VERSION, "lamina_version": lamina.__version__}
    if include_date:
        out["date_saved"] = datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")
    return out


def write_zip(handle, members):
    """Writes ``[(name, bytes)]`` as a stored zip with fixed dates and permissions."""
    with zipfile.ZipFile(handle, "w", zipfile.ZIP_STORED) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=_FIXED_DATE)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3  # unix, whatever the platform, for identical bytes
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)


def save_model(model, filepath, overwrite=True, include_date=False):
    """Writes ``model`` (config, weights, optimizer and training state) to a ``.keras`` file."""
    if not model.built:
        warnings.warn(f"Saving model '{model.name}' before it is built: the file holds no "
                      "weights. Call it on data or `build()` it first.", stacklevel=3)
    members = [
        (METADATA, json.dumps(metadata(include_date)).encode()),
        (CONFIG, json.dumps(model_config.model_config(model)).encode()),
        (WEIGHTS, weights_h5.weights_bytes(model)),
    ]
    if hasattr(filepath, "write"):
        write_zip(filepath, members)
        return
    with atomic.atomic_write(filepath, overwrite=overwrite) as handle:
        write_zip(handle, members)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """The model stored in a ``.keras`` file (Keras's or lamina's).

    With ``compile=True`` the model is compiled as saved and its optimizer, metric and random
    state are restored, so training continues exactly where it stopped.
    """
    archive = safety.Archive(filepath)
    cfg = archive.read_json(CONFIG)
    safety.check_config(cfg, safe_mode)
    if METADATA in archive:
        archive.read_json(METADATA)
    if any(name.startswith("assets/") for name in archive.members):
        warnings.warn(f"'{archive.label}' holds assets (e.g. lookup vocabularies); lamina does "
                      "not read them, so layers that need them start empty.", stacklevel=3)
    model = model_config.model_from_config(cfg, custom_objects, compile, safe_mode)
    weights = archive.read(WEIGHTS)
    with h5_io.open_h5(weights, f"weights in '{archive.label}'") as f:
        weights_h5.read_weights(f, model, restore_random=compile,
                                what=f"weights in '{archive.label}'")
    return model


def load_weights(model, filepath, skip_mismatch=False):
    """Loads only the weights (and optimizer state) of a ``.keras`` file into ``model``."""
    archive = safety.Archive(filepath)
    with h5_io.open_h5(archive.read(WEIGHTS), f"weights in '{archive.label}'") as f:
        weights_h5.read_weights(f, model, skip_mismatch=skip_mismatch)
