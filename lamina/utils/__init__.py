"""Utilities: seeding and session state (``set_random_seed``, ``clear_session``)."""

from lamina.utils.seeding import clear_session, set_random_seed
from lamina.training.batch import unpack_x_y_sample_weight

__all__ = ["clear_session", "set_random_seed", "unpack_x_y_sample_weight"]
