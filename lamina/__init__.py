"""lamina: the Keras 3 model API on JAX.

``import lamina as keras`` and write Keras code: Sequential, functional and subclassed models,
``compile`` / ``fit`` / ``evaluate`` / ``predict``, callbacks, losses, metrics, optimizers.
Sub-packages are imported on first use, so ``import lamina`` stays cheap.
"""

import importlib

__version__ = "0.1.0"

_SUBMODULES = {"activations", "callbacks", "constraints", "initializers", "layers", "losses",
               "metrics", "models", "ops", "optimizers", "random", "regularizers", "utils",
               "saving", "training", "core", "mixed_precision", "datasets"}
_NAMES = {
    "Variable": "lamina.core.variable",
    "Layer": "lamina.core.layer",
    "Model": "lamina.models.model",
    "Sequential": "lamina.models.sequential",
    "Input": "lamina.layers.input_layer",
    "InputLayer": "lamina.layers.input_layer",
    "value_and_grad": "lamina.training.grad",
    "StateScope": "lamina.core.state",
    "DTypePolicy": "lamina.mixed_precision",
}


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"lamina.{name}")
    if name in _NAMES:
        return getattr(importlib.import_module(_NAMES[name]), name)
    raise AttributeError(f"module 'lamina' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _SUBMODULES | set(_NAMES))
