"""Models: Model (subclassing), Sequential, Functional; configs, cloning and summaries."""

from lamina.models.cloning import clone_model
from lamina.models.functional import Functional
from lamina.models.model import Model
from lamina.models.sequential import Sequential
from lamina.models.serialization import model_from_json

__all__ = ["Functional", "Model", "Sequential", "clone_model", "model_from_json"]
