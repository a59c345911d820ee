"""``model.summary()``: one table for every model style, with real shapes and counts."""

from __future__ import annotations

import io

import numpy as np


def _format_shape(shape):
    if shape is None:
        return "?"
    if isinstance(shape, tuple) and all(d is None or isinstance(d, int) for d in shape):
        return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (",)" if len(shape) == 1 else ")")
    if isinstance(shape, dict):
        return "{" + ", ".join(f"{k}: {_format_shape(v)}" for k, v in shape.items()) + "}"
    return "[" + ", ".join(_format_shape(s) for s in shape) + "]"


def _format_bytes(n):
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.2f} {unit}"
        n /= 1024


def _count(variables):
    count = int(sum(np.prod(v.shape) for v in variables))
    size = int(sum(np.prod(v.shape) * np.dtype(v.dtype).itemsize for v in variables))
    return f"{count:,} ({_format_bytes(size)})"


def summary_rows(model, expand_nested=False, show_trainable=False):
    """``(name (type), output shape, params[, trainable])`` per layer, in call order."""
    order = getattr(model, "_call_order", None) or model.layers
    direct = {id(layer) for layer in model._flatten_layers(include_self=False)}
    rows = []

    def add(layer, depth):
        params = int(sum(np.prod(v.shape) for v in layer.weights))
        row = [("  " * depth) + f"{layer.name} ({type(layer).__name__})",
               _format_shape(getattr(layer, "_recorded_output_shape", None)), f"{params:,}"]
        if show_trainable:
            row.append("Y" if layer.trainable else "N")
        rows.append(row)
        if expand_nested and hasattr(layer, "_call_order"):
            for sub in layer._call_order:
                add(sub, depth + 1)

    seen = set()
    for layer in order:
        if id(layer) in direct and id(layer) not in seen and _is_direct(model, layer):
            seen.add(id(layer))
            add(layer, 0)
    return rows


def _is_direct(model, layer):
    """Nested models show as one row (unless expanded); their inner layers are not repeated."""
    for other in model.layers:
        if other is not layer and hasattr(other, "_call_order") and any(
                layer is inner for inner in other._flatten_layers(include_self=False)):
            return False
    return True


def summary_text(model, line_length=None, expand_nested=False, show_trainable=False):
    """The summary as a string (what :func:`print_summary` prints)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    table = Table(box=box.HEAVY_HEAD)
    table.add_column("Layer (type)")
    table.add_column("Output Shape")
    table.add_column("Param #", justify="right")
    if show_trainable:
        table.add_column("Trainable", justify="center")
    for row in summary_rows(model, expand_nested, show_trainable):
        table.add_row(*row)
    out = io.StringIO()
    console = Console(file=out, width=line_length or 98, force_terminal=False, color_system=None)
    console.print(f'Model: "{model.name}"')
    console.print(table)
    console.print(f" Total params: {_count(model.weights)}")
    console.print(f" Trainable params: {_count(model.trainable_weights)}")
    console.print(f" Non-trainable params: {_count(model.non_trainable_weights)}")
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and optimizer.built:
        console.print(f" Optimizer params: {_count(optimizer.variables)}")
    return out.getvalue()


def print_summary(model, line_length=None, print_fn=None, expand_nested=False,
                  show_trainable=False):
    text = summary_text(model, line_length, expand_nested, show_trainable)
    (print_fn or (lambda s: print(s, end="")))(text)
