"""A model's ``config.json``: what to build (its config), how (``build_config``) and how it was
compiled (``compile_config``), in the form Keras 3 writes and reads.

Building from a config constructs only built-in and registered classes (see
:mod:`lamina.saving.registry`); ``compile_config`` is written when the optimizer, losses and
metrics all have configs, else left out with a warning (the model then loads uncompiled).
"""

from __future__ import annotations

import contextlib
import warnings

from lamina.core import config as config_lib
from lamina.core.errors import describe
from lamina.saving.errors import CorruptFileError, LoadError, UnknownObjectError


def model_config(model):
    """``{"module", "class_name", "config", "registered_name", "build_config",
    "compile_config"}`` for ``model``."""
    from lamina.models import serialization
    try:
        cfg = serialization.serialize_model(model)
    except TypeError as error:
        raise TypeError(f"Cannot save {describe(model)}: its config cannot be written. {error}") \
            from error
    cfg.setdefault("build_config", None)
    cfg["compile_config"] = compile_config(model)
    return cfg


def compile_config(model):
    """The ``compile`` arguments in Keras's serialized form, or ``None``."""
    if not getattr(model, "compiled", False):
        return None
    from lamina import losses, metrics, optimizers
    try:
        return {
            "optimizer": optimizers.serialize(model.optimizer),
            "loss": _nested(model._compile_loss.spec, losses.serialize),
            "loss_weights": config_lib.serialize(model._compile_loss.loss_weights),
            "metrics": _nested(model._compile_metrics.spec, metrics.serialize),
            "weighted_metrics": _nested(model._compile_metrics.weighted_spec, metrics.serialize),
            "run_eagerly": False,
            "steps_per_execution": model.steps_per_execution,
            "jit_compile": True,
        }
    except (TypeError, ValueError) as error:
        warnings.warn(f"Saving {describe(model)} without its compile settings ({error}); "
                      "compile it again after loading.", stacklevel=4)
        return None


def _nested(spec, serialize):
    if spec is None or isinstance(spec, str):
        return spec
    if isinstance(spec, (list, tuple)):
        return [_nested(s, serialize) for s in spec]
    if isinstance(spec, dict):
        return {k: _nested(v, serialize) for k, v in spec.items()}
    return serialize(spec)


def _unnested(spec, deserialize):
    if spec is None or isinstance(spec, str):
        return spec
    if isinstance(spec, list):
        return [_unnested(s, deserialize) for s in spec]
    if isinstance(spec, dict) and "class_name" not in spec:
        return {k: _unnested(v, deserialize) for k, v in spec.items()}
    return deserialize(spec)


class _TrustedLambda:
    """Stands in for ``Lambda`` under ``safe_mode=False``: passes the permission on."""

    @classmethod
    def from_config(cls, cfg):
        from lamina.layers.core_misc import Lambda
        return Lambda.from_config(cfg, safe_mode=False)


@contextlib.contextmanager
def loading_scope(custom_objects=None, safe_mode=True):
    """Names visible while a config is turned into objects."""
    objects = dict(custom_objects or {})
    if safe_mode is False:
        objects.setdefault("Lambda", _TrustedLambda)
    with config_lib.custom_object_scope(objects):
        yield


def model_from_config(cfg, custom_objects=None, compile=True, safe_mode=True):
    """Builds (and compiles) the model ``cfg`` describes."""
    from lamina.models import serialization
    with loading_scope(custom_objects, safe_mode):
        body = {k: cfg.get(k) for k in ("module", "class_name", "config", "registered_name",
                                        "build_config")}
        try:
            model = serialization.deserialize_model(body)
        except LoadError:
            raise
        except ValueError as error:
            if "Unknown" in str(error):
                raise UnknownObjectError(f"{error} (while loading model "
                                         f"'{cfg['class_name']}')") from error
            raise CorruptFileError(f"The model config is invalid: {error}") from error
        except (TypeError, KeyError, AttributeError, IndexError, RecursionError,
                OverflowError) as error:
            raise CorruptFileError(f"The model config does not fit class "
                                   f"'{cfg['class_name']}': {type(error).__name__}: "
                                   f"{error}") from error
        if compile and isinstance(cfg.get("compile_config"), dict) and cfg["compile_config"]:
            # Keras writes `{}` for a model that was never compiled.
            compile_from_config(model, cfg["compile_config"])
    return model


def compile_from_config(model, cfg):
    """``model.compile`` with the arguments of a ``compile_config``; builds the optimizer so its
    state can be loaded."""
    from lamina import losses, metrics, optimizers
    try:
        optimizer = cfg.get("optimizer")
        optimizer = optimizers.get(optimizer) if optimizer is not None else "rmsprop"
        model.compile(
            optimizer=optimizer,
            loss=_unnested(cfg.get("loss"), losses.deserialize),
            loss_weights=cfg.get("loss_weights"),
            metrics=_unnested(cfg.get("metrics"), metrics.deserialize),
            weighted_metrics=_unnested(cfg.get("weighted_metrics"), metrics.deserialize),
            steps_per_execution=cfg.get("steps_per_execution") or 1)
    except (TypeError, ValueError, KeyError) as error:
        raise CorruptFileError(f"Cannot compile {describe(model)} from the file's compile "
                               f"settings: {error}") from error
    if model.built and model.optimizer is not None:
        model.optimizer.build(model.trainable_variables)
