"""Utilities: seeding and session state (``set_random_seed``, ``clear_session``), ``PyDataset``,
model plots (``plot_model``, ``model_to_dot``), ``plot_history``, and ``to_source`` (a model's
definition written in another style). The model-level tools load on first use, so the training
code can import ``PyDataset`` from here without a cycle."""

import importlib

from lamina.training.batch import unpack_x_y_sample_weight
from lamina.utils.py_dataset import PyDataset
from lamina.utils.seeding import clear_session, set_random_seed

Sequence = PyDataset  # Keras's older name

_LAZY = {"plot_model": "lamina.utils.plot", "model_to_dot": "lamina.utils.plot",
         "plot_history": "lamina.utils.history_plot", "to_source": "lamina.utils.source_code"}

__all__ = ["PyDataset", "Sequence", "clear_session", "set_random_seed",
           "unpack_x_y_sample_weight", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'lamina.utils' has no attribute {name!r}")
