"""``get``, ``serialize``, ``deserialize``: metrics from names and configs, and back."""

from __future__ import annotations

from lamina import losses
from lamina.core import config, naming
from lamina.metrics import accuracy_metrics, auc, confusion_metrics, correlation, f_score
from lamina.metrics import hinge_metrics, iou, metric, probabilistic, r2_score, reduction
from lamina.metrics import regression

_MODULES = [metric, reduction, regression, accuracy_metrics, probabilistic, hinge_metrics,
            confusion_metrics, auc, f_score, iou, r2_score, correlation]
_CLASSES = [value for module in _MODULES for name, value in vars(module).items()
            if isinstance(value, type) and issubclass(value, metric.Metric)
            and value.__module__ == module.__name__ and not name.startswith("_")]
CLASSES = {cls.__name__: cls for cls in _CLASSES}
CLASSES.update({naming.to_snake_case(cls.__name__): cls for cls in _CLASSES})
for _alias, _cls in [("mse", "MeanSquaredError"), ("mae", "MeanAbsoluteError"),
                     ("mape", "MeanAbsolutePercentageError"),
                     ("msle", "MeanSquaredLogarithmicError")]:
    CLASSES[_alias] = CLASSES[_alias.upper()] = CLASSES[_cls]
FUNCTIONS = accuracy_metrics.FUNCTIONS + correlation.FUNCTIONS
for _fn in correlation.FUNCTIONS:
    config.register_function(_fn)


def function(name):
    """The per-sample metric or loss function called ``name``."""
    fns = {fn.__name__: fn for fn in FUNCTIONS}
    fn = fns.get(name) or losses.ALL_OBJECTS.get(name) or config.lookup_function(name)
    if fn is None or isinstance(fn, type):
        raise ValueError(f"Unknown metric function {name!r}. Valid names: {sorted(fns)} and the "
                         "loss functions in `lamina.losses`.")
    return fn


def get(identifier):
    """A :class:`Metric` instance for ``identifier``.

    Names give the metric class of that name (``"mse"``, ``"binary_accuracy"``,
    ``"RootMeanSquaredError"``, ``"auc"``); other loss-function names (``"huber"``) and plain
    functions are wrapped in a :class:`MeanMetricWrapper` named after them.

    >>> get("mae").name, get("huber").name
    ('mean_absolute_error', 'huber')
    """
    if identifier is None or isinstance(identifier, metric.Metric):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier in CLASSES:
            return CLASSES[identifier]()
        fn = {f.__name__: f for f in FUNCTIONS}.get(identifier) or losses.ALL_OBJECTS.get(
            identifier)
        if fn is None or isinstance(fn, type):
            raise ValueError(f"Unknown metric {identifier!r}. Valid names: {sorted(CLASSES)}, "
                             "or the name of a loss function in `lamina.losses`.")
        return reduction.MeanMetricWrapper(fn, name=identifier)
    if isinstance(identifier, type) and issubclass(identifier, metric.Metric):
        return identifier()
    if callable(identifier):
        return reduction.MeanMetricWrapper(identifier, name=getattr(identifier, "__name__", None))
    raise ValueError(f"Could not interpret metric identifier {identifier!r}: expected a name, a "
                     "config dict, a Metric (class or instance) or a function.")


def serialize(obj):
    """A JSON-ready dict for a :class:`Metric` or a metric function (Keras's format).

    >>> serialize(get("auc"))["class_name"]
    'AUC'
    """
    if isinstance(obj, metric.Metric):
        return {"module": "keras.metrics", "class_name": type(obj).__name__,
                "config": obj.get_config(), "registered_name": None}
    return losses.serialize(obj)


def deserialize(cfg, custom_objects=None):
    """The metric a :func:`serialize` dict (or a name) describes; ``custom_objects`` adds names."""
    custom_objects = custom_objects or {}
    if isinstance(cfg, str):
        found = custom_objects.get(cfg)
        return get(cfg) if found is None else get(found)
    name, inner = cfg.get("class_name"), cfg.get("config")
    if name == "function":
        fn = custom_objects.get(inner) or function(inner)
        return reduction.MeanMetricWrapper(fn, name=inner)
    cls = custom_objects.get(name) or CLASSES.get(name) or config.lookup(name)
    if not (isinstance(cls, type) and issubclass(cls, metric.Metric)):
        raise ValueError(f"Unknown metric class {name!r} in {cfg!r}. "
                         f"Valid names: {sorted(n for n in CLASSES if n[0].isupper())}.")
    return cls.from_config(inner or {})
