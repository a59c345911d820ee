"""``plot_model`` and ``model_to_dot``: a model's real data flow as a Graphviz DOT graph.

All three model styles give the same picture: a functional model's recorded nodes, a
Sequential's chain, and a subclassed model's ``call`` as traced at build time (branches, merges
and shared layers included). Writing ``.dot`` needs nothing; ``.png``/``.svg``/``.pdf`` need the
Graphviz ``dot`` program (Debian/Ubuntu: ``apt-get install graphviz``; macOS: ``brew install
graphviz``).
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess

from lamina.core import naming
from lamina.core.symbolic import Call, Graph, GraphInput


def model_graph(model):
    """The model's data flow as a :class:`lamina.core.symbolic.Graph`, for any model style.

    >>> import lamina
    >>> model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(2, name="out")])
    >>> [call.layer.name for call in model_graph(model).calls]
    ['out']
    """
    from lamina.models.functional import Functional
    from lamina.models.sequential import Sequential

    if isinstance(model, Functional):
        return _functional_graph(model)
    graph = getattr(model, "_traced_graph", None)
    if isinstance(model, Sequential):
        return _sequential_graph(model, graph)
    if graph is None or not model.built:
        raise ValueError(f"Model '{model.name}' has not been built yet: call `build(input_shape)` "
                         "or call it on a batch of data first.")
    return graph


def _functional_graph(model):
    inputs = [GraphInput(t.history[0].name, t.shape, t.dtype.name, layer=t.history[0])
              for t in model.inputs]
    position = {id(t): k for k, t in enumerate(model.inputs)}
    calls = {}
    for node in model._nodes:
        sources = [[(None, position[id(t)])] if id(t) in position
                   else [(calls[id(t.node)], t.history[2])] for t in node.input_tensors]
        index = node.outputs[0].history[1] if node.outputs else 0
        outputs = node.outputs[0] if len(node.outputs) == 1 else node.outputs
        calls[id(node)] = Call(node.layer, sources, [t.shape for t in node.input_tensors],
                               outputs, node_index=index)
    outputs = [[(None, position[id(t)])] if id(t) in position
               else [(calls[id(t.node)], t.history[2])] for t in model.outputs]
    return Graph(inputs, list(calls.values()), outputs)


def _sequential_graph(model, traced):
    """A chain; each layer's shapes come from the build trace or, for layers added after it,
    from their own symbolic call."""
    from lamina.layers.input_layer import InputLayer

    first = model._stack[0] if model._stack and isinstance(model._stack[0], InputLayer) else None
    if first is not None:
        inputs = [GraphInput(first.name, first.batch_shape, first.output.dtype.name, layer=first)]
    elif traced is not None and model.built:
        inputs = traced.inputs
    else:
        raise ValueError(f"Sequential '{model.name}' has not been built yet: give it an `Input` "
                         "or call it on a batch of data first.")
    traced_calls = {id(c.layer): c for c in traced.calls} if traced is not None else {}
    calls, previous, shape = [], (None, 0), inputs[0].shape
    for layer in model.layers:
        seen = traced_calls.get(id(layer))
        if seen is not None:
            call = copy.copy(seen)
            call.sources, call.input_shapes = [[previous]], [shape]
        elif layer._inbound_nodes:
            outputs = layer._inbound_nodes[-1].outputs
            call = Call(layer, [[previous]], [shape], outputs[0] if len(outputs) == 1 else outputs,
                        node_index=len(layer._inbound_nodes) - 1)
        else:
            raise ValueError(f"Sequential '{model.name}' has not been built yet.")
        calls.append(call)
        previous, shape = (call, 0), call.output_shape
    return Graph(inputs, calls, [[previous]])


# -- DOT text ----------------------------------------------------------------------------------------
def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=200, show_layer_activations=False, show_trainable=False):
    """The model as Graphviz DOT text: one box per layer, one arrow per data-flow edge.

    ``expand_nested`` draws nested models as dashed clusters of their own layers.

    >>> import lamina
    >>> model = lamina.Sequential([lamina.Input((3,), name="x"), lamina.layers.Dense(2, name="d")])
    >>> print(model_to_dot(model).splitlines()[-2].strip())
    n0 -> n1;
    """
    options = dict(show_shapes=show_shapes, show_dtype=show_dtype,
                   show_layer_names=show_layer_names, show_activations=show_layer_activations,
                   show_trainable=show_trainable)
    writer = _DotWriter(expand_nested, options)
    graph = model_graph(model)
    input_ids = [[writer.node(i.layer or i, _input_label(i, options))] for i in graph.inputs]
    writer.add_graph(graph, input_ids, writer.root)
    return writer.text(model.name, rankdir, dpi)


class _DotWriter:
    def __init__(self, expand_nested, options):
        self.expand_nested, self.options = expand_nested, options
        self.ids, self.labels, self.edges = {}, {}, {}
        self.root = []          # node ids and clusters, in drawing order
        self.expanded = set()   # nested models already drawn as a cluster

    def node(self, key, label, block=None):
        """The id of ``key``'s box (one per layer: a shared layer is one box)."""
        if id(key) not in self.ids:
            self.ids[id(key)] = f"n{len(self.ids)}"
            (self.root if block is None else block).append(self.ids[id(key)])
            self.labels[self.ids[id(key)]] = []
        node_id = self.ids[id(key)]
        lines = self.labels[node_id]
        lines.extend(line for line in label.split("\n") if line not in lines)
        return node_id

    def add_graph(self, graph, input_ids, block):
        """Draws ``graph``'s calls into ``block``; ``input_ids[k]`` are the boxes feeding input k.
        Returns, per flat output, the boxes producing it."""
        produced = {}

        def boxes(sources):
            return [b for p, i in sources
                    for b in (input_ids[i] if p is None else produced[id(p)][i])]

        for call in graph.calls:
            feeding = [boxes(sources) for sources in call.sources]
            if self.expand_nested and _is_model(call.layer):
                produced[id(call)] = self._add_nested(call.layer, feeding, block)
                continue
            box = self.node(call.layer, _call_label(call, self.options), block)
            for source in (b for group in feeding for b in group):
                self.edges[(source, box)] = None
            produced[id(call)] = [[box]] * max(1, len(call.output_shapes))
        return [boxes(sources) for sources in graph.outputs]

    def _add_nested(self, model, feeding, block):
        first = id(model) not in self.expanded
        self.expanded.add(id(model))
        cluster = {"name": model.name, "items": []}
        if first:
            block.append(cluster)
        return self.add_graph(model_graph(model), feeding, cluster["items"])

    def text(self, name, rankdir, dpi):
        lines = [f"digraph {_quote(name)} {{",
                 f"  graph [rankdir={rankdir}, dpi={dpi}];",
                 '  node [shape=box, style=rounded, fontname="Helvetica"];']
        clusters = [0]

        def emit(items, indent):
            for item in items:
                if isinstance(item, str):
                    label = "\n".join(self.labels[item])
                    lines.append(f"{indent}{item} [label={_quote(label)}];")
                    continue
                lines.append(f"{indent}subgraph cluster_{clusters[0]} {{")
                clusters[0] += 1
                lines.append(f"{indent}  label={_quote(item['name'])}; style=dashed;")
                emit(item["items"], indent + "  ")
                lines.append(f"{indent}}}")

        emit(self.root, "  ")
        lines.extend(f"  {a} -> {b};" for a, b in self.edges)
        lines.append("}")
        return "\n".join(lines) + "\n"


def _is_model(layer):
    from lamina.models.model import Model
    return isinstance(layer, Model)


def _title(layer, class_name, options):
    return f"{layer} ({class_name})" if options["show_layer_names"] else class_name


def _input_label(graph_input, options):
    lines = [_title(graph_input.name, "InputLayer", options)]
    if options["show_shapes"]:
        lines.append(f"Output shape: {_shape_text(graph_input.shape)}")
    if options["show_dtype"]:
        lines.append(f"Output dtype: {graph_input.dtype}")
    return "\n".join(lines)


def _call_label(call, options):
    layer = call.layer
    lines = [_title(layer.name, naming.keras_class_name(layer), options)]
    activation = getattr(layer, "activation", None)
    if options["show_activations"] and activation is not None:
        lines.append("Activation: " + getattr(activation, "__name__", str(activation)))
    if options["show_shapes"]:
        shapes = call.input_shapes
        lines.append("Input shape: " + _shape_text(shapes[0] if len(shapes) == 1 else shapes))
        lines.append("Output shape: " + _shape_text(call.output_shape))
    if options["show_dtype"]:
        dtypes = call.output_dtypes
        lines.append("Output dtype: " + (dtypes[0] if len(dtypes) == 1 else ", ".join(dtypes)))
    if options["show_trainable"] and layer.weights:
        lines.append("Trainable" if layer.trainable else "Non-trainable")
    return "\n".join(lines)


def _shape_text(shape):
    from lamina.models.summary import format_shape
    return format_shape(shape)


def _quote(text):
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


# -- files -------------------------------------------------------------------------------------------
def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=False, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False):
    """Draws the model's data-flow graph into ``to_file``.

    The format follows the extension: ``.dot``/``.gv`` write the DOT text (no dependency);
    ``.png`` (also for no extension), ``.svg``, ``.pdf``, ... are rendered by Graphviz's ``dot``
    program, which must be installed (Debian/Ubuntu: ``apt-get install graphviz``).
    Arguments as in :func:`model_to_dot`.

    >>> import lamina, os, tempfile
    >>> model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(2)])
    >>> path = os.path.join(tempfile.mkdtemp(), "model.dot")
    >>> plot_model(model, to_file=path, show_shapes=True)
    >>> "Output shape: (None, 2)" in open(path).read()
    True
    """
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir,
                       expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations,
                       show_trainable=show_trainable)
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1][1:].lower() or "png"
    if extension in ("dot", "gv"):
        with open(to_file, "w") as f:
            f.write(dot)
        return
    program = shutil.which("dot")
    if program is None:
        raise ImportError(
            f"plot_model: cannot write '{to_file}': Graphviz's `dot` program was not found; "
            "install it (Debian/Ubuntu: `apt-get install graphviz`; macOS: `brew install graphviz`) or "
            "save as .dot (`to_file='model.dot'`).")
    result = subprocess.run([program, f"-T{extension}", "-o", to_file], input=dot.encode(),
                            capture_output=True)
    if result.returncode != 0:
        raise ValueError(f"plot_model: Graphviz could not write '{to_file}' as {extension!r}: "
                         f"{result.stderr.decode(errors='replace').strip()}")
