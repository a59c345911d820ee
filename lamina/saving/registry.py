"""Names for user classes and functions in configs: ``register_keras_serializable`` and scopes.

Loading constructs only classes it can find by name in lamina's registry (built-in and
registered ones, see :mod:`lamina.core.config`); nothing named by a file is ever imported.
``register_keras_serializable(package="demo")`` files a class as ``"demo>MyClass"`` (Keras's
form, so both libraries agree on the name); ``custom_object_scope`` adds names for a while.
"""

from __future__ import annotations

import inspect

from lamina.core import config

_names: dict[object, str] = {}  # registered object -> "package>name"


class _OwnName:
    """``cls._registered_name`` that answers only for the class it was set on, so a subclass
    of a registered class is not mistaken for it (it gets its own name)."""

    def __init__(self, owner, name):
        self.owner, self.name = owner, name

    def __get__(self, instance, owner):
        return self.name if owner is self.owner else None


def register_keras_serializable(package="Custom", name=None):
    """Decorator: makes a class or function loadable as ``"package>name"``.

    >>> @register_keras_serializable(package="doc")
    ... def twice(x):
    ...     return 2 * x
    >>> get_registered_name(twice), get_registered_object("doc>twice") is twice
    ('doc>twice', True)
    """
    def decorator(obj):
        registered = f"{package}>{name if name is not None else obj.__name__}"
        if inspect.isclass(obj):
            if not hasattr(obj, "get_config"):
                raise ValueError(f"Cannot register class {obj.__name__}: it has no "
                                 "`get_config()` method.")
            obj._registered_name = _OwnName(obj, registered)
            config.register(obj, registered)
        else:
            config.register_function(obj, registered)
        _names[obj] = registered
        return obj
    return decorator


def get_registered_name(obj):
    """The name ``obj`` is registered under, or its Python name.

    >>> get_registered_name(len)
    'len'
    """
    return _names.get(obj) or obj.__name__


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The class or function known as ``name`` (``custom_objects``, active scopes, the
    registry, ``module_objects``, in that order), or ``None``."""
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    found = config.lookup(name) or config.lookup_function(name)
    if found is not None:
        return found
    return (module_objects or {}).get(name)


class CustomObjectScope:
    """Makes ``custom_objects`` (``{name: class or function}``) loadable inside a ``with``.

    >>> from lamina.layers import Dense
    >>> class Wide(Dense):
    ...     pass
    >>> with CustomObjectScope({"my>Wide": Wide}):
    ...     get_registered_object("my>Wide") is Wide
    True
    >>> get_registered_object("my>Wide") is None
    True
    """

    def __init__(self, custom_objects=None):
        self.custom_objects = dict(custom_objects or {})
        self._context = None

    def __enter__(self):
        self._context = config.custom_object_scope(self.custom_objects)
        self._context.__enter__()
        return self

    def __exit__(self, *exc):
        self._context.__exit__(*exc)
        return False


custom_object_scope = CustomObjectScope


def serialize_keras_object(obj):
    """``obj`` as JSON-ready data in Keras's form (objects as ``{"module", "class_name",
    "config", "registered_name"}``, registered functions by name).

    >>> from lamina.layers import Dense
    >>> serialize_keras_object(Dense(2))["class_name"]
    'Dense'
    """
    if callable(obj) and not inspect.isclass(obj) and not hasattr(obj, "get_config"):
        name = _names.get(obj)
        if name is not None:
            return {"module": None, "class_name": "function", "config": name,
                    "registered_name": name}
    return config.serialize(obj, "object")


def deserialize_keras_object(cfg, custom_objects=None, safe_mode=True, **kwargs):
    """The object ``cfg`` describes: only built-in and registered classes and functions (and
    ``custom_objects``) are constructed; Python bytecode needs ``safe_mode=False``."""
    from lamina.saving import model_config, safety
    from lamina.saving.errors import UnknownObjectError
    if kwargs:
        raise TypeError(f"deserialize_keras_object: unexpected argument(s) {sorted(kwargs)}.")
    if isinstance(cfg, dict) and "class_name" in cfg and "config" in cfg:
        safety.check_config(cfg, safe_mode, "the config")
    with model_config.loading_scope(custom_objects, safe_mode):
        if isinstance(cfg, str):
            found = get_registered_object(cfg)
            if found is None:
                raise UnknownObjectError(f"Unknown object '{cfg}'. Register it with "
                                         "`register_keras_serializable` or pass `custom_objects`.")
            return found
        try:
            return config.deserialize(cfg)
        except ValueError as error:
            if "Unknown" in str(error):
                raise UnknownObjectError(str(error)) from error
            raise
