"""Constructor arguments, captured automatically: ``get_config`` is right by default.

Every Layer (and so every Model, built-in or user-written) records the arguments its outermost
``__init__`` was called with, defaults filled in. ``get_config`` serializes them in Keras's
format (objects as ``{"module", "class_name", "config", "registered_name"}``); ``from_config``
calls the constructor again. Users never need to write ``get_config`` for a subclass.

>>> serialize((1, 2.5, "a"))
[1, 2.5, 'a']
>>> kinds = {"*_initializer": "initializers"}
>>> serialize_argument("kernel_initializer", "zeros", kinds)["class_name"]
'Zeros'
"""

from __future__ import annotations

import contextlib
import fnmatch
import functools
import importlib
import inspect
import threading

import numpy as np

_registry: dict[str, type] = {}
_functions: dict[str, object] = {}
_scopes = threading.local()


def register(cls, name=None):
    """Makes ``cls`` constructible from a config by its name (``package>Name`` or ``Name``)."""
    _registry[name or cls.__name__] = cls
    return cls


def _custom(name):
    for scope in reversed(getattr(_scopes, "stack", [])):
        if name in scope:
            return scope[name]
    return None


def lookup(name):
    """The class for ``name``: from an active :func:`custom_object_scope`, else the registry."""
    return _custom(name) or _registry.get(name)


def register_function(fn, name=None):
    """Makes a function (an activation, a loss) serializable by name."""
    _functions[name or fn.__name__] = fn
    return fn


def lookup_function(name):
    """The function registered (or given in a :func:`custom_object_scope`) as ``name``."""
    return _custom(name) or _functions.get(name)


@contextlib.contextmanager
def custom_object_scope(objects):
    """Makes ``{name: class_or_function}`` visible to :func:`deserialize` inside the block.

    >>> class Thing:
    ...     @classmethod
    ...     def from_config(cls, cfg): return cls()
    >>> with custom_object_scope({"Thing": Thing}):
    ...     type(deserialize({"class_name": "Thing", "config": {}})).__name__
    'Thing'
    """
    stack = _scopes.__dict__.setdefault("stack", [])
    stack.append(dict(objects or {}))
    try:
        yield
    finally:
        stack.pop()


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


# -- the Keras names of our modules --------------------------------------------------------------
# Keras loads a built-in class from `module.ClassName`, so each lamina module maps to the public
# Keras module holding the same names (Functional is not public in Keras: its source path).
_KERAS_MODULES = (("lamina.models.functional", "keras.src.models.functional"),
                  ("lamina.models", "keras"), ("lamina.mixed_precision", "keras"),
                  ("lamina.optimizers.schedules", "keras.optimizers.schedules"))


def keras_module(module):
    """The Keras module name for a lamina module (``lamina.layers.dense`` -> ``keras.layers``);
    other modules (user code) are returned unchanged.

    >>> keras_module("lamina.initializers"), keras_module("my_project.blocks")
    ('keras.initializers', 'my_project.blocks')
    """
    if module != "lamina" and not module.startswith("lamina."):
        return module
    for prefix, target in _KERAS_MODULES:
        if module == prefix or module.startswith(prefix + "."):
            return target
    return "keras." + module.split(".")[1] if "." in module else "keras"


def registered_name(cls):
    """The name a user class is registered under (``package>Name``), else its class name."""
    own = getattr(cls, "_registered_name", None)
    if own:
        return own
    for name, value in _registry.items():
        if value is cls and ">" in name:
            return name
    return cls.__name__


def _is_builtin(module):
    return module == "lamina" or module.startswith("lamina.")


# -- serialization ---------------------------------------------------------------------------------
def serialize(value, argument="value"):
    """A JSON-ready form of a constructor argument; raises ``TypeError`` naming the argument."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray) or type(value).__module__.startswith("jaxlib"):
        return np.asarray(value).tolist()
    if isinstance(value, (list, tuple)):
        return [serialize(v, argument) for v in value]
    if isinstance(value, dict):
        return {str(k): serialize(v, f"{argument}[{k!r}]") for k, v in value.items()}
    if isinstance(value, slice):  # an index, e.g. of `x[:, 1:3]` in a functional model
        return {"class_name": "__slice__", "config": {
            "start": serialize(value.start), "stop": serialize(value.stop),
            "step": serialize(value.step)}}
    if value is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if hasattr(value, "get_config") and not isinstance(value, type):
        return _object_config(value, argument)
    name = getattr(value, "__name__", None)
    if callable(value) and name:
        registered = [k for k, v in _functions.items() if v is value]
        if registered:  # written as its name, as Keras writes activations and losses
            return name if name in registered else registered[0]
        raise _unserializable(value, argument, " (a function that is not registered)")
    raise _unserializable(value, argument)


def _unserializable(value, argument, why=""):
    return TypeError(
        f"Cannot serialize argument '{argument}' of type {type(value).__name__}: {value!r}{why}. "
        "Pass a number, string, list, dict, layer, or an object with `get_config()`, register "
        "the function or class with `lamina.saving.register_keras_serializable`, or write a "
        "`get_config()` that leaves this argument out.")


def _object_config(value, argument):
    cls = type(value)
    try:
        inner = value.get_config()
    except TypeError as error:
        raise TypeError(f"Cannot serialize argument '{argument}': {error}") from None
    module = keras_module(cls.__module__)
    if _is_builtin(cls.__module__):
        name = cls.__name__ if module.startswith("keras.src") else None
    else:
        name = registered_name(cls)
        module = None if ">" in name else module  # as Keras writes registered classes
    return {"module": module, "class_name": cls.__name__, "config": inner,
            "registered_name": name}


def serialize_argument(name, value, kinds):
    """``value`` of argument ``name`` serialized, in the form its kind uses in Keras configs.

    ``kinds`` maps argument-name patterns (``"*_initializer"``) to the lamina module that reads
    them (``"initializers"``): the value goes through that module's ``get`` then ``serialize``,
    so ``"glorot_uniform"`` is written as Keras writes a ``GlorotUniform``. Values the module
    cannot write fall back to :func:`serialize`.
    """
    for pattern, module_name in kinds.items():
        if fnmatch.fnmatchcase(name, pattern):
            module = importlib.import_module(f"lamina.{module_name}")
            try:
                return module.serialize(module.get(value))
            except (TypeError, ValueError):
                break
    return serialize(value, name)


def explicit_parameters(cls):
    """Names of the named parameters of ``cls.__init__`` (not those collected by ``**kwargs``)."""
    params = inspect.signature(cls.__init__).parameters.values()
    return {p.name for p in params if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}


# Keys Keras writes in layer configs for features lamina does not have; unset, they mean nothing.
_UNSET_KERAS_KEYS = ("quantization_config",)


def construct(cls, kwargs):
    """``cls(**kwargs)``; ``name``/``trainable``/``dtype`` that the constructor does not take
    (a user ``__init__`` without ``**kwargs``) are set on the new object afterwards, and unset
    Keras-only keys (``quantization_config: None``) are dropped."""
    params = inspect.signature(cls.__init__).parameters.values()
    accepted = explicit_parameters(cls)
    for key in _UNSET_KERAS_KEYS:
        if key in kwargs and kwargs[key] is None and key not in accepted:
            del kwargs[key]
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return cls(**kwargs)
    later = {k: kwargs.pop(k) for k in ("name", "trainable", "dtype")
             if k in kwargs and k not in accepted}
    obj = cls(**kwargs)
    for key, value in later.items():
        setattr(obj, key, value)
    return obj


# -- deserialization -------------------------------------------------------------------------------
# Keras modules whose objects are read by the lamina module's own `get` (it knows their aliases,
# and a name shared with a layer, like `Identity`, is resolved by the module).
_READERS = {"keras.initializers": "initializers", "keras.regularizers": "regularizers",
            "keras.constraints": "constraints", "keras.dtype_policies": "mixed_precision"}


def _builtin_class(module, class_name):
    """The lamina class a Keras module path names (``keras.layers`` + ``Dense``), or ``None``."""
    if not module or not (module == "keras" or module.startswith("keras.")):
        return None
    candidates = [prefix for prefix, target in _KERAS_MODULES if target == module]
    for name in candidates + ["lamina" + module[len("keras"):]]:
        try:
            found = getattr(importlib.import_module(name), class_name, None)
        except ImportError:
            continue
        if isinstance(found, type) and hasattr(found, "from_config"):
            return found
    return None


def deserialize(value, custom_objects=None):
    """Inverse of :func:`serialize`: dicts ``{"class_name", "config", ...}`` become objects.

    ``custom_objects`` (``{name: class_or_function}``) are found before registered classes.
    """
    if custom_objects:
        with custom_object_scope(custom_objects):
            return deserialize(value)
    if isinstance(value, list):
        return [deserialize(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "class_name" not in value or "config" not in value:
        return {k: deserialize(v) for k, v in value.items()}
    class_name, name = value["class_name"], value.get("registered_name")
    if class_name == "__keras_tensor__":
        return value
    if class_name == "__slice__":
        cfg = value["config"]
        return slice(cfg.get("start"), cfg.get("stop"), cfg.get("step"))
    if class_name == "__ellipsis__":
        return Ellipsis
    if class_name == "function":
        fn = lookup_function(name or value["config"]) or lookup_function(value["config"])
        if fn is None:
            raise ValueError(f"Unknown function '{value['config']}' in config. Register it with "
                             "`lamina.saving.register_keras_serializable()` or pass "
                             "`custom_objects`.")
        return fn
    reader = _READERS.get(value.get("module")) or (
        "mixed_precision" if class_name in ("DTypePolicy", "FloatDTypePolicy") else None)
    if reader and not _custom(name or class_name):
        return importlib.import_module(f"lamina.{reader}").get(value)
    cls = (_custom(name or class_name) or _builtin_class(value.get("module"), class_name)
           or (name and lookup(name)) or lookup(class_name))
    if cls is None:
        raise ValueError(f"Unknown class '{name or class_name}' in config. Register it with "
                         "`lamina.saving.register_keras_serializable()` or pass `custom_objects`.")
    return cls.from_config(value["config"])
