"""``clone_model``: the same architecture with fresh weights, for all three model styles.

Sequential and Functional models are rebuilt layer by layer (each layer cloned from its config,
a shared layer cloned once, so sharing is kept); a subclassed model is rebuilt from its captured
constructor arguments and built for the inputs the original was built for.

>>> import lamina
>>> model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(2)])
>>> clone = clone_model(model)
>>> clone.count_params() == model.count_params(), clone.layers[0] is model.layers[0]
(True, False)
"""

from __future__ import annotations

import jax

from lamina.core.symbolic import SymbolicTensor
from lamina.layers.input_layer import Input, InputLayer
from lamina.models import serialization
from lamina.models.functional import Functional
from lamina.models.sequential import Sequential


def _default_clone(layer):
    return type(layer).from_config(layer.get_config())


def clone_model(model, input_tensors=None, clone_function=None, recursive=False):
    """A new model with ``model``'s architecture and freshly initialized weights.

    Args:
        model: a Sequential, Functional or subclassed model.
        input_tensors: symbolic tensors (``lamina.Input``) to build a Sequential or Functional
            clone on, in the structure of the model's inputs; new ``Input`` s by default.
        clone_function: ``fn(layer) -> layer`` used for every layer except inputs; the default
            is ``type(layer).from_config(layer.get_config())``. Return the layer itself to share
            it with the original.
        recursive: clone nested Sequential/Functional models with ``clone_model`` (and the same
            ``clone_function``) instead of ``clone_function``.
    """
    if isinstance(model, (Sequential, Functional)):
        clone_layer = _cached(clone_function or _default_clone, recursive)
        if isinstance(model, Sequential):
            return _clone_sequential(model, clone_layer, input_tensors)
        if serialization.is_functional_class(type(model)):
            return _clone_functional(model, clone_layer, input_tensors)
    if clone_function is not None or input_tensors is not None:
        raise ValueError(
            "Arguments `clone_function` and `input_tensors` are only supported for Sequential "
            f"and Functional models; received a model of type '{type(model).__name__}'. A "
            "subclassed model is cloned from its constructor arguments: call "
            "`clone_model(model)` without them.")
    clone = type(model).from_config(model.get_config())
    spec = getattr(model, "_input_spec_tensors", None)
    if model.built and spec is not None:
        serialization.build_from_spec(clone, spec)
    return clone


def _cached(clone_function, recursive):
    """``clone_function`` applied once per layer (shared layers stay shared in the clone)."""
    cache = {}

    def clone_layer(layer):
        if id(layer) not in cache:
            if recursive and isinstance(layer, (Sequential, Functional)):
                cache[id(layer)] = clone_model(layer, clone_function=clone_function,
                                               recursive=True)
            else:
                cache[id(layer)] = clone_function(layer)
        return cache[id(layer)]

    return clone_layer


def _symbolic(tensors, what):
    leaves = jax.tree_util.tree_leaves(tensors, is_leaf=lambda x: isinstance(x, SymbolicTensor))
    if not leaves or not all(isinstance(t, SymbolicTensor) for t in leaves):
        raise ValueError(f"`input_tensors` must be symbolic tensors (from `lamina.Input`) for "
                         f"{what}; received {tensors!r}.")
    return leaves


def _clone_sequential(model, clone_layer, input_tensors):
    layers = [clone_layer(layer) for layer in model.layers]
    first = model._stack[0] if model._stack and isinstance(model._stack[0], InputLayer) else None
    if input_tensors is not None:
        tensors = _symbolic(input_tensors, f"Sequential '{model.name}'")
        if len(tensors) != 1:
            raise ValueError(f"`input_tensors` must hold a single tensor for Sequential "
                             f"'{model.name}'; received {len(tensors)}.")
        layers.insert(0, InputLayer(batch_shape=tensors[0].shape, dtype=tensors[0].dtype.name,
                                    name=first.name if first else None))
    elif first is not None:
        layers.insert(0, InputLayer(batch_shape=first.batch_shape, dtype=first.dtype,
                                    name=first.name))
    clone = Sequential(layers, name=model.name, trainable=model.trainable)
    spec = getattr(model, "_input_spec_tensors", None)
    if not clone.built and model.built and spec is not None:
        serialization.build_from_spec(clone, spec)
    return clone


def _clone_functional(model, clone_layer, input_tensors):
    if input_tensors is None:
        inputs = jax.tree_util.tree_map(
            lambda t: Input(batch_shape=t.shape, dtype=t.dtype.name, name=t.history[0].name),
            model._inputs_struct, is_leaf=lambda x: isinstance(x, SymbolicTensor))
        new = jax.tree_util.tree_leaves(inputs, is_leaf=lambda x: isinstance(x, SymbolicTensor))
    else:
        inputs, new = input_tensors, _symbolic(input_tensors, f"model '{model.name}'")
        if len(new) != len(model.inputs):
            raise ValueError(f"`input_tensors` must hold {len(model.inputs)} tensors, one per "
                             f"input of model '{model.name}'; received {len(new)}.")
    values = {id(old): tensor for old, tensor in zip(model.inputs, new)}

    def value_of(x):
        return values[id(x)] if isinstance(x, SymbolicTensor) else x

    for node in model._nodes:
        args, kwargs = jax.tree_util.tree_map(value_of, (node.args, node.kwargs),
                                              is_leaf=lambda x: isinstance(x, SymbolicTensor))
        outputs = clone_layer(node.layer)(*args, **kwargs)
        flat = jax.tree_util.tree_leaves(outputs, is_leaf=lambda x: isinstance(x, SymbolicTensor))
        for old, tensor in zip(node.outputs, flat):
            values[id(old)] = tensor
    outputs = jax.tree_util.tree_map(lambda t: values[id(t)], model._outputs_struct,
                                     is_leaf=lambda x: isinstance(x, SymbolicTensor))
    return type(model)(inputs, outputs, name=model.name, trainable=model.trainable)
