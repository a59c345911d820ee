"""What ``lamina inspect`` and ``lamina convert`` do.

``inspect`` reads a file's metadata, config and weight tree as data: it constructs no object
the file names and runs no code from it, so it is safe on files from anywhere.
"""

from __future__ import annotations

import json
import math

import h5py

from lamina.saving import api, h5_io, keras_archive, safety
from lamina.saving.errors import CorruptFileError


def inspect(path) -> str:
    """A report on a saved file: its format and version, the model's layers and the tree of
    stored arrays (path, shape, dtype), without building the model."""
    kind = api._kind(path)
    lines = [f"File: {path}"]
    if kind == "zip":
        archive = safety.Archive(path)
        if keras_archive.CONFIG not in archive:
            meta = archive.read_json("metadata.json") if "metadata.json" in archive else {}
            lines.append(f"Format: {meta.get('format', 'zip archive')} "
                         f"(members: {', '.join(sorted(archive.members))})")
            lines += [f"  {k}: {v}" for k, v in meta.items() if k != "format"]
            return "\n".join(lines)
        meta = archive.read_json(keras_archive.METADATA) if keras_archive.METADATA in archive \
            else {}
        lines.append("Format: Keras 3 archive (.keras), version "
                     f"{meta.get('keras_version', 'unknown')}"
                     + (f", written by lamina {meta['lamina_version']}"
                        if "lamina_version" in meta else ""))
        cfg = archive.read_json(keras_archive.CONFIG)
        with h5_io.open_h5(archive.read(keras_archive.WEIGHTS)) as f:
            tree, owners = _tree(f)
    else:
        with h5_io.open_h5(path) as f:
            legacy = "model_weights" in f or "layer_names" in f.attrs
            version = _text(f.attrs.get("keras_version", "unknown"))
            raw = f.attrs.get("model_config")
            cfg = json.loads(_text(raw)) if raw is not None else None
            lines.append(("Format: legacy Keras HDF5 (.h5)" if legacy else
                          "Format: Keras 3 weights file (.weights.h5)") +
                         (f", Keras {version}" if legacy else ""))
            tree, owners = _tree(f)
    if isinstance(cfg, dict):
        lines += ["", *_summary(cfg, tree, owners)]
    lines += ["", "Weights:"]
    lines += [f"  {name}  {shape}  {dtype}" for name, shape, dtype in tree] or ["  (none)"]
    return "\n".join(lines)


def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _tree(f):
    """``[(path, shape, dtype)]`` of every dataset (links not followed), and the parameter
    count of each named ``vars`` group (``{layer name: count}``, Keras layout)."""
    found, owners = [], {}
    legacy = "layer_names" in f.attrs

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            found.append((name, tuple(obj.shape), obj.dtype.name))
            parts = name.split("/")
            if name.startswith(("optimizer", "lamina/")):
                return
            if parts[0] == "model_weights" or legacy:  # legacy: grouped by layer name
                owner = parts[1] if parts[0] == "model_weights" else parts[0]
            elif obj.parent.name.endswith("/vars"):  # Keras 3: the group names its layer
                owner = _text(obj.parent.attrs.get("name"))
            else:
                return
            owners[owner] = owners.get(owner, 0) + math.prod(obj.shape)

    with h5_io.guard("weights file"):
        f.visititems(visit)
    return sorted(found, key=lambda item: [int(p) if p.isdigit() else p
                                           for p in item[0].replace("/", " / ").split()]), owners


def _summary(cfg, tree, owners):
    inner = cfg.get("config") if isinstance(cfg.get("config"), dict) else {}
    kind = cfg.get("registered_name") or cfg.get("class_name")
    lines = [f"Model: '{inner.get('name', '?')}' ({kind})"]
    layer_cfgs = inner.get("layers") if isinstance(inner.get("layers"), list) else []
    if layer_cfgs:
        lines.append(f"  {'Layer':<28}{'Class':<24}{'Params':>10}")
        for layer in layer_cfgs:
            if isinstance(layer, dict):
                name = (layer.get("config") or {}).get("name", "?") \
                    if isinstance(layer.get("config"), dict) else "?"
                lines.append(f"  {str(name):<28}{str(layer.get('class_name')):<24}"
                             f"{owners.get(str(name), 0):>10,}")
    params = sum(math.prod(shape) for name, shape, _ in tree
                 if not name.startswith(("optimizer/", "lamina/", "optimizer_weights/")))
    lines.append(f"Total params: {params:,}")
    compiled = cfg.get("compile_config") or {}
    optimizer = compiled.get("optimizer") if isinstance(compiled, dict) else None
    if isinstance(optimizer, dict):
        lines.append(f"Optimizer: {optimizer.get('class_name')}, loss: {compiled.get('loss')}")
    return lines


def convert(src, dst):
    """Converts a legacy ``.h5`` model (or any loadable model file) into a ``.keras`` file."""
    model = api.load_model(src)
    if not str(dst).endswith(".keras"):
        raise ValueError(f"convert writes `.keras` files; received {dst!r}.")
    api.save_model(model, dst)
    return dst
