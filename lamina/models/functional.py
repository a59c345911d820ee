"""Functional models: a graph of layer calls recorded on symbolic tensors, replayed on arrays."""

from __future__ import annotations

import jax

from lamina.core.errors import describe
from lamina.core.symbolic import SymbolicTensor
from lamina.layers.input_layer import InputLayer
from lamina.models.model import Model


def _flat(structure):
    return jax.tree_util.tree_leaves(structure, is_leaf=lambda x: isinstance(x, SymbolicTensor))


def _topological_nodes(inputs, outputs):
    """The nodes between ``inputs`` and ``outputs``, each after the nodes it reads from.

    Iterative depth-first search: linear in the size of the graph.
    """
    known = {id(t) for t in inputs}
    order, state = [], {}
    for output in outputs:
        stack = [(output.node, False)]
        while stack:
            node, expanded = stack.pop()
            if state.get(id(node)) == "done":
                continue
            if expanded:
                state[id(node)] = "done"
                order.append(node)
                continue
            if isinstance(node.layer, InputLayer):
                tensor = node.outputs[0]
                if id(tensor) not in known:
                    raise ValueError(
                        f"Graph disconnected: the output depends on input '{node.layer.name}', "
                        "which is not among the model's `inputs`.")
                state[id(node)] = "done"
                continue
            stack.append((node, True))
            for tensor in reversed(node.input_tensors):
                if id(tensor) not in known and state.get(id(tensor.node)) != "done":
                    stack.append((tensor.node, False))
    # Keras's order: deepest first (longest path to an output), ties in graph order.
    depth = {id(node): 0 for node in order}
    for node in reversed(order):
        for tensor in node.input_tensors:
            if id(tensor.node) in depth:
                depth[id(tensor.node)] = max(depth[id(tensor.node)], depth[id(node)] + 1)
    return sorted(order, key=lambda node: -depth[id(node)])


class Functional(Model):
    """A model defined by calling layers on ``lamina.Input`` tensors (``Model(inputs, outputs)``).

    Inputs and outputs may be one tensor, a list, or a dict. Layers can be shared (called more
    than once) and models can be used as layers.

    >>> import lamina
    >>> x = lamina.Input((8,), name="features")
    >>> h = lamina.layers.Dense(16, activation="relu")(x)
    >>> model = lamina.Model(x, lamina.layers.Dense(1)(h))
    >>> model.output_shape, model.count_params()
    ((None, 1), 161)
    """

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        for tensor in _flat(inputs) + _flat(outputs):
            if not isinstance(tensor, SymbolicTensor):
                raise TypeError(f"Model '{self.name}': `inputs` and `outputs` must be symbolic "
                                f"tensors (from `lamina.Input` and layer calls); received "
                                f"{type(tensor).__name__}.")
        self._inputs_struct, self._outputs_struct = inputs, outputs
        self.inputs, self.outputs = _flat(inputs), _flat(outputs)
        self._nodes = _topological_nodes(self.inputs, self.outputs)
        layers = [t.history[0] for t in self.inputs]
        for node in self._nodes:
            if all(node.layer is not layer for layer in layers):
                layers.append(node.layer)
        self._graph_layers = layers
        self._call_order = layers
        self._input_spec_tensors = inputs
        self._output_spec = outputs
        self.built = True

    @property
    def layers(self):
        """Every layer of the graph, input layers first (as in Keras)."""
        return list(self._graph_layers)

    @property
    def input_shape(self):
        return _one_or_all(self._inputs_struct, lambda t: t.shape)

    @property
    def output_shape(self):
        return _one_or_all(self._outputs_struct, lambda t: t.shape)

    @property
    def output_names(self):
        """One name per output: the dict keys, or the names of the layers producing them."""
        if isinstance(self._outputs_struct, dict):
            return list(self._outputs_struct)
        return [t.history[0].name for t in self.outputs]

    @property
    def input_names(self):
        if isinstance(self._inputs_struct, dict):
            return list(self._inputs_struct)
        return [t.history[0].name for t in self.inputs]

    def _flatten_inputs(self, inputs):
        names = self.input_names
        if isinstance(inputs, dict):
            missing = [n for n in names if n not in inputs]
            if missing:
                raise ValueError(f"Model '{self.name}': missing inputs {missing}; expected a dict "
                                 f"with keys {names}, received keys {sorted(inputs)}.")
            return [inputs[n] for n in names]
        if isinstance(inputs, (list, tuple)) and (len(names) > 1 or len(inputs) == 1):
            flat = list(inputs)
        else:
            flat = [inputs]
        if len(flat) != len(names):
            raise ValueError(f"Model '{self.name}' expects {len(names)} inputs {names}, "
                             f"received {len(flat)}.")
        return flat

    def get_config(self):
        """The graph in Keras's format: layers with the calls that connect them, inputs, outputs."""
        from lamina.models import serialization
        return serialization.functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A new model (fresh weights) with the graph of :meth:`get_config` output."""
        from lamina.models import serialization
        return serialization.functional_from_config(cls, config, custom_objects)

    def call(self, inputs, training=None, mask=None):
        """Replays the recorded layer calls on ``inputs``."""
        values, masks = {}, {}
        for tensor, value in zip(self.inputs, self._flatten_inputs(inputs)):
            values[id(tensor)] = value
        if mask is not None:
            for tensor, m in zip(self.inputs, self._flatten_inputs(mask)):
                masks[id(tensor)] = m

        def value_of(x):
            return values[id(x)] if isinstance(x, SymbolicTensor) else x

        def mask_of(x):  # the masks of a call's first argument, shaped like it (as in Keras)
            if isinstance(x, (list, tuple)):
                found = [mask_of(t) for t in x]
                return found if any(m is not None for m in found) else None
            return masks.get(id(x)) if isinstance(x, SymbolicTensor) else None

        for node in self._nodes:
            args, kwargs = jax.tree_util.tree_map(
                value_of, (node.args, node.kwargs), is_leaf=lambda x: isinstance(x, SymbolicTensor))
            if training is not None and "training" in kwargs:  # the model's call decides
                kwargs = {**kwargs, "training": training}
            in_mask = mask_of(node.args[0]) if node.args else None
            if in_mask is not None and node.layer._call_accepts_mask and "mask" not in kwargs:
                kwargs = {**kwargs, "mask": in_mask}
            try:
                outputs = node.layer(*args, **kwargs)
            except ValueError as error:
                if describe(node.layer) in str(error):
                    raise
                raise ValueError(f"{describe(node.layer)} in model '{self.name}': {error}") from error
            flat_out = jax.tree_util.tree_leaves(outputs)
            out_mask = node.layer.compute_mask(args[0] if args else None, in_mask)
            if not (isinstance(out_mask, (list, tuple)) and len(out_mask) == len(flat_out)):
                out_mask = [out_mask] * len(flat_out)  # one mask for every output
            for tensor, value, m in zip(node.outputs, flat_out, out_mask):
                values[id(tensor)] = value
                if m is not None:
                    masks[id(tensor)] = m
        return _one_or_all(self._outputs_struct, lambda t: values[id(t)])


def _one_or_all(structure, fn):
    """``fn`` over the symbolic tensors of ``structure``; a list (or tuple) of one stands for
    that one, as in Keras (``Model(x, [y])`` returns ``y``, not ``[y]``)."""
    if isinstance(structure, (list, tuple)) and len(structure) == 1:
        structure = structure[0]
    return jax.tree_util.tree_map(fn, structure, is_leaf=lambda x: isinstance(x, SymbolicTensor))
