"""``get``, ``serialize``, ``deserialize``: losses from names and configs, and back."""

from __future__ import annotations

from lamina.core import config
from lamina.losses import crossentropy, focal, hinges, loss, metric_learning, probabilistic
from lamina.losses import regression, segmentation, sequence

_MODULES = [regression, probabilistic, hinges, crossentropy, focal, segmentation, sequence,
            metric_learning]
FUNCTIONS = [fn for module in _MODULES for fn in module.FUNCTIONS]
for _fn in FUNCTIONS:
    config.register_function(_fn)
CLASSES = [loss.Loss, loss.LossFunctionWrapper] + [
    value for module in _MODULES for name, value in vars(module).items()
    if isinstance(value, type) and issubclass(value, loss.Loss)
    and value.__module__ == module.__name__ and not name.startswith("_")]
ALIASES = {"mse": "mean_squared_error", "mae": "mean_absolute_error",
           "mape": "mean_absolute_percentage_error", "msle": "mean_squared_logarithmic_error",
           "kld": "kl_divergence", "bce": "binary_crossentropy"}
ALL_OBJECTS = {obj.__name__: obj for obj in CLASSES + FUNCTIONS}
for _alias, _name in ALIASES.items():
    ALL_OBJECTS[_alias] = ALL_OBJECTS[_alias.upper()] = ALL_OBJECTS[_name]


def function(name):
    """The per-sample loss function called ``name`` (or registered under it)."""
    fn = ALL_OBJECTS.get(name) or config.lookup_function(name)
    if fn is None or isinstance(fn, type):
        raise ValueError(f"Unknown loss function {name!r}. Valid names: {sorted(ALL_OBJECTS)}.")
    return fn


def get(identifier):
    """A loss from a name, a config dict, an instance or a callable.

    Function names (``"mse"``, ``"binary_crossentropy"``) give the function; class names give an
    instance with default arguments, as in Keras.

    >>> get("mse") is regression.mean_squared_error, type(get("Huber")).__name__
    (True, 'Huber')
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    obj = identifier
    if isinstance(identifier, str):
        obj = ALL_OBJECTS.get(identifier) or config.lookup_function(identifier)
        if obj is None:
            raise ValueError(f"Unknown loss {identifier!r}. Valid names: {sorted(ALL_OBJECTS)}.")
    if isinstance(obj, type):
        return obj()
    if callable(obj):
        return obj
    raise ValueError(f"Could not interpret loss identifier {identifier!r}: expected a name, a "
                     "config dict, a Loss instance or a callable.")


def serialize(obj):
    """A JSON-ready dict for a :class:`Loss` or a loss function (Keras's format).

    >>> serialize(regression.Huber(delta=2.0))["config"]["delta"]
    2.0
    """
    if isinstance(obj, loss.Loss):
        return {"module": "keras.losses", "class_name": type(obj).__name__,
                "config": obj.get_config(), "registered_name": None}
    name = getattr(obj, "__name__", None)
    if callable(obj) and name and (ALL_OBJECTS.get(name) is obj
                                   or config.lookup_function(name) is obj):
        return {"module": "builtins", "class_name": "function", "config": name,
                "registered_name": "function"}
    raise ValueError(f"Cannot serialize loss {obj!r}: expected a Loss or a registered function.")


def deserialize(cfg, custom_objects=None):
    """The loss a :func:`serialize` dict (or a name) describes; ``custom_objects`` adds names."""
    custom_objects = custom_objects or {}
    if isinstance(cfg, str):
        return custom_objects.get(cfg) or get(cfg)
    name, inner = cfg.get("class_name"), cfg.get("config")
    if name == "function":
        return custom_objects.get(inner) or function(inner)
    cls = custom_objects.get(name) or ALL_OBJECTS.get(name) or config.lookup(name)
    if not isinstance(cls, type):
        classes = sorted(k for k, v in ALL_OBJECTS.items() if isinstance(v, type))
        raise ValueError(f"Unknown loss class {name!r} in {cfg!r}. Valid names: {classes}.")
    return cls.from_config(inner or {})
