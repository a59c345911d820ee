"""Models: Model (subclassing), Sequential, Functional; configs, cloning and summaries."""

from lamina.models.cloning import clone_model
from lamina.models.functional import Functional
from lamina.models.model import Model
from lamina.models.sequential import Sequential
from lamina.models.serialization import model_from_json



def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a ``.keras`` (or legacy ``.h5``) model; see :func:`lamina.saving.load_model`."""
    from lamina.saving import load_model as load
    return load(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


__all__ = ["Functional", "Model", "Sequential", "clone_model", "load_model", "model_from_json"]
