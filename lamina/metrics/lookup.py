"""``get``: a metric from a name, a config dict, a class, an instance or a function."""

from __future__ import annotations

from lamina import losses
from lamina.core import config, naming
from lamina.metrics import accuracy_metrics as accuracy
from lamina.metrics import metric, reduction, regression

_CLASSES = [metric.Metric, reduction.Mean, reduction.Sum, reduction.MeanMetricWrapper,
            regression.MeanSquaredError, regression.MeanAbsoluteError,
            regression.MeanAbsolutePercentageError, regression.MeanSquaredLogarithmicError,
            regression.RootMeanSquaredError, accuracy.Accuracy, accuracy.BinaryAccuracy,
            accuracy.CategoricalAccuracy, accuracy.SparseCategoricalAccuracy,
            accuracy.TopKCategoricalAccuracy, accuracy.SparseTopKCategoricalAccuracy]
CLASSES = {cls.__name__: cls for cls in _CLASSES}
CLASSES.update({naming.to_snake_case(cls.__name__): cls for cls in _CLASSES})
for _alias, _cls in [("mse", "MeanSquaredError"), ("mae", "MeanAbsoluteError"),
                     ("mape", "MeanAbsolutePercentageError"),
                     ("msle", "MeanSquaredLogarithmicError")]:
    CLASSES[_alias] = CLASSES[_alias.upper()] = CLASSES[_cls]


def function(name):
    """The per-sample metric or loss function called ``name``."""
    fns = {fn.__name__: fn for fn in accuracy.FUNCTIONS}
    fn = fns.get(name) or losses.ALL_OBJECTS.get(name) or config.lookup_function(name)
    if fn is None or isinstance(fn, type):
        raise ValueError(f"Unknown metric function {name!r}. Valid names: {sorted(fns)} and the "
                         "loss functions in `lamina.losses`.")
    return fn


def get(identifier):
    """A :class:`Metric` instance for ``identifier``.

    Names give the metric class of that name (``"mse"``, ``"binary_accuracy"``,
    ``"RootMeanSquaredError"``); other loss-function names (``"hinge"``) and plain functions are
    wrapped in a :class:`MeanMetricWrapper` named after them.

    >>> get("mae").name, get("hinge").name
    ('mean_absolute_error', 'hinge')
    """
    if identifier is None or isinstance(identifier, metric.Metric):
        return identifier
    if isinstance(identifier, dict):
        name, cfg = identifier.get("class_name"), identifier.get("config")
        if name == "function":
            return reduction.MeanMetricWrapper(function(cfg), name=cfg)
        if name not in CLASSES:
            raise ValueError(f"Unknown metric class {name!r} in {identifier!r}. "
                             f"Valid names: {sorted(n for n in CLASSES if n[0].isupper())}.")
        return CLASSES[name].from_config(cfg or {})
    if isinstance(identifier, str):
        if identifier in CLASSES:
            return CLASSES[identifier]()
        loss_fn = losses.ALL_OBJECTS.get(identifier)
        if loss_fn is None or isinstance(loss_fn, type):
            raise ValueError(f"Unknown metric {identifier!r}. Valid names: {sorted(CLASSES)}, "
                             "or the name of a loss function in `lamina.losses`.")
        return reduction.MeanMetricWrapper(loss_fn, name=identifier)
    if isinstance(identifier, type) and issubclass(identifier, metric.Metric):
        return identifier()
    if callable(identifier):
        return reduction.MeanMetricWrapper(identifier, name=getattr(identifier, "__name__", None))
    raise ValueError(f"Could not interpret metric identifier {identifier!r}: expected a name, a "
                     "config dict, a Metric (class or instance) or a function.")
