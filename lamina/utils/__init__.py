"""Utilities: seeding and session state (``set_random_seed``, ``clear_session``), model plots
(``plot_model``, ``model_to_dot``), and ``to_source`` (a model's definition in another style)."""

from lamina.training.batch import unpack_x_y_sample_weight
from lamina.utils.plot import model_to_dot, plot_model
from lamina.utils.seeding import clear_session, set_random_seed
from lamina.utils.to_source import to_source

__all__ = ["clear_session", "model_to_dot", "plot_model", "set_random_seed", "to_source",
           "unpack_x_y_sample_weight"]
