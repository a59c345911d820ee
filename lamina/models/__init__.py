"""Models: Model (subclassing), Sequential, and their summary."""

from lamina.models.model import Model
from lamina.models.sequential import Sequential

__all__ = ["Model", "Sequential"]
