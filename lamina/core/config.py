"""Constructor arguments, captured automatically: ``get_config`` is right by default.

Every Layer (and so every Model, built-in or user-written) records the arguments its outermost
``__init__`` was called with, defaults filled in. ``get_config`` serializes them; ``from_config``
calls the constructor again. Users never need to write ``get_config`` for a subclass.
"""

from __future__ import annotations

import functools
import inspect

import numpy as np

_registry: dict[str, type] = {}


def register(cls, name=None):
    """Makes ``cls`` constructible from a config by its name (``package>Name`` or ``Name``)."""
    _registry[name or cls.__name__] = cls
    return cls


def lookup(name):
    """The registered class for ``name``, or ``None``."""
    return _registry.get(name)


def capture_init(cls):
    """Wraps ``cls.__init__`` so the outermost call stores its bound arguments on the instance."""
    init = cls.__dict__.get("__init__")
    if init is None or getattr(init, "_captures_args", False):
        return
    signature = inspect.signature(init)

    @functools.wraps(init)
    def wrapper(self, *args, **kwargs):
        if "_init_args" not in self.__dict__:
            bound = signature.bind(self, *args, **kwargs)
            bound.apply_defaults()
            arguments = dict(bound.arguments)
            arguments.pop(next(iter(signature.parameters)))  # self
            for param in signature.parameters.values():
                if param.kind is param.VAR_KEYWORD:
                    arguments.update(arguments.pop(param.name, {}))
                elif param.kind is param.VAR_POSITIONAL:
                    extra = arguments.pop(param.name, ())
                    if extra:
                        arguments["*" + param.name] = list(extra)
            object.__setattr__(self, "_init_args", arguments)
        init(self, *args, **kwargs)

    wrapper._captures_args = True
    cls.__init__ = wrapper


def serialize(value, argument="value"):
    """A JSON-ready form of a constructor argument; raises ``TypeError`` naming the argument."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [serialize(v, argument) for v in value]
    if isinstance(value, dict):
        return {str(k): serialize(v, f"{argument}[{k!r}]") for k, v in value.items()}
    if hasattr(value, "get_config"):
        return {
            "module": type(value).__module__.replace("lamina", "keras", 1),
            "class_name": type(value).__name__,
            "config": value.get_config(),
            "registered_name": getattr(type(value), "_registered_name", None),
        }
    name = getattr(value, "__name__", None)
    if callable(value) and name and lookup_function(name) is value:
        return name
    raise TypeError(
        f"Cannot serialize argument '{argument}' of type {type(value).__name__}: {value!r}. "
        "Pass a number, string, list, dict, layer, or an object with `get_config()`, "
        "or register the function with `lamina.saving.register_keras_serializable`."
    )


_functions: dict[str, object] = {}


def register_function(fn, name=None):
    """Makes a function (an activation, a loss) serializable by name."""
    _functions[name or fn.__name__] = fn
    return fn


def lookup_function(name):
    return _functions.get(name)


def deserialize(value):
    """Inverse of :func:`serialize` for configs holding ``{"class_name": ..., "config": ...}``."""
    if isinstance(value, list):
        return [deserialize(v) for v in value]
    if isinstance(value, dict):
        if "class_name" in value and "config" in value:
            name = value.get("registered_name") or value["class_name"]
            cls = lookup(name) or lookup(value["class_name"])
            if cls is None:
                raise ValueError(
                    f"Unknown class '{name}' in config. Register it with "
                    "`lamina.saving.register_keras_serializable()` or pass `custom_objects`."
                )
            return cls.from_config(value["config"])
        return {k: deserialize(v) for k, v in value.items()}
    return value
