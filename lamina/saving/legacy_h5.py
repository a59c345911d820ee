"""Reading the legacy (Keras 2 / ``tf.keras``) HDF5 files: whole models and weights.

Layout: the root attribute ``model_config`` (JSON) and ``training_config``; a group
``model_weights`` (or the root, for weights-only files) whose attribute ``layer_names`` lists
the layers in order, each a group whose attribute ``weight_names`` gives the paths of its arrays
(trainable first); ``optimizer_weights`` likewise. Weights are matched to the model's layers
that have weights, in order, or by layer name with ``by_name=True``.
"""

from __future__ import annotations

import inspect
import json
import warnings

from lamina.core.errors import describe
from lamina.saving import h5_io, model_config, safety
from lamina.saving.errors import CorruptFileError, WeightsMismatchError


def _text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _names(group, key):
    return [_text(n) for n in group.attrs.get(key, [])]


def is_legacy(f):
    """Whether an open HDF5 file has the legacy layout."""
    return "model_weights" in f or "layer_names" in f.attrs


def legacy_weights(layer):
    """The variables of ``layer`` in the legacy order: trainable ones, then the others."""
    weights = layer.weights
    return [v for v in weights if v.trainable] + [v for v in weights if not v.trainable]


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """The model stored in a legacy ``.h5`` file (its weights, and optimizer state if any)."""
    with h5_io.open_h5(filepath, "legacy .h5 model file") as f:
        if "model_config" not in f.attrs:
            raise CorruptFileError(f"{filepath!r} holds no model config (it is a weights-only "
                                   "file): build the model in code and call `load_weights`.")
        cfg = _json(f.attrs["model_config"], "model_config")
        safety.check_config(cfg, safe_mode, "model_config")
        model = model_config.model_from_config(_modernize(cfg), custom_objects, False, safe_mode)
        load_weights_group(h5_io.get_group(f, "model_weights") or f, model)
        if compile and "training_config" in f.attrs:
            _compile(model, _json(f.attrs["training_config"], "training_config"))
            _load_optimizer(f, model)
    return model


def load_weights(model, filepath, by_name=False, skip_mismatch=False):
    """Loads a legacy weights (or whole-model) ``.h5`` file into ``model``."""
    with h5_io.open_h5(filepath, "legacy .h5 weights file") as f:
        load_weights_group(h5_io.get_group(f, "model_weights") or f, model, by_name,
                           skip_mismatch)


def load_weights_group(group, model, by_name=False, skip_mismatch=False):
    """Assigns the weights stored in ``group`` (see the module doc) to ``model``'s layers."""
    if "layer_names" not in group.attrs:
        raise CorruptFileError("The legacy weights file has no `layer_names` attribute.")
    stored = [(name, h5_io.get_group(group, name)) for name in _names(group, "layer_names")]
    if any(g is None for _, g in stored):
        missing = [name for name, g in stored if g is None]
        raise CorruptFileError(f"The legacy weights file lists layers {missing} it does not hold.")
    stored = [(name, g) for name, g in stored if _names(g, "weight_names")]
    layers = [layer for layer in model.layers if legacy_weights(layer)]
    if by_name:
        by = dict(stored)
        pairs = [(layer, by[layer.name]) for layer in layers if layer.name in by]
    else:
        if len(stored) != len(layers):
            raise WeightsMismatchError(
                f"The file holds weights for {len(stored)} layers, model '{model.name}' has "
                f"{len(layers)} layers with weights. Load by name with `by_name=True`.")
        pairs = list(zip(layers, (g for _, g in stored)))
    plan = []
    for layer, g in pairs:
        values = [_read_path(g, name) for name in _names(g, "weight_names")]
        targets = legacy_weights(layer)
        problem = _mismatch(layer, targets, values)
        if problem and skip_mismatch:
            warnings.warn(f"Skipping {problem}", stacklevel=3)
        elif problem:
            raise WeightsMismatchError(problem[0].upper() + problem[1:])
        else:
            plan.append((targets, values))
    for targets, values in plan:
        for variable, value in zip(targets, values):
            variable.assign(value)


def _read_path(group, path):
    parent, _, name = path.rpartition("/")
    holder = h5_io.get_group(group, parent) if parent else group
    if holder is None:
        raise CorruptFileError(f"The legacy weights file has no dataset '{path}'.")
    return h5_io.read_array(holder, name)


def _mismatch(layer, targets, values):
    if len(targets) != len(values):
        return (f"{describe(layer)}: expects {len(targets)} weights, the file holds "
                f"{len(values)}.")
    for variable, value in zip(targets, values):
        if tuple(value.shape) != tuple(variable.shape):
            return (f"{describe(layer)}: weight '{variable.name}' has shape {variable.shape}, "
                    f"the file's has {tuple(value.shape)}.")
    return None


def _json(raw, what):
    try:
        value = json.loads(_text(raw))
    except (ValueError, RecursionError) as error:
        raise CorruptFileError(f"The legacy file's `{what}` is not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise CorruptFileError(f"The legacy file's `{what}` should be a JSON object.")
    return value


def _modernize(cfg):
    """Keras 2 spellings that lamina's constructors do not take, in Keras 3's form."""
    if isinstance(cfg, list):
        return [_modernize(c) for c in cfg]
    if not isinstance(cfg, dict):
        return cfg
    out = {k: _modernize(v) for k, v in cfg.items()}
    inner = out.get("config")
    if out.get("class_name") == "InputLayer" and isinstance(inner, dict) and \
            "batch_input_shape" in inner:
        inner["batch_shape"] = inner.pop("batch_input_shape")
    return out


def _compile(model, training):
    from lamina.optimizers.optimizer import Optimizer
    from lamina.optimizers.registry import ALL_OBJECTS
    optimizer = training.get("optimizer_config")
    if isinstance(optimizer, dict):
        cls = ALL_OBJECTS.get(str(optimizer.get("class_name")).lower())
        if cls is not None:  # drop Keras 2 keys (`decay`, `is_legacy_optimizer`, ...)
            known = set(inspect.signature(cls.__init__).parameters) | set(
                inspect.signature(Optimizer.__init__).parameters)
            optimizer = {"class_name": cls.__name__, "config": {
                k: v for k, v in (optimizer.get("config") or {}).items() if k in known}}
    cfg = {"optimizer": optimizer, **{k: training.get(k) for k in
                                      ("loss", "loss_weights", "metrics", "weighted_metrics")}}
    try:
        model_config.compile_from_config(model, cfg)
    except CorruptFileError as error:
        warnings.warn(f"Loaded '{model.name}' uncompiled: {error}", stacklevel=3)


def _load_optimizer(f, model):
    group = h5_io.get_group(f, "optimizer_weights")
    if group is None or model.optimizer is None:
        return
    values = [_read_path(group, name) for name in _names(group, "weight_names")]
    targets = model.optimizer.variables
    if [tuple(v.shape) for v in values] != [tuple(t.shape) for t in targets]:
        warnings.warn("Skipping the optimizer state of the legacy file: it does not match the "
                      f"optimizer's {len(targets)} variables.", stacklevel=3)
        return
    for variable, value in zip(targets, values):
        variable.assign(value)
