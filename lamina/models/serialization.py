"""Model configs in Keras's format: Sequential and Functional to dicts and JSON, and back.

A Sequential config lists its layers (the InputLayer first); a Functional config lists every
layer with the calls (``inbound_nodes``) that connect it, each input a ``__keras_tensor__`` that
names the producing layer, its call and output index. Subclassed models use their captured
constructor arguments (``Layer.get_config``). Keras reads what this module writes and back.

>>> import lamina
>>> model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(2)])
>>> clone = model_from_json(model.to_json())
>>> [layer.units for layer in clone.layers], clone.count_params()
([2], 8)
"""

from __future__ import annotations

import inspect
import json

import jax

from lamina.core import config
from lamina.core.layer import Layer
from lamina.core.symbolic import SymbolicTensor
from lamina.layers.input_layer import InputLayer
from lamina.layers.operation import Operation, is_operation_entry


def _is_tensor(x):
    return isinstance(x, SymbolicTensor)


def _map(fn, tree):
    return jax.tree_util.tree_map(fn, tree, is_leaf=_is_tensor)


def _shape(shape):
    return None if shape is None else list(shape)


# -- layers inside model configs ---------------------------------------------------------------
def layer_config(layer):
    """``{"module", "class_name", "config", "registered_name"}`` for a layer of a model."""
    if isinstance(layer, InputLayer):
        cfg = {"batch_shape": _shape(layer.batch_shape), "dtype": layer.dtype, "sparse": False,
               "ragged": False, "name": layer.name, "optional": False}
        return {"module": "keras.layers", "class_name": "InputLayer", "config": cfg,
                "registered_name": None}
    if isinstance(layer, Operation):
        return layer.keras_entry()
    return config.serialize(layer, layer.name)


def layer_from_config(entry):
    """The layer a :func:`layer_config` entry describes (also Keras 2 entries without module)."""
    if entry.get("class_name") == "InputLayer":
        cfg = dict(entry["config"])
        shape = cfg.get("batch_shape") or cfg.get("batch_input_shape")
        dtype = cfg.get("dtype")
        if isinstance(dtype, dict):
            dtype = dtype.get("config", {}).get("name")
        return InputLayer(batch_shape=tuple(shape), dtype=dtype, name=cfg.get("name"),
                          sparse=cfg.get("sparse") or None)
    if is_operation_entry(entry):
        return Operation.from_keras_entry(entry)
    keys = ("module", "class_name", "config", "registered_name")
    layer = config.deserialize({k: entry[k] for k in keys if k in entry})
    if not isinstance(layer, Layer):
        raise ValueError(f"Expected a layer config, received {entry.get('class_name')!r} that "
                         f"builds a {type(layer).__name__}.")
    return layer


# -- Sequential ----------------------------------------------------------------------------------
def sequential_config(model):
    """``Sequential.get_config()``: name, dtype and the layers in order."""
    cfg = {"name": model.name, "trainable": model.trainable, "dtype": model.dtype_policy.name,
           "layers": [layer_config(layer) for layer in model._stack]}
    shape = build_input_shape(model)
    if shape is not None:
        cfg["build_input_shape"] = shape
    return cfg


def sequential_from_config(cls, cfg, custom_objects=None):
    """A Sequential (or subclass ``cls``) from :func:`sequential_config` output."""
    with config.custom_object_scope(custom_objects):
        entries = cfg["layers"] if isinstance(cfg, dict) else cfg
        cfg = cfg if isinstance(cfg, dict) else {}
        layers = [layer_from_config(entry) for entry in entries]
        kwargs = {k: cfg[k] for k in ("name", "trainable", "dtype") if k in cfg}
        model = cls(layers, **kwargs)
    if not model.built and cfg.get("build_input_shape") is not None:
        build_from_shape(model, cfg["build_input_shape"])
    return model


# -- Functional ----------------------------------------------------------------------------------
def _own_nodes(model):
    """Per layer of the graph, its calls that belong to ``model``, in call order."""
    own = {id(node) for node in model._nodes}
    for tensor in model.inputs:
        if not isinstance(tensor.history[0], InputLayer):
            raise NotImplementedError(
                f"Model '{model.name}': a config needs every model input to come from "
                f"`lamina.Input`; input {tensor} is the output of layer "
                f"'{tensor.history[0].name}'.")
        own.add(id(tensor.node))
    return {id(layer): [n for n in layer._inbound_nodes if id(n) in own] for layer in model.layers}


def _first_node_index(layer):
    # Keras gives every Functional model a built-in first node (input to output), so in
    # `input_layers`/`output_layers` the calls of a nested Functional model count from 1.
    from lamina.models.functional import Functional
    return 1 if isinstance(layer, Functional) else 0


def is_functional_class(cls):
    """Whether ``cls`` is built as ``cls(inputs, outputs, ...)`` (Functional or a subclass that
    keeps its constructor); other subclasses are configured by their own arguments."""
    from lamina.models.functional import Functional
    if cls is Functional or "__init__" not in vars(cls):
        return issubclass(cls, Functional)
    params = [p for p in inspect.signature(cls.__init__).parameters.values()][1:]
    return [p.name for p in params[:2]] == ["inputs", "outputs"] or {
        p.kind for p in params} >= {p.VAR_POSITIONAL, p.VAR_KEYWORD}


def functional_config(model):
    """``Functional.get_config()`` in Keras's format (layers with ``inbound_nodes``)."""
    if not is_functional_class(type(model)):
        return Layer.get_config(model)
    nodes = _own_nodes(model)
    names = {}
    for layer in model.layers:
        if names.setdefault(layer.name, layer) is not layer:
            raise ValueError(f"Model '{model.name}': two layers are named '{layer.name}'; layer "
                             "names must be unique in a model to write its config.")
    index = {id(node): i for layer in model.layers for i, node in enumerate(nodes[id(layer)])}

    def history(tensor, first=lambda layer: 0):
        layer, node_index, tensor_index = tensor.history
        node = index[id(layer._inbound_nodes[node_index])]
        return [layer.name, node + first(layer), tensor_index]

    def call_value(value):
        if _is_tensor(value):
            return {"class_name": "__keras_tensor__", "config": {
                "shape": _shape(value.shape), "dtype": value.dtype.name,
                "keras_history": history(value)}}
        if isinstance(value, (list, tuple)):
            return [call_value(v) for v in value]
        if isinstance(value, dict):
            return {k: call_value(v) for k, v in value.items()}
        return config.serialize(value, "call argument")

    layers = []
    for layer in model.layers:
        entry = layer_config(layer)
        entry["name"] = layer.name
        entry["inbound_nodes"] = [{"args": call_value(node.args), "kwargs": call_value(node.kwargs)}
                                  for node in nodes[id(layer)] if node.input_tensors]
        layers.append(entry)

    def structure(tree):
        if isinstance(tree, dict):
            return {k: structure(v) for k, v in tree.items()}
        if isinstance(tree, (list, tuple)):
            return [structure(v) for v in tree]
        return history(tree, _first_node_index)

    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": structure(model._inputs_struct),
            "output_layers": structure(model._outputs_struct)}


class _NotReady(Exception):
    """A call reads a tensor whose producing call has not been replayed yet."""


def functional_from_config(cls, cfg, custom_objects=None):
    """A Functional model (class ``cls``) from :func:`functional_config` output; also reads
    Keras 2 ``inbound_nodes`` lists."""
    if not is_functional_config(cfg):
        with config.custom_object_scope(custom_objects):
            return Layer.from_config.__func__(cls, cfg)
    with config.custom_object_scope(custom_objects):
        created = {entry["name"]: layer_from_config(entry) for entry in cfg["layers"]}

        def tensor(name, node_index, tensor_index, first=lambda layer: 0):
            if name not in created:
                raise ValueError(f"Invalid functional config: no layer named '{name}'.")
            layer = created[name]
            node_index -= first(layer)
            if node_index >= len(layer._inbound_nodes):
                raise _NotReady(name)
            return layer._inbound_nodes[node_index].outputs[tensor_index]

        def revive(value):
            if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
                return tensor(*value["config"]["keras_history"])
            if isinstance(value, (list, tuple)):  # tuples: a config never written as JSON
                return [revive(v) for v in value]
            if isinstance(value, dict) and not ("class_name" in value and "config" in value):
                return {k: revive(v) for k, v in value.items()}
            return config.deserialize(value)

        def call(layer, node):
            if isinstance(node, list):  # Keras 2: [[name, node_index, tensor_index, kwargs]]
                inputs = [tensor(*item[:3]) for item in node]
                kwargs = next((item[3] for item in node if len(item) > 3), {})
                layer(inputs[0] if len(inputs) == 1 else inputs, **revive(kwargs))
            else:
                layer(*revive(node.get("args", [])), **revive(node.get("kwargs", {})))

        pending = [(created[e["name"]], list(e.get("inbound_nodes", []))) for e in cfg["layers"]]
        while any(queue for _, queue in pending):
            progress = False
            for layer, queue in pending:
                while queue:
                    try:
                        call(layer, queue[0])
                    except _NotReady:
                        break
                    queue.pop(0)
                    progress = True
            if not progress:
                stuck = [layer.name for layer, queue in pending if queue]
                raise ValueError(f"Invalid functional config: the calls of layers {stuck} read "
                                 "tensors that no call produces (a loop or a missing layer).")

        def structure(tree):
            if isinstance(tree, (list, tuple)) and len(tree) == 3 and isinstance(tree[0], str):
                return tensor(*tree, first=_first_node_index)
            if isinstance(tree, dict):
                return {k: structure(v) for k, v in tree.items()}
            return [structure(v) for v in tree]

        inputs, outputs = structure(cfg["input_layers"]), structure(cfg["output_layers"])
        return cls(inputs, outputs, name=cfg.get("name"), trainable=cfg.get("trainable", True))


def is_functional_config(cfg):
    return isinstance(cfg, dict) and {"layers", "input_layers", "output_layers"} <= set(cfg)


def model_from_config(cls, cfg, custom_objects=None):
    """``Model.from_config``: a functional config gives a Functional model; any other config
    calls ``cls``'s constructor with the captured arguments."""
    if is_functional_config(cfg):
        from lamina.models.functional import Functional
        from lamina.models.model import Model
        return functional_from_config(Functional if cls is Model else cls, cfg, custom_objects)
    with config.custom_object_scope(custom_objects):
        return Layer.from_config.__func__(cls, cfg)


# -- building and JSON ---------------------------------------------------------------------------
def build_input_shape(model):
    """The input shape(s) a built model was traced with (``None`` batch), or ``None``."""
    from lamina.models.sequential import Sequential
    if isinstance(model, Sequential) and model._stack and isinstance(model._stack[0], InputLayer):
        return _shape(model._stack[0].batch_shape)
    spec = getattr(model, "_input_spec_tensors", None)
    if not model.built or spec is None:
        return None
    return _map(lambda t: _shape(t.shape), spec)


def build_from_spec(model, spec):
    """Builds ``model`` as if called on inputs like ``spec`` (SymbolicTensors): its own
    ``build`` first when it overrides it, then the symbolic trace of ``call``."""
    if model.built:
        return
    spec = _map(lambda t: SymbolicTensor(t.shape, t.dtype), spec)
    if model._build_overridden():
        model.build(_map(lambda t: t.shape, spec))
    if getattr(model, "_output_spec", None) is None:
        model._trace_call(spec)


def _as_shapes(tree):
    if isinstance(tree, dict):
        return {k: _as_shapes(v) for k, v in tree.items()}
    if all(d is None or isinstance(d, int) for d in tree):
        return tuple(tree)
    return [_as_shapes(t) for t in tree]


def build_from_shape(model, shape):
    """Builds ``model`` for input shape(s) ``shape`` (a Keras ``build_config`` input shape)."""
    from lamina.models.model import _spec_from_shape
    build_from_spec(model, _spec_from_shape(_as_shapes(shape), model.dtype))


def serialize_model(model):
    """The whole model as Keras writes it in ``config.json``: class, config, build config."""
    from lamina.models.functional import Functional
    out = config.serialize(model, model.name)
    if isinstance(model, Functional):
        out["build_config"] = {"input_shape": None}
    elif build_input_shape(model) is not None:
        out["build_config"] = {"input_shape": build_input_shape(model)}
    return out


def deserialize_model(data, custom_objects=None):
    """Inverse of :func:`serialize_model` (a dict); subclassed models are built from their
    ``build_config``."""
    with config.custom_object_scope(custom_objects):
        model = config.deserialize(data)
    shape = (data.get("build_config") or {}).get("input_shape")
    if shape is not None and not model.built:
        build_from_shape(model, shape)
    return model


def model_from_json(json_string, custom_objects=None):
    """A new model (fresh weights) from :meth:`Model.to_json` output, as
    ``keras.models.model_from_json``; ``custom_objects`` maps names to user classes."""
    return deserialize_model(json.loads(json_string), custom_objects)
