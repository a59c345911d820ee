"""Optimizers by name or config: ``get``, ``serialize``, ``deserialize``."""

import optax

from lamina.core import config
from lamina.optimizers.adadelta import Adadelta
from lamina.optimizers.adafactor import Adafactor
from lamina.optimizers.adagrad import Adagrad
from lamina.optimizers.adam import Adam, AdamW
from lamina.optimizers.adamax import Adamax
from lamina.optimizers.ftrl import Ftrl
from lamina.optimizers.lamb import Lamb
from lamina.optimizers.lion import Lion
from lamina.optimizers.loss_scale_optimizer import LossScaleOptimizer
from lamina.optimizers.nadam import Nadam
from lamina.optimizers.optimizer import Optimizer
from lamina.optimizers.optax_optimizer import OptaxOptimizer
from lamina.optimizers.rmsprop import RMSprop
from lamina.optimizers.sgd import SGD

ALL_OBJECTS = {cls.__name__.lower(): cls for cls in (
    SGD, Adam, AdamW, Adamax, Nadam, RMSprop, Adagrad, Adadelta, Adafactor, Ftrl, Lion, Lamb,
    LossScaleOptimizer)}
for _cls in ALL_OBJECTS.values():
    config.register(_cls)


def serialize(optimizer):
    """``optimizer`` as a Keras-style config dict: ``{"class_name": ..., "config": ...}``."""
    return {"module": "keras.optimizers", "class_name": type(optimizer).__name__,
            "config": optimizer.get_config(), "registered_name": None}


def deserialize(config_dict, custom_objects=None):
    """The optimizer described by a ``serialize`` dict; built-in names are case-insensitive."""
    name = config_dict["class_name"]
    cls = (custom_objects or {}).get(name) or ALL_OBJECTS.get(name.lower()) or config.lookup(name)
    if cls is None:
        raise ValueError(f"Unknown optimizer class '{name}'. Known: {sorted(ALL_OBJECTS)}; pass "
                         "others in `custom_objects`.")
    return cls.from_config(config_dict.get("config", {}))


def get(identifier):
    """An optimizer from a name, a class, an instance, a config dict or an optax transformation.

    >>> get("Adam").learning_rate.item() == get("adam").learning_rate.item()
    True
    >>> get("sgd").get_config()["momentum"]
    0.0
    """
    if identifier is None or isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, optax.GradientTransformation):
        return OptaxOptimizer(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = ALL_OBJECTS.get(identifier.lower())
        if cls is None:
            raise ValueError(f"Unknown optimizer '{identifier}'. Valid names: "
                             f"{', '.join(repr(n) for n in sorted(ALL_OBJECTS))}.")
        return cls()
    raise ValueError(
        f"Could not interpret optimizer identifier: {identifier!r}. Pass a name ('adam'), an "
        "Optimizer instance or class, a config dict, or an optax GradientTransformation."
    )
