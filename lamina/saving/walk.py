"""Where each layer's and optimizer's variables live in a Keras weights file.

Keras names weights by the *attribute* that holds an object, not by the object's name: a
model's ``self.d1 = Dense(...)`` is saved under ``d1/vars/0``, the second Dense of a list
``self.blocks`` under ``blocks/dense_1/vars/0``, the layers of a Sequential or functional model
under ``layers/<snake_case class name>[_<n>]``, the optimizer under ``optimizer``. Attributes are
visited in sorted order (private ones last) and an object reached twice is saved only at its
first path. :func:`saveables` reproduces that walk over lamina objects, so the paths match the
files Keras writes and reads.
"""

from __future__ import annotations

from lamina.core import layer as layer_module
from lamina.core.layer import Layer
from lamina.core.naming import class_snake_name
from lamina.optimizers.optimizer import Optimizer

# What lamina's model machinery keeps on a model (Keras's own counterparts are skipped the same
# way, by comparison with a bare Layer); only `layers` and `optimizer` hold saveable state.
_MODEL_INTERNALS = frozenset({
    "_stack", "_graph_layers", "_nodes", "_traced_graph", "_inputs_struct", "_outputs_struct",
    "_traced_layers", "_compile_loss", "_compile_metrics", "_loss_tracker", "_trainable_state",
    "inputs", "outputs", "metrics", "state", "history", "stop_training", "compiled",
    "steps_per_execution", "get_layer", "input_shape", "output_shape", "input_names",
    "output_names", "metrics_names"})
_skip = {}


def _layer_skipset():
    """Attribute names every lamina Layer has (a bare layer's, as Keras compares with a bare
    Keras Layer): they never hold user sub-layers."""
    if "layer" not in _skip:
        bare = Layer(name="_bare_reference")
        _skip["layer"] = frozenset(dir(bare)) | layer_module._UNTRACKED | _MODEL_INTERNALS
        _skip["layer"] -= {"optimizer"}
    return _skip["layer"]


def _optimizer_skipset():
    if "optimizer" not in _skip:
        _skip["optimizer"] = frozenset(dir(Optimizer)) | {
            "_slots", "_averages", "_accumulators", "_extra_variables", "_iterations",
            "_learning_rate", "_trainable_variables", "_index", "_slot_fields"}
    return _skip["optimizer"]


def _sort_key(name):
    return "~" + name if name.startswith("_") else name


def _children(obj):
    """``(attribute, value)`` pairs in Keras's visiting order."""
    if isinstance(obj, Optimizer):
        skip = _optimizer_skipset()
        names = sorted(vars(obj), key=_sort_key)
    else:
        skip = _layer_skipset()
        names = sorted(dir(obj), key=_sort_key)
        if _is_graph_model(obj):
            yield "layers", obj.layers
    for name in names:
        if name.startswith("__") or name in skip:
            continue
        try:
            value = getattr(obj, name)
        except Exception:  # a property that cannot answer now holds nothing to save
            continue
        yield name, value


def _is_graph_model(obj):
    from lamina.models.functional import Functional
    from lamina.models.sequential import Sequential
    return isinstance(obj, (Sequential, Functional))


def _is_saveable(value):
    return isinstance(value, (Layer, Optimizer))


def saveables(root):
    """``[(path, object)]`` for every layer and optimizer reachable from ``root``, in Keras's
    order; ``""`` is the root itself.

    >>> import lamina
    >>> model = lamina.Sequential([lamina.layers.Dense(2, input_dim=3), lamina.layers.Dense(1)])
    >>> [path for path, _ in saveables(model)]
    ['', 'layers/dense', 'layers/dense_1']
    """
    found, visited = [], set()

    def visit(obj, path):
        if id(obj) in visited:
            return
        visited.add(id(obj))
        found.append((path, obj))
        for name, value in _children(obj):
            child_path = f"{path}/{name}" if path else name
            if _is_saveable(value):
                visit(value, child_path)
            elif isinstance(value, (list, tuple, dict)):
                visit_container(value, child_path, set())

    def visit_container(container, path, seen):
        if id(container) in seen:
            return
        seen.add(id(container))
        used = {}
        for item in container.values() if isinstance(container, dict) else container:
            if _is_saveable(item):
                visit(item, f"{path}/{_unique(class_snake_name(type(item)), used)}")
            elif isinstance(item, (list, tuple, dict)):
                visit_container(item, f"{path}/{_unique('container', used)}", seen)

    visit(root, "")
    return found


def _unique(name, used):
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name
