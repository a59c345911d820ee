"""Symbolic tensors: shapes with a ``None`` batch dimension, inferred by ``jax.eval_shape``.

Calling a layer on :class:`SymbolicTensor` inputs runs the layer's ordinary ``call`` under
``jax.eval_shape`` with a symbolic batch size, so every layer (and every model style, subclassed
included) gets its output shapes from its real code, never from a hand-written rule.
While that trace runs, a recorder notes each sub-layer call and its output shape; ``summary()``
reads them.
"""

from __future__ import annotations

import threading

import jax
import jax.numpy as jnp
from jax import export

_local = threading.local()


class Node:
    """One call of a layer on symbolic tensors: the edges of a functional graph.

    ``args``/``kwargs`` are the call's arguments (symbolic tensors in them are the inputs);
    ``outputs`` the flat list of symbolic outputs.
    """

    def __init__(self, layer, args, kwargs, outputs):
        self.layer, self.args, self.kwargs, self.outputs = layer, args, kwargs, outputs

    @property
    def input_tensors(self):
        return [t for t in jax.tree_util.tree_leaves(
            (self.args, self.kwargs), is_leaf=lambda x: isinstance(x, SymbolicTensor))
            if isinstance(t, SymbolicTensor)]


class SymbolicTensor:
    """A placeholder with a shape (``None`` where unknown, e.g. the batch) and a dtype.

    ``history`` is ``(layer, node_index, tensor_index)`` of the call that produced it; the node
    is ``layer._inbound_nodes[node_index]``.
    """

    def __init__(self, shape, dtype="float32", name=None, history=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = jnp.dtype(dtype)
        self.name = name
        self.history = history

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def node(self):
        layer, node_index, _ = self.history
        return layer._inbound_nodes[node_index]

    def __repr__(self):
        name = f" name={self.name}" if self.name else ""
        return f"<SymbolicTensor shape={self.shape} dtype={self.dtype.name}{name}>"


def is_symbolic(tree) -> bool:
    return any(isinstance(leaf, SymbolicTensor) for leaf in jax.tree_util.tree_leaves(
        tree, is_leaf=lambda x: isinstance(x, SymbolicTensor)))


def to_struct(tensors, placeholder=None):
    """ShapeDtypeStructs for symbolic tensors; unknown dims become symbols (or ``placeholder``)."""
    leaves, treedef = jax.tree_util.tree_flatten(
        tensors, is_leaf=lambda x: isinstance(x, SymbolicTensor))
    unknown = sum(d is None for t in leaves if isinstance(t, SymbolicTensor) for d in t.shape)
    if placeholder is None and unknown:
        names = ["batch"] + [f"d{i}" for i in range(unknown)]
        symbols = iter(export.symbolic_shape(", ".join(names)))
        batch = next(symbols)
    structs = []
    for leaf in leaves:
        if not isinstance(leaf, SymbolicTensor):
            structs.append(leaf)
            continue
        dims = []
        for axis, d in enumerate(leaf.shape):
            if d is not None:
                dims.append(d)
            elif placeholder is not None:
                dims.append(placeholder)
            else:
                dims.append(batch if axis == 0 else next(symbols))
        structs.append(jax.ShapeDtypeStruct(tuple(dims), leaf.dtype))
    return jax.tree_util.tree_unflatten(treedef, structs)


def known_shape(shape, placeholder=None):
    """A shape tuple with every symbolic (or placeholder) dimension replaced by ``None``."""
    return tuple(d if isinstance(d, int) and d != placeholder else None for d in shape)


def output_specs(fn, inputs):
    """``fn(inputs)``'s outputs as SymbolicTensors, by abstract evaluation of the real code."""
    try:
        out = jax.eval_shape(fn, to_struct(inputs))
        placeholder = None
    except Exception as error:  # some ops refuse symbolic sizes: retry with a concrete stand-in
        if not _is_shape_poly_error(error):
            raise
        placeholder = 7919
        out = jax.eval_shape(fn, to_struct(inputs, placeholder))
    return jax.tree_util.tree_map(
        lambda s: SymbolicTensor(known_shape(s.shape, placeholder), s.dtype), out)


def _is_shape_poly_error(error):
    text = f"{type(error).__name__} {error}"
    return any(w in text for w in ("InconclusiveDimensionOperation", "symbolic", "shape polymorphism",
                                   "_DimExpr", "DimExpr"))


# -- recording sub-layer calls while a model is traced ----------------------------------------------
class Recorder:
    """Collects ``(layer, output_shapes)`` for every layer call during a symbolic trace."""

    def __init__(self):
        self.calls = []

    def __enter__(self):
        self.previous = getattr(_local, "recorder", None)
        _local.recorder = self
        return self

    def __exit__(self, *exc):
        _local.recorder = self.previous
        return False


def record(layer, outputs):
    """Called by every layer call; notes the output shape when a recorder is active."""
    recorder = getattr(_local, "recorder", None)
    if recorder is None:
        return
    shapes = jax.tree_util.tree_map(lambda x: known_shape(x.shape), outputs)
    layer._recorded_output_shape = shapes
    recorder.calls.append(layer)
