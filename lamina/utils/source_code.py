"""``to_source``: Python source that defines a model's architecture in any of the three styles.

The model's graph is read the same way for every style: a Functional model has it; a Sequential
is a chain; a subclassed model's ``call`` is run once on symbolic inputs, which records every
layer call (a ``call`` that computes on tensors outside layers cannot be written out). Layers
are written as constructor calls with the arguments of their configs that differ from the
defaults, so the source runs, builds the same architecture, and takes the original's weights
with ``set_weights``.

>>> import lamina
>>> model = lamina.Sequential([lamina.Input((8,), name="x"), lamina.layers.Dense(1, name="y")],
...                           name="tiny")
>>> print(to_source(model, "sequential"))
import lamina
<BLANKLINE>
<BLANKLINE>
def build_model():
    return lamina.Sequential([
        lamina.Input(shape=(8,), name='x'),
        lamina.layers.Dense(1, name='y'),
    ], name='tiny')
<BLANKLINE>
"""

from __future__ import annotations

import contextlib
import inspect
import keyword
import math
import re

import jax

from lamina import mixed_precision
from lamina.core import config
from lamina.core.symbolic import SymbolicTensor
from lamina.layers.input_layer import Input, InputLayer
from lamina.layers.operation import Operation
from lamina.models.functional import Functional, _topological_nodes
from lamina.models.model import Model
from lamina.models.sequential import Sequential

STYLES = ("sequential", "functional", "subclass")


def to_source(model, style="functional"):
    """Runnable Python source defining ``model``'s architecture in ``style``.

    ``'sequential'`` and ``'functional'`` sources define ``build_model()``; ``'subclass'`` defines
    a ``lamina.Model`` subclass and a ``build_model()`` that builds it. Weights are not included:
    copy them with ``new.set_weights(model.get_weights())``.

    Raises:
        ValueError: for an unknown style, a model that is not built, or a model the style
            cannot express (e.g. a branching graph as ``'sequential'``), saying why.
    """
    if style not in STYLES:
        raise ValueError(f"to_source: `style` must be one of {STYLES}; received {style!r}.")
    with _graph(model) as graph:
        source = {"sequential": _sequential, "functional": _functional,
                  "subclass": _subclass}[style](model, graph)
    compile(source, "<to_source>", "exec")
    return source


# -- the graph -------------------------------------------------------------------------------------
def _leaves(tree):
    return jax.tree_util.tree_leaves(tree, is_leaf=lambda x: isinstance(x, SymbolicTensor))


class _Graph:
    def __init__(self, inputs, outputs):
        self.inputs, self.outputs = inputs, outputs
        self.nodes = _topological_nodes(_leaves(inputs), _leaves(outputs))


@contextlib.contextmanager
def _graph(model):
    """The model's inputs, outputs and layer calls; calls recorded only to read the graph are
    removed from the layers afterwards."""
    if isinstance(model, Functional):
        yield _Graph(model._inputs_struct, model._outputs_struct)
        return
    layers = model._flatten_layers(include_self=False)
    counts = [(layer, len(layer._inbound_nodes)) for layer in layers]
    try:
        yield _trace(model)
    finally:
        for layer, count in counts:
            del layer._inbound_nodes[count:]


def _trace(model):
    first = model._stack[0] if isinstance(model, Sequential) and model._stack else None
    if isinstance(first, InputLayer):
        inputs = first.output
    else:
        spec = getattr(model, "_input_spec_tensors", None)
        if not model.built or spec is None:
            raise ValueError(f"to_source: model '{model.name}' is not built, so its input shape "
                             "is unknown; call `model.build(input_shape)` or call it on data "
                             "first.")
        inputs = _named_inputs(spec)
    if isinstance(model, Sequential):
        x = inputs
        for layer in model.layers:
            x = layer(x)
        return _Graph(inputs, x)
    try:
        outputs = model.call(inputs)
    except Exception as error:
        raise ValueError(
            f"to_source: the `call` of model '{model.name}' could not be traced as layer calls "
            f"on symbolic tensors; it computes outside layers ({type(error).__name__}: {error}). "
            "Move that computation into a layer (e.g. `lamina.layers.Lambda`).") from error
    if not _leaves(outputs) or not all(isinstance(t, SymbolicTensor) for t in _leaves(outputs)):
        raise ValueError(f"to_source: the `call` of model '{model.name}' returns values that "
                         f"are not layer outputs: {outputs!r}.")
    return _Graph(inputs, outputs)


def _named_inputs(spec):
    def make(t, name):
        return Input(batch_shape=t.shape, dtype=t.dtype.name, name=name)

    if isinstance(spec, SymbolicTensor):
        return make(spec, "inputs")
    if isinstance(spec, dict):
        return {k: make(t, _identifier(k)) for k, t in spec.items()}
    return [make(t, f"input_{i}") for i, t in enumerate(spec)]


# -- writing values and layers ---------------------------------------------------------------------
def _identifier(text):
    name = re.sub(r"\W", "_", str(text)) or "x"
    name = "_" + name if name[0].isdigit() else name
    return name + "_" if keyword.iskeyword(name) else name


class _Names:
    """Unique Python identifiers, derived from layer names."""

    def __init__(self, taken=()):
        self.taken = set(taken)

    def new(self, text, reserved=lambda name: False):
        base = _identifier(text)
        name, i = base, 1
        while name in self.taken or reserved(name):
            name, i = f"{base}_{i}", i + 1
        self.taken.add(name)
        return name


class _Writer:
    """Turns layers and config values into Python expressions, collecting the imports."""

    def __init__(self):
        self.imports = ["import lamina"]

    def need(self, line):
        if line not in self.imports:
            self.imports.append(line)

    def class_ref(self, cls):
        import lamina.layers
        if cls is Sequential:
            return "lamina.Sequential"
        if cls is Functional:
            return "lamina.Model"
        if getattr(lamina.layers, cls.__name__, None) is cls:
            return f"lamina.layers.{cls.__name__}"
        if "<locals>" in cls.__qualname__:
            raise ValueError(f"to_source: class {cls.__qualname__} is defined inside a function, "
                             "so the source cannot import it; define it at module level.")
        self.need(f"from {cls.__module__} import {cls.__name__}")
        return cls.__name__

    def layer(self, layer):
        cls = type(layer)
        if isinstance(layer, (Sequential, Functional)):
            return f"{self.class_ref(cls)}.from_config({_literal(layer.get_config())})"
        cfg = layer.get_config()
        params = list(inspect.signature(cls.__init__).parameters.values())[1:]
        by_name = {p.name: p for p in params}
        positional = [p.name for p in params if p.default is p.empty and p.name in cfg
                      and p.kind is p.POSITIONAL_OR_KEYWORD]
        args = [self.value(cfg[name]) for name in positional]
        for key, value in sorted(cfg.items(), key=lambda item: item[0] == "name"):
            if key in positional or _is_default(cls, key, value, by_name.get(key)):
                continue
            args.append(f"{key}={self.value(value)}")
        return f"{self.class_ref(cls)}({', '.join(args)})"

    def value(self, value):
        """A config value as an expression; serialized objects become constructor calls."""
        if isinstance(value, list):
            return "[" + ", ".join(self.value(v) for v in value) + "]"
        if isinstance(value, dict) and "class_name" in value and "config" in value:
            return self.object(value)
        if isinstance(value, dict):
            return "{" + ", ".join(f"{k!r}: {self.value(v)}" for k, v in value.items()) + "}"
        return _literal(value)

    def object(self, value):
        """A serialized object: its constructor call (a layer, an initializer, ...)."""
        obj = config.deserialize(value)
        module = value.get("module") or ""
        if isinstance(obj, mixed_precision.DTypePolicy):
            return repr(obj.name)
        if hasattr(obj, "_inbound_nodes"):
            return self.layer(obj)
        short = module.split(".")[-1]
        if module.startswith("keras.") and short in ("initializers", "regularizers", "constraints"):
            args = ", ".join(f"{k}={self.value(v)}" for k, v in value["config"].items())
            return f"lamina.{short}.{value['class_name']}({args})"
        self.need("import lamina.core.config")
        return f"lamina.core.config.deserialize({_literal(value)})"


def _literal(value):
    """A JSON-ready value as a Python literal (infinite floats included)."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({str(value)!r})"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_literal(v)}" for k, v in value.items()) + "}"
    return repr(value)


def _is_default(cls, key, value, param):
    if key == "name":
        return False
    if key == "trainable":
        return value is True
    if key == "dtype":
        return value == mixed_precision.global_policy().name
    if param is None or param.default is param.empty:
        return False
    try:
        return config.serialize_argument(key, param.default, cls.config_argument_kinds) == value
    except TypeError:
        return False


def _input_expr(tensor, name):
    shape = tensor.shape[1:]
    args = [f"shape={tuple(shape)!r}"]
    if tensor.shape[0] is not None:
        args.append(f"batch_size={tensor.shape[0]}")
    if tensor.dtype.name != "float32":
        args.append(f"dtype={tensor.dtype.name!r}")
    return f"lamina.Input({', '.join(args)}, name={name!r})"


def _structure(tree, name_of):
    if isinstance(tree, SymbolicTensor):
        return name_of(tree)
    if isinstance(tree, dict):
        return "{" + ", ".join(f"{k!r}: {_structure(v, name_of)}" for k, v in tree.items()) + "}"
    return "[" + ", ".join(_structure(v, name_of) for v in tree) + "]"


def _module(writer, body):
    return "\n".join(writer.imports) + "\n\n\n" + "\n".join(body) + "\n"


# -- the three styles ------------------------------------------------------------------------------
def _sequential(model, graph):
    reason = _not_a_chain(graph)
    if reason:
        raise ValueError(f"to_source(style='sequential'): model '{model.name}' cannot be written "
                         f"as a Sequential model: {reason}. Use style='functional' or "
                         "'subclass'.")
    writer = _Writer()
    tensor = _leaves(graph.inputs)[0]
    body = ["def build_model():", "    return lamina.Sequential([",
            f"        {_input_expr(tensor, tensor.history[0].name)},"]
    body += [f"        {writer.layer(node.layer)}," for node in graph.nodes]
    body.append(f"    ], name={model.name!r})")
    return _module(writer, body)


def _not_a_chain(graph):
    inputs, outputs = _leaves(graph.inputs), _leaves(graph.outputs)
    if len(inputs) != 1:
        return f"it has {len(inputs)} inputs (a Sequential model has one)"
    if len(outputs) != 1:
        return f"it has {len(outputs)} outputs (a Sequential model has one)"
    readers = {}
    for node in graph.nodes:
        for tensor in node.input_tensors:
            readers.setdefault(id(tensor), []).append(node.layer.name)
    for tensor in inputs + [node.outputs[0] for node in graph.nodes if node.outputs]:
        uses = readers.get(id(tensor), []) + (["the model output"] if tensor is outputs[0] else [])
        if len(uses) > 1:
            return (f"the output of '{tensor.history[0].name}' is used {len(uses)} times, by "
                    f"{uses} (the graph branches)")
    called = [node.layer for node in graph.nodes]
    for node in graph.nodes:
        name = node.layer.name
        if len(node.input_tensors) != 1:
            return (f"layer '{name}' takes {len(node.input_tensors)} input tensors "
                    "(it merges branches)")
        if len(node.outputs) != 1:
            return f"layer '{name}' returns {len(node.outputs)} tensors"
        if len(node.args) != 1 or node.kwargs:
            return f"layer '{name}' is called with arguments other than its input"
        if called.count(node.layer) > 1:
            return f"layer '{name}' is called {called.count(node.layer)} times (a shared layer)"
    return None


def _calls(graph, names, layer_ref, writer):
    """Lines ``out = layer(args)`` for every call, in graph order, naming each output."""
    tensor_names = {}
    for tensor in _leaves(graph.inputs):
        tensor_names[id(tensor)] = names.new(tensor.history[0].name)

    def arg(value):
        if isinstance(value, SymbolicTensor):
            return tensor_names[id(value)]
        if isinstance(value, slice) or value is Ellipsis:  # an index: x[:, 1:3]
            return repr(value)
        if isinstance(value, (list, tuple)):
            items = [arg(v) for v in value]
            return "[" + ", ".join(items) + "]"
        if isinstance(value, dict):
            return "{" + ", ".join(f"{k!r}: {arg(v)}" for k, v in value.items()) + "}"
        return writer.value(config.serialize(value, "call argument"))

    lines = []
    for node in graph.nodes:
        keywords = dict(node.kwargs)
        if isinstance(node.layer, Operation):  # written as the op call it records
            keywords.update(node.layer.arguments)
        call = ", ".join([arg(a) for a in node.args]
                         + [f"{k}={arg(v)}" for k, v in keywords.items()])
        outs = [names.new(node.layer.name) for _ in node.outputs]
        for tensor, name in zip(node.outputs, outs):
            tensor_names[id(tensor)] = name
        if len(outs) == 1:
            lines.append(f"{outs[0]} = {layer_ref(node.layer)}({call})")
        else:
            writer.need("import jax")
            lines.append(f"{', '.join(outs)} = jax.tree_util.tree_leaves("
                         f"{layer_ref(node.layer)}({call}))")
    return lines, lambda t: tensor_names[id(t)]


def _op_ref(layer):
    """``lamina.ops.add`` (or ``lamina.ops.image.resize``) for an Operation node."""
    return f"lamina.ops.{'image.' if layer.module == 'image' else ''}{layer.op}"


def _layers_in_order(graph):
    """The layers the graph calls, in order (op nodes are written as op calls instead)."""
    seen, layers = set(), []
    for node in graph.nodes:
        if isinstance(node.layer, Operation):
            continue
        if id(node.layer) not in seen:
            seen.add(id(node.layer))
            layers.append(node.layer)
    return layers


def _functional(model, graph):
    writer, names = _Writer(), _Names({"lamina", "jax", "build_model"})
    counts = {}
    for node in graph.nodes:
        counts[id(node.layer)] = counts.get(id(node.layer), 0) + 1
    shared = {id(layer): names.new(f"{layer.name}_layer") for layer in _layers_in_order(graph)
              if counts[id(layer)] > 1}
    body = ["def build_model():"]
    calls, name_of = _calls(graph, names, lambda layer: _op_ref(layer) if isinstance(
        layer, Operation) else shared.get(id(layer)) or writer.layer(layer), writer)
    input_lines = [f"{name_of(t)} = {_input_expr(t, t.history[0].name)}"
                   for t in _leaves(graph.inputs)]
    definitions = [f"{shared[id(layer)]} = {writer.layer(layer)}"
                   for layer in _layers_in_order(graph) if id(layer) in shared]
    body += ["    " + line for line in input_lines + definitions + calls]
    body.append(f"    return lamina.Model(inputs={_structure(graph.inputs, name_of)}, "
                f"outputs={_structure(graph.outputs, name_of)}, name={model.name!r})")
    return _module(writer, body)


def _subclass(model, graph):
    single = isinstance(graph.inputs, SymbolicTensor)
    writer, names = _Writer(), _Names({"self", "kwargs"} | (set() if single else {"inputs"}))
    attributes = _Names()
    layers = _layers_in_order(graph)
    attribute = {id(layer): attributes.new(layer.name, reserved=_reserved) for layer in layers}
    class_name = "".join(part.capitalize() for part in _identifier(model.name).split("_"))
    class_name = class_name if class_name.endswith("Model") else class_name + "Model"
    calls, name_of = _calls(graph, names, lambda layer: _op_ref(layer) if isinstance(
        layer, Operation) else f"self.{attribute[id(layer)]}", writer)
    inputs = graph.inputs
    if single:
        unpack = [] if name_of(inputs) == "inputs" else [f"{name_of(inputs)} = inputs"]
    elif isinstance(inputs, dict):
        unpack = [f"{name_of(t)} = inputs[{k!r}]" for k, t in inputs.items()]
    else:
        unpack = [f"{', '.join(name_of(t) for t in _leaves(inputs))}, = inputs"]
    shapes = jax.tree_util.tree_map(lambda t: t.shape, inputs,
                                    is_leaf=lambda x: isinstance(x, SymbolicTensor))
    body = [f"class {class_name}(lamina.Model):",
            "    def __init__(self, **kwargs):",
            "        super().__init__(**kwargs)"]
    body += [f"        self.{attribute[id(layer)]} = {writer.layer(layer)}" for layer in layers]
    body += ["", "    def call(self, inputs):"]
    body += ["        " + line for line in unpack + calls]
    body.append(f"        return {_structure(graph.outputs, name_of)}")
    body += ["", "", "def build_model():", f"    model = {class_name}(name={model.name!r})",
             f"    model.build({shapes!r})", "    return model"]
    return _module(writer, body)


def _reserved(name):
    return name.startswith("_") or hasattr(Model, name)
