"""State that Keras files do not keep but a resumed training run needs, in a ``lamina`` group.

- ``lamina/layer_state/<path>/vars/<i>``: variables of the random-seed generators and metrics
  that the layer at ``<path>`` holds as attributes (``Dropout``'s seed, a tracked ``Mean``).
- ``lamina/compiled_metrics``: the loss tracker and compiled metrics, with their configs (a
  loaded model has not seen data yet, so its compiled metrics are rebuilt from them).
- ``lamina/random``: lamina's global random state (host seed and counter, global generator).

Keras never visits a path named ``lamina``, so these groups do not disturb it. Extra state that
does not fit the model is skipped with a warning: the weights themselves were loaded.
"""

from __future__ import annotations

import json
import warnings

import numpy as np

from lamina import random as lamina_random
from lamina.core import layer as layer_module
from lamina.core.layer import Layer
from lamina.saving import h5_io

_ROOT = "lamina"


def _holder_variables(layer):
    """Seed-generator and metric variables held by ``layer`` (the compiled loss tracker is
    saved with the compiled metrics instead)."""
    tracker = getattr(layer, "_loss_tracker", None)
    return [v for holder in layer._tracked(layer_module._is_state_holder)
            if holder is not tracker for v in holder.variables]


def _compiled_metrics(model):
    """The loss tracker and compiled metrics, and the configs to rebuild them from."""
    if not getattr(model, "compiled", False):
        return [], None
    from lamina import metrics as metrics_module
    cm, cl = model._compile_metrics, model._compile_loss
    entries = []
    try:
        for metric, output, weighted in getattr(cm, "per_output", []):
            entries.append({"metric": metrics_module.serialize(metric), "output": output,
                            "weighted": weighted})
    except (TypeError, ValueError):
        entries = None  # a metric without a config: its state cannot be rebuilt on load
    metrics = [model._loss_tracker] + list(cl.metrics) + list(cm.metrics)
    spec = {"built": bool(cm.built), "entries": entries, "loss_outputs": len(cl.metrics)}
    return metrics, spec


def write(f, model, walked):
    saved = set()
    for path, obj in walked:
        if isinstance(obj, Layer):
            variables = [v for v in _holder_variables(obj) if id(v) not in saved]
            if variables:
                _write_vars(f, f"{_ROOT}/layer_state/{path}".rstrip("/"), variables)
                saved.update(id(v) for v in variables)
    metrics, spec = _compiled_metrics(model)
    if spec is not None and spec["entries"] is not None:
        variables = [v for m in metrics for v in m.variables]
        group = _write_vars(f, f"{_ROOT}/compiled_metrics", variables)
        group.attrs["config"] = json.dumps(spec)
    host = lamina_random._host
    group = h5_io.make_group(f, f"{_ROOT}/random", {"seed": np.int64(host["seed"]),
                                                     "count": np.int64(host["count"])})
    if host["global"] is not None:
        h5_io.write_array(group, "global", host["global"].state.numpy())


def _write_vars(f, path, variables):
    group = h5_io.make_group(f, f"{path}/vars")
    for index, variable in enumerate(variables):
        h5_io.write_array(group, str(index), variable.numpy())
    return group


def read(f, model, walked, restore_random):
    """Reads the extra state; returns a function that applies it (called once the weights
    have all been read and checked)."""
    root = h5_io.get_group(f, _ROOT)
    if root is None:
        return lambda: None
    assignments, later = [], []
    for path, obj in walked:
        if isinstance(obj, Layer):
            group = h5_io.get_group(root, f"layer_state/{path}/vars".replace("//", "/"))
            if group is not None:
                assignments += _match(group, _holder_variables(obj), f"state of '{path or '/'}'")
    group = h5_io.get_group(root, "compiled_metrics/vars")
    if group is not None and getattr(model, "compiled", False):
        later.append(lambda: _restore_compiled_metrics(model, group.attrs.get("config"),
                                                       group))
    if restore_random:
        assignments += _random_state(h5_io.get_group(root, "random"))

    def apply():
        for target, value in assignments:
            target(value)
        for step in later:
            step()
    return apply


def _match(group, variables, what):
    names = h5_io.dataset_names(group)
    values = [h5_io.read_array(group, str(i)) if str(i) in names else None
              for i in range(len(variables))]
    if len(names) != len(variables) or any(
            v is None or v.shape != tuple(t.shape) for v, t in zip(values, variables)):
        warnings.warn(f"Skipping the saved {what}: it does not fit the model's "
                      f"{len(variables)} state variables.", stacklevel=4)
        return []
    return [(variable.assign, value) for variable, value in zip(variables, values)]


def _random_state(group):
    if group is None:
        return []
    host = lamina_random._host
    try:
        seed, count = int(group.attrs["seed"]), int(group.attrs["count"])
    except (KeyError, TypeError, ValueError):
        warnings.warn("Skipping the saved random state: it is incomplete.", stacklevel=4)
        return []
    out = [(lambda _: host.update(seed=seed, count=count), None)]
    if "global" in h5_io.dataset_names(group):
        value = h5_io.read_array(group, "global")
        generator = lamina_random.global_generator()
        if value.shape == generator.state.shape:
            out.append((generator.state.assign, value))
    return out


def _restore_compiled_metrics(model, spec, group):
    try:
        spec = json.loads(spec)
    except (TypeError, ValueError):
        warnings.warn("Skipping the saved metric state: its config is unreadable.", stacklevel=4)
        return
    cm = model._compile_metrics
    if spec.get("built") and not cm.built and not _rebuild(model, spec):
        return
    metrics = [model._loss_tracker] + list(model._compile_loss.metrics) + list(cm.metrics)
    for assign, value in _match(group, [v for m in metrics for v in m.variables],
                                "metric state"):
        assign(value)


def _rebuild(model, spec):
    """Recreates the compiled metrics (and per-output loss trackers) a loaded model had."""
    from lamina import metrics as metrics_module
    names = getattr(model, "output_names", None)
    try:
        per_output = [(metrics_module.deserialize(e["metric"]), int(e["output"]),
                       bool(e["weighted"])) for e in spec["entries"]]
    except (KeyError, TypeError, ValueError) as error:
        warnings.warn(f"Skipping the saved metric state: {error}", stacklevel=5)
        return False
    cm = model._compile_metrics
    cm.names, cm.per_output = names, per_output
    cm.metrics = [m for m, _, _ in per_output]
    cm.built = True
    if spec.get("loss_outputs") and names and model._compile_loss.spec is not None:
        model._compile_loss.build(len(names), names)
    return True
