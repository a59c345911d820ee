"""Utilities: seeding and session state (``set_random_seed``, ``clear_session``), model plots
(``plot_model``, ``model_to_dot``)."""

from lamina.utils.plot import model_to_dot, plot_model
from lamina.utils.seeding import clear_session, set_random_seed
from lamina.training.batch import unpack_x_y_sample_weight

__all__ = ["clear_session", "model_to_dot", "plot_model", "set_random_seed",
           "unpack_x_y_sample_weight"]
