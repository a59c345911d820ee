"""How a JAX function becomes a Keras op: Variables in, arrays out, Keras's argument names.

Every public op in :mod:`lamina.ops` goes through :func:`op`, so any argument may be a
:class:`~lamina.core.variable.Variable` (alone or inside lists, tuples and dicts): it is replaced by
its current value, which inside a compiled step is the value bound by the step's ``StateScope``.
Ops whose Keras signature matches a JAX function are built by :func:`alias` from a one-line
parameter list instead of being written out.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import jax.scipy.linalg
import jax.scipy.special

from lamina.core.symbolic import SymbolicTensor
from lamina.core.variable import Variable

FLOATX = "float32"  # keras.config.floatx()
EPSILON = 1e-7  # keras.config.epsilon()

# Set by the functional-model code to turn ``op(symbolic_tensor, ...)`` into a graph node:
# ``symbolic_handler(op, args, kwargs) -> outputs``.
symbolic_handler = None

_CHECKED = (Variable, SymbolicTensor, list, tuple, dict)  # what may hold a Variable


def _special(x):
    return isinstance(x, (Variable, SymbolicTensor))


def unwrap_tree(tree):
    """``tree`` with every Variable replaced by its current value.

    >>> unwrap_tree([Variable(jnp.ones(2)), 3])[0].tolist()
    [1.0, 1.0]
    """
    return jax.tree_util.tree_map(lambda x: x.value if isinstance(x, Variable) else x, tree,
                                  is_leaf=_special)


def op(fn):
    """Makes ``fn`` a Keras op: Variables among its arguments are read before the call.

    >>> double = op(lambda x: x * 2)
    >>> double(Variable(jnp.ones(2))).tolist()
    [2.0, 2.0]
    """

    @functools.wraps(fn)
    def call(*args, **kwargs):
        if any(isinstance(a, _CHECKED) for a in args) or any(
                isinstance(a, _CHECKED) for a in kwargs.values()):
            leaves, tree = jax.tree_util.tree_flatten((args, kwargs), is_leaf=_special)
            if any(isinstance(leaf, SymbolicTensor) for leaf in leaves):
                return _symbolic_call(call, args, kwargs)
            args, kwargs = tree.unflatten(
                [leaf.value if isinstance(leaf, Variable) else leaf for leaf in leaves])
        return fn(*args, **kwargs)

    return call


def _symbolic_call(fn, args, kwargs):
    if symbolic_handler is None:
        raise TypeError(
            f"ops.{fn.__name__} received a symbolic tensor, but nothing records ops in "
            "functional models yet: build the model from `lamina.Input` (importing it installs "
            "the recorder), or call the op inside a layer's `call`.")
    return symbolic_handler(fn, args, kwargs)


def alias(name, target, params, module=None):
    """The Keras op ``name`` computed by ``target``, with Keras's parameter names.

    ``params`` lists Keras's parameters in order: those before ``|`` are passed to ``target``
    positionally, those after it by keyword under the same name (``target``'s defaults apply).

    >>> mean = alias("mean", jnp.mean, "x | axis keepdims")
    >>> mean(jnp.ones((2, 3)), 0, True).shape
    (1, 3)
    """
    positional, _, keywords = params.partition("|")
    positional, keywords = positional.split(), keywords.split()
    names = positional + keywords

    def call(*args, **kwargs):
        if len(args) > len(names):
            raise TypeError(f"ops.{name}() takes at most {len(names)} positional arguments "
                            f"({', '.join(names)}); received {len(args)}.")
        unknown = set(kwargs) - set(names)
        if unknown:
            raise TypeError(f"ops.{name}() got unexpected keyword arguments {sorted(unknown)}; "
                            f"its arguments are ({', '.join(names)}).")
        lead = list(args[:len(positional)])
        if set(positional[:len(lead)]) & kwargs.keys():
            raise TypeError(f"ops.{name}() got multiple values for "
                            f"{sorted(set(positional[:len(lead)]) & kwargs.keys())}.")
        for param in positional[len(lead):]:
            if param not in kwargs:
                break
            lead.append(kwargs.pop(param))
        extra = dict(zip(keywords, args[len(positional):]))
        if extra.keys() & kwargs.keys():
            raise TypeError(f"ops.{name}() got multiple values for {sorted(extra.keys() & kwargs.keys())}.")
        return target(*lead, **kwargs, **extra)

    call.__name__ = call.__qualname__ = name
    call.__module__ = module or __name__
    call.keras_parameters = (positional, keywords)  # how a functional config stores a call
    call.__doc__ = (f"Keras's ``ops.{name}({', '.join(names)})``, computed by "
                    f"``{_public_name(target)}``.")
    return op(call)


def _public_name(target):
    name = getattr(target, "__name__", "")
    for label, module in (("jax.numpy", jnp), ("jax.numpy.linalg", jnp.linalg), ("jax.nn", jax.nn),
                          ("jax.lax", jax.lax), ("jax.scipy.special", jax.scipy.special),
                          ("jax.scipy.linalg", jax.scipy.linalg), ("jax", jax)):
        if getattr(module, name, None) is target:
            return f"{label}.{name}"
    return name or repr(target)


def aliases(table, module):
    """``{name: op}`` for a table ``{name: (target, params)}`` (see :func:`alias`)."""
    return {name: alias(name, target, params, module) for name, (target, params) in table.items()}


def same_params(names, target_module, params):
    """A table mapping each of the space-separated ``names`` to ``target_module.<name>``."""
    return {name: (getattr(target_module, name), params) for name in names.split()}
