"""Symbolic tensors: shapes with a ``None`` batch dimension, inferred by ``jax.eval_shape``.

Calling a layer on :class:`SymbolicTensor` inputs runs the layer's ordinary ``call`` under
``jax.eval_shape`` with a symbolic batch size, so every layer (and every model style, subclassed
included) gets its output shapes from its real code, never from a hand-written rule.
While that trace runs, a recorder notes each sub-layer call and its output shape; ``summary()``
reads them.
"""

from __future__ import annotations

import inspect
import threading

import jax
import jax.numpy as jnp
from jax import export

from lamina.core import call_context

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


def _operator(name, reflected=False):
    """A SymbolicTensor method calling ``lamina.ops.<name>`` (recorded as a graph node)."""
    def method(self, *other):
        from lamina import ops
        args = (other[0], self) if reflected else (self, *other)
        return getattr(ops, name)(*args)

    method.__name__ = name
    return method


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

    # Arithmetic records ops, as on Keras's KerasTensor: `x * 2` is `lamina.ops.multiply(x, 2)`.
    __add__, __radd__ = _operator("add"), _operator("add", reflected=True)
    __sub__, __rsub__ = _operator("subtract"), _operator("subtract", reflected=True)
    __mul__, __rmul__ = _operator("multiply"), _operator("multiply", reflected=True)
    __truediv__, __rtruediv__ = _operator("divide"), _operator("divide", reflected=True)
    __floordiv__, __rfloordiv__ = (_operator("floor_divide"),
                                   _operator("floor_divide", reflected=True))
    __mod__, __rmod__ = _operator("mod"), _operator("mod", reflected=True)
    __pow__, __rpow__ = _operator("power"), _operator("power", reflected=True)
    __matmul__, __rmatmul__ = _operator("matmul"), _operator("matmul", reflected=True)
    __lt__, __le__ = _operator("less"), _operator("less_equal")
    __gt__, __ge__ = _operator("greater"), _operator("greater_equal")
    __and__, __or__, __xor__ = (_operator("logical_and"), _operator("logical_or"),
                                _operator("logical_xor"))
    __neg__, __abs__, __invert__ = (_operator("negative"), _operator("absolute"),
                                    _operator("logical_not"))
    __getitem__ = _operator("get_item")

    def __iter__(self):  # indexing exists, but iterating a symbolic batch has no end
        raise TypeError(f"Iterating over a symbolic tensor is not supported ({self!r}); index "
                        "it (x[:, 0]) or use `lamina.ops.unstack` with a known axis size.")


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
    """``fn(inputs)``'s outputs as SymbolicTensors, by abstract evaluation of the real code.

    Variable writes made while tracing shapes (a random draw advancing a seed) are discarded.
    """
    from lamina.core.state import StateScope

    with StateScope(), call_context.shape_trace():
        return _output_specs(fn, inputs)


def _output_specs(fn, inputs):
    try:
        out = jax.eval_shape(fn, to_struct(inputs))
        placeholder = None
    except Exception as error:  # some ops refuse symbolic sizes: retry with a concrete stand-in
        if not _is_shape_poly_error(error):
            raise
        placeholder, outer = 7919, getattr(_local, "placeholder", None)
        _local.placeholder = placeholder  # recorded shapes show it as None
        try:
            out = jax.eval_shape(fn, to_struct(inputs, placeholder))
            # A second stand-in tells derived sizes (7919 // 2) from real ones: those differ.
            other = jax.eval_shape(fn, to_struct(inputs, 7907))
        finally:
            _local.placeholder = outer
        return jax.tree_util.tree_map(
            lambda s, t: SymbolicTensor(tuple(a if a == b else None for a, b in
                                              zip(known_shape(s.shape, placeholder), t.shape)),
                                        s.dtype), out, other)
    return jax.tree_util.tree_map(
        lambda s: SymbolicTensor(known_shape(s.shape, placeholder), s.dtype), out)


def _is_shape_poly_error(error):
    text = f"{type(error).__name__} {error}"
    return any(w in text for w in ("InconclusiveDimensionOperation", "symbolic", "shape polymorphism",
                                   "_DimExpr", "DimExpr"))


# -- recording sub-layer calls while a model is traced ----------------------------------------------
class GraphInput:
    """One input of a model's graph: a name, a shape (``None`` batch) and a dtype name.

    ``layer`` is the ``InputLayer`` behind it (functional and Sequential models), else ``None``.
    """

    def __init__(self, name, shape, dtype, layer=None):
        self.name, self.shape, self.dtype, self.layer = name, shape, dtype, layer


class Call:
    """One call of ``layer`` in a model's data flow.

    ``sources[i]`` says where input tensor ``i`` came from: ``(producer, index)`` pairs, with
    ``producer`` an earlier :class:`Call` (``index``: which of its flat outputs) or ``None``
    (the model's input number ``index``). An input computed by plain jax ops from several layer
    outputs (``self.head(a + b)``) has several sources. ``node_index`` counts the calls of the
    same layer (the ``[0]`` of Keras's ``dense[0][0]``).
    """

    def __init__(self, layer, sources, input_shapes, outputs, node_index=0):
        is_leaf = lambda x: isinstance(x, SymbolicTensor)  # noqa: E731
        flat = jax.tree_util.tree_leaves(outputs, is_leaf=is_leaf)
        self.layer, self.sources, self.input_shapes = layer, sources, input_shapes
        self.output_shape = jax.tree_util.tree_map(_shape_of, outputs, is_leaf=is_leaf)
        self.output_shapes = [_shape_of(x) for x in flat]
        self.output_dtypes = [jnp.dtype(x.dtype).name if hasattr(x, "dtype") else type(x).__name__
                              for x in flat]
        self.node_index = node_index


class Graph:
    """A model's data flow: its inputs, its layer calls in running order (each after the calls
    it reads from), and the sources of each flat output (as in :attr:`Call.sources`)."""

    def __init__(self, inputs, calls, outputs):
        self.inputs, self.calls, self.outputs = inputs, calls, outputs


class Recorder:
    """Notes every layer call made while active: ``calls`` lists the layers in call order, and
    when ``owner``'s own call ends, ``graph`` holds its data flow (a :class:`Graph` of the calls
    made directly by ``owner.call``, calls inside those calls folded into them).

    Edges are found by identity: every call's output tracers are remembered, and each input is
    followed back through plain jax ops (a tracer's ``parent`` equation) to the nearest
    remembered output or to an input of the trace. A layer that returns its input unchanged
    (``Dropout`` at inference) becomes that tensor's latest producer.
    """

    def __init__(self, owner=None):
        self.calls, self.owner, self.graph = [], owner, None
        self._open = []    # calls not (yet) known to have run inside another call
        self._writes = {}  # id(tracer) -> [(Call, output index, created)]: the calls returning it
        self._alive = []   # those tracers, so that their ids stay unique while recording

    def __enter__(self):
        self.previous = getattr(_local, "recorder", None)
        _local.recorder = self
        return self

    def __exit__(self, *exc):
        _local.recorder = self.previous
        self._open, self._writes, self._alive = [], {}, []
        return False

    def note(self, layer, inputs, outputs):
        """Records one finished call of ``layer`` on ``inputs`` (``(args, kwargs)``)."""
        args, kwargs = inputs
        data = {k: v for k, v in kwargs.items() if k not in ("mask", "training")}
        leaves = [x for x in jax.tree_util.tree_leaves((args, data)) if _is_tracer(x)]
        out = [x for x in jax.tree_util.tree_leaves(outputs) if _is_tracer(x)]
        call = Call(layer, [], [_shape_of(x) for x in leaves], outputs)
        call.trace = out[0]._trace if out and hasattr(out[0], "_trace") else None
        children = self._claim(call, leaves) if layer._layers else []
        call.inside = set().union(*[c.inside | {id(c)} for c in children])
        call.sources = [self._sources(x, lambda w: id(w[0]) not in call.inside) for x in leaves]
        if layer is self.owner:
            self.graph = self._graph(call, children, args, leaves, out)
        given = {id(x) for x in leaves}
        for i, x in enumerate(out):
            self._writes.setdefault(id(x), []).append((call, i, id(x) not in given))
            self._alive.append(x)
        self._open.append(call)

    def _sources(self, tracer, accept):
        """The latest accepted calls (or trace inputs) that ``tracer`` was computed from."""
        found, stack, seen = [], [tracer], set()
        while stack:
            t = stack.pop()
            if id(t) in seen:
                continue
            seen.add(id(t))
            writes = [w for w in self._writes.get(id(t), ()) if accept(w)]
            parent = getattr(t, "parent", None)
            if writes or parent is None:
                found.append(writes[-1][:2] if writes else (t, 0))
                continue
            stack.extend(reversed([x for x in getattr(parent, "in_tracers", ()) if _is_tracer(x)]))
        return found

    def _claim(self, call, leaves):
        """The open calls that ran inside ``call``: the latest ones, of ``call``'s own sub-layers,
        made after the calls that created its inputs."""
        inside = {id(sub) for sub in call.layer._flatten_layers(include_self=False)}
        feeding = {id(p) for x in leaves for p, _ in self._sources(x, lambda w: w[2])}
        children = []
        while self._open and id(self._open[-1].layer) in inside:
            if id(self._open[-1]) in feeding:
                break
            children.append(self._open.pop())
        return children[::-1]

    def _graph(self, call, children, args, leaves, out):
        # A failed first try of the trace (see `output_specs`) left calls of another trace.
        children = [c for c in children if c.trace is call.trace]
        kept = {id(c) for c in children}
        roots = {id(_root(x)): k for k, x in enumerate(leaves)}
        counts = {}

        def resolve(sources):
            resolved = []
            for producer, index in sources:
                if isinstance(producer, Call):
                    pair = (producer, index) if id(producer) in kept else None
                else:
                    pair = (None, roots[id(producer)]) if id(producer) in roots else None
                if pair is not None and pair not in resolved:
                    resolved.append(pair)
            return resolved

        for c in children:
            c.sources = [resolve(s) for s in c.sources]
            c.node_index = counts[id(c.layer)] = counts.get(id(c.layer), -1) + 1
            c.trace = c.inside = None
        outputs = [resolve(self._sources(x, lambda w: True)) for x in out]
        inputs = [GraphInput(name, _shape_of(_root(x)), jnp.dtype(_root(x).dtype).name)
                  for name, x in zip(_input_names(self.owner, args), leaves)]
        return Graph(inputs, children, outputs)


def _shape_of(x):
    return known_shape(getattr(x, "shape", ()), getattr(_local, "placeholder", None))


def _is_tracer(x):
    return isinstance(x, jax.core.Tracer)


def _root(tracer):
    """The trace input a model input was derived from (through a dtype cast, say)."""
    while getattr(tracer, "parent", None) is not None and tracer.parent.in_tracers:
        tracer = tracer.parent.in_tracers[0]
    return tracer


def _input_names(model, args):
    """Names for a traced model's inputs: ``call``'s argument name, plus the path inside it."""
    params = [p for p in inspect.signature(type(model).call).parameters if p != "self"]
    base = params[0] if params else "inputs"
    paths = jax.tree_util.tree_flatten_with_path(args[0] if args else ())[0]
    if len(paths) == 1 and not paths[0][0]:
        return [base]
    return [base + jax.tree_util.keystr(path) for path, _ in paths]


def record(layer, outputs, inputs):
    """Called by every layer call; while a :class:`Recorder` is active it notes the call.

    ``inputs`` are the call's ``(args, kwargs)``. No recorder: nothing to do.
    """
    recorder = getattr(_local, "recorder", None)
    if recorder is None:
        return
    layer._recorded_output_shape = jax.tree_util.tree_map(_shape_of, outputs)
    recorder.calls.append(layer)
    recorder.note(layer, inputs, outputs)
