"""``model.summary()``: one table for every model style, with real shapes and counts.

Rows come from the model's data flow (``lamina.utils.plot.model_graph``): a functional model's
nodes, a Sequential's chain, a subclassed model's traced ``call``. When that flow is not a plain
chain (branches, merges, shared layers) a "Connected to" column shows each layer's inputs, for
subclassed models too.
"""

from __future__ import annotations

import io
import re

import numpy as np

from lamina.core import naming


def format_shape(shape):
    """``(None, 64)`` for a shape; lists and dicts of shapes for several outputs; ``?`` unknown.

    >>> format_shape((None, 64)), format_shape([(None, 2), (None,)]), format_shape(None)
    ('(None, 64)', '[(None, 2), (None,)]', '?')
    """
    if shape is None:
        return "?"
    if isinstance(shape, tuple) and all(d is None or isinstance(d, int) for d in shape):
        dims = ", ".join("None" if d is None else str(d) for d in shape)
        return f"({dims},)" if len(shape) == 1 else f"({dims})"
    if isinstance(shape, dict):
        return "{" + ", ".join(f"{k}: {format_shape(v)}" for k, v in shape.items()) + "}"
    return "[" + ", ".join(format_shape(s) for s in shape) + "]"


def _format_bytes(n):
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.2f} {unit}"
        n /= 1024


def _count(variables):
    count = int(sum(np.prod(v.shape) for v in variables))
    size = int(sum(np.prod(v.shape) * np.dtype(v.dtype).itemsize for v in variables))
    return count, size


# -- rows --------------------------------------------------------------------------------------------
def _graph(model):
    from lamina.utils.plot import model_graph
    try:
        return model_graph(model)
    except ValueError:  # not built yet: layers without shapes
        return None


def _entries(model, graph):
    """``(layer, its calls in the graph, input or None)`` per row, in Keras's order: a functional
    model's layers (inputs first), else the order of first call, then layers never called."""
    from lamina.layers.input_layer import InputLayer
    from lamina.models.functional import Functional

    calls = {}
    for call in graph.calls if graph is not None else ():
        calls.setdefault(id(call.layer), []).append(call)
    inputs = {id(i.layer): i for i in graph.inputs if i.layer is not None} if graph else {}
    if isinstance(model, Functional):
        layers = model.layers
    else:
        layers = list({id(c.layer): c.layer for c in graph.calls}.values()) if graph else []
        called = {id(layer) for layer in layers}
        layers += [layer for layer in model.layers
                   if id(layer) not in called and not isinstance(layer, InputLayer)]
    return [(layer, calls.get(id(layer), []), inputs.get(id(layer))) for layer in layers]


def _is_chain(graph):
    """True when every layer is called once on the previous layer's single output (Keras's
    "sequential-like"): then the table needs no "Connected to" column."""
    if graph is None or len(graph.inputs) > 1:
        return True
    previous, seen = None, set()
    for call in graph.calls:
        if (id(call.layer) in seen or len(call.sources) != 1 or len(call.sources[0]) != 1
                or call.sources[0][0] != (previous, 0)):
            return False
        seen.add(id(call.layer))
        previous = call
    return True


def _connections(graph, calls):
    names = []
    for call in calls:
        for sources in call.sources:
            for producer, index in sources:
                if producer is not None:
                    names.append(f"{producer.layer.name}[{producer.node_index}][{index}]")
                else:
                    given = graph.inputs[index]
                    names.append(f"{given.name}[0][0]" if given.layer is not None else given.name)
    return ", ".join(names) or "-"


def _layer_row(layer, calls, given, graph, connected, show_trainable, prefix):
    if given is not None:
        shape = format_shape(given.shape)
    else:
        shape = format_shape(calls[-1].output_shape) if calls else "?"
    weights = layer.weights
    params = f"{_count(weights)[0]:,}" if layer.built or weights else "0 (unbuilt)"
    row = [f"{prefix}{layer.name} ({naming.keras_class_name(layer)})", shape, params]
    if connected:
        row.append(_connections(graph, calls))
    if show_trainable:
        row.append(("Y" if layer.trainable else "N") if weights else "-")
    return row


def _model_rows(model, graph, connected, expand_nested, show_trainable, depth, layer_range=None):
    from lamina.models.model import Model

    entries = _entries(model, graph)
    if layer_range is not None:
        start, stop = layer_index_range([layer for layer, _, _ in entries], layer_range)
        entries = entries[start:stop]
    rows = []
    prefix = "   " * depth + "└ " if depth else ""
    for layer, calls, given in entries:
        rows.append(_layer_row(layer, calls, given, graph, connected, show_trainable, prefix))
        if expand_nested and isinstance(layer, Model):
            inner = _graph(layer)
            rows += _model_rows(layer, inner, connected, expand_nested, show_trainable, depth + 1)
    return rows


def layer_index_range(layers, layer_range):
    """``[start, stop)`` of the rows from the first layer whose name matches the regex
    ``layer_range[0]`` to the last one matching ``layer_range[1]`` (as in Keras)."""
    if len(layer_range) != 2 or not all(isinstance(p, str) for p in layer_range):
        raise ValueError("summary: `layer_range` must be two layer names (or regexes), the first "
                         f"and the last layer to show; received {layer_range!r}.")
    first = [i for i, layer in enumerate(layers) if re.match(layer_range[0], layer.name)]
    last = [i for i, layer in enumerate(layers) if re.match(layer_range[1], layer.name)]
    if not first or not last:
        raise ValueError(f"summary: `layer_range` {layer_range!r} matches no layer name; the "
                         f"layers are {[layer.name for layer in layers]}.")
    if min(first) > max(last):
        return min(last), max(first) + 1
    return min(first), max(last) + 1


def summary_rows(model, expand_nested=False, show_trainable=False, layer_range=None):
    """The table cells, one list per row, and whether they hold a "Connected to" column.

    >>> import lamina
    >>> model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(2, name="out")])
    >>> summary_rows(model)
    ([['out (Dense)', '(None, 2)', '8']], False)
    """
    graph = _graph(model)
    connected = not _is_chain(graph)
    rows = _model_rows(model, graph, connected, expand_nested, show_trainable, 0, layer_range)
    return rows, connected


# -- text --------------------------------------------------------------------------------------------
def _widths(line_length, positions, columns):
    """Column widths that put the column borders at ``positions`` (fractions of the line, or
    characters), as Keras's ``positions`` argument."""
    if positions is None:
        return [None] * columns
    if len(positions) != columns:
        raise ValueError(f"summary: `positions` needs {columns} column ends, received "
                         f"{positions!r}.")
    ends = [min(int(p * line_length) if p <= 1 else int(p), line_length - 1) for p in positions]
    ends[-1] = line_length - 1
    # the column between borders at `start` and `end` holds end - start - 3 characters (padding)
    return [max(1, end - start - 3) for start, end in zip([0] + ends[:-1], ends)]


def summary_text(model, line_length=None, positions=None, expand_nested=False,
                 show_trainable=False, layer_range=None):
    """The summary as a string (what :func:`print_summary` prints)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    rows, connected = summary_rows(model, expand_nested, show_trainable, layer_range)
    header = ["Layer (type)", "Output Shape", "Param #"] + ["Connected to"] * connected
    header += ["Trainable"] * show_trainable
    width = line_length or (108 if connected else 88) + 12 * show_trainable
    table = Table(box=box.HEAVY_HEAD, width=line_length)
    for name, column_width in zip(header, _widths(width, positions, len(header))):
        justify = {"Param #": "right", "Trainable": "center"}.get(name, "left")
        table.add_column(name, justify=justify, width=column_width)
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))

    trainable = _count(model.trainable_weights)
    frozen = _count(model.non_trainable_weights)
    optimizer = getattr(model, "optimizer", None)
    slots = _count(optimizer.variables) if getattr(optimizer, "built", False) else None
    total = [a + b + (slots[i] if slots else 0) for i, (a, b) in enumerate(zip(trainable, frozen))]
    lines = [("Total params", total), ("Trainable params", trainable),
             ("Non-trainable params", frozen)] + [("Optimizer params", slots)] * bool(slots)

    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=False, color_system=None,
                      markup=False, highlight=False)
    console.print(f'Model: "{model.name}"')
    console.print(table)
    for label, (count, size) in lines:
        console.print(f" {label}: {count:,} ({_format_bytes(size)})")
    return out.getvalue()


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False, layer_range=None):
    """Prints :func:`summary_text`; ``print_fn`` (if given) receives the whole text at once."""
    text = summary_text(model, line_length, positions, expand_nested, show_trainable, layer_range)
    (print_fn or (lambda s: print(s, end="")))(text)
