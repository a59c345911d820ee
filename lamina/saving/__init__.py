"""Saving and loading: the Keras 3 ``.keras`` format, weights files, legacy ``.h5``, export.

Files are interchangeable with Keras 3 both ways, saving is atomic and deterministic, and
loading is safe by default (see :mod:`lamina.saving.safety` and :mod:`lamina.saving.errors`).
"""

from lamina.saving.api import load_model, load_weights, save_model, save_weights
from lamina.saving.errors import (CorruptFileError, LoadError, UnknownObjectError,
                                  UnsafeFileError, WeightsMismatchError)
from lamina.saving.export import export_model, load_exported
from lamina.saving.registry import (CustomObjectScope, custom_object_scope,
                                    deserialize_keras_object, get_registered_name,
                                    get_registered_object, register_keras_serializable,
                                    serialize_keras_object)

__all__ = ["CorruptFileError", "CustomObjectScope", "LoadError", "UnknownObjectError",
           "UnsafeFileError", "WeightsMismatchError", "custom_object_scope",
           "deserialize_keras_object", "export_model", "get_registered_name",
           "get_registered_object", "load_exported", "load_model", "load_weights",
           "register_keras_serializable", "save_model", "save_weights", "serialize_keras_object"]
