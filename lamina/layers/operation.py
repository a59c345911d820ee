"""Operation: a ``lamina.ops`` call on symbolic tensors, recorded as a node of a functional model.

``lamina.ops.add(x, 1.0)`` or ``x * 2`` on a functional model's tensors makes an
:class:`Operation` layer and calls it, so the op replays with the model, shows in its summary
and drawing, and is saved in its config. Keras records ``keras.ops`` calls the same way and
writes them as ``{"module": "keras.src.ops.numpy", "class_name": "NotEqual", "config":
{"name": ..., <keyword arguments>}}`` with the tensors and other positional arguments in the
node's ``args``: the masks of Keras's ``Masking`` and ``Embedding(mask_zero=True)`` appear so
in every functional model Keras saves. This module reads and writes that form.

>>> import lamina
>>> x = lamina.Input((3,))
>>> model = lamina.Model(x, lamina.ops.any(lamina.ops.not_equal(x, 0.0), axis=-1))
>>> [naming.keras_class_name(layer) for layer in model.layers]
['InputLayer', 'NotEqual', 'Any']
>>> model(jnp.array([[0.0, 0.0, 1.0], [0.0, 0.0, 0.0]])).tolist()
[True, False]
"""

from __future__ import annotations

import importlib
import inspect

import jax
import jax.numpy as jnp  # noqa: F401  (the example above)

from lamina.core import config, naming
from lamina.core.layer import Layer
from lamina.core.symbolic import SymbolicTensor
from lamina.ops import dispatch

# lamina.ops sub-modules, named as Keras's keras.src.ops sub-modules.
_MODULES = ("numpy", "nn", "math", "core", "linalg", "image", "einops")


def find_op(module, name):
    """The public op ``lamina.ops.<module>.<name>``; anything else is refused (configs may
    come from untrusted files)."""
    if module not in _MODULES:
        raise ValueError(f"Unknown ops module {module!r}; expected one of {list(_MODULES)}.")
    namespace = importlib.import_module(f"lamina.ops.{module}")
    public = getattr(namespace, "__all__", None)
    function = getattr(namespace, name, None)
    if name.startswith("_") or not callable(function) or (public is not None and
                                                           name not in public):
        raise ValueError(f"Unknown op '{name}' in ops.{module}.")
    return function


# Keras op classes whose names are not the op's name in CamelCase.
_KERAS_NAMES = {
    "allclose": "AllClose", "batch_normalization": "BatchNorm", "cdist": "CDist",
    "ctc_decode": "CTCDecode", "ctc_loss": "CTCLoss", "fft": "FFT", "fft2": "FFT2",
    "hsv_to_rgb": "HSVToRGB", "ifft2": "IFFT2", "irfft": "IRFFT", "isin": "IsIn",
    "istft": "ISTFT", "jvp": "JVP", "layer_normalization": "LayerNorm", "psnr": "PSNR",
    "rfft": "RFFT", "rgb_to_grayscale": "RGBToGrayscale", "rgb_to_hsv": "RGBToHSV",
    "rms_normalization": "RMSNorm", "searchsorted": "SearchSorted", "ssim": "SSIM",
    "stft": "STFT", "svd": "SVD"}
_OP_NAMES = {cls: op for op, cls in _KERAS_NAMES.items()}


def keras_class(op):
    """The Keras class of op ``op``: ``not_equal`` -> ``NotEqual``, ``rfft`` -> ``RFFT``."""
    return _KERAS_NAMES.get(op) or "".join(part[:1].upper() + part[1:] for part in op.split("_"))


def op_name(keras_class_name):
    """The op of a Keras op class: ``NotEqual`` -> ``not_equal``, ``RFFT`` -> ``rfft``."""
    return _OP_NAMES.get(keras_class_name) or naming.to_snake_case(keras_class_name)


def _parameters(function):
    """``(call, keyword)``: the op's parameter names that Keras passes when calling the op
    (tensors first) and those it stores in the op's config."""
    declared = getattr(function, "keras_parameters", None)
    if declared is not None:
        return declared
    params = [p for p in inspect.signature(function).parameters.values()
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    call = [p.name for p in params if p.default is p.empty and p.name != "dtype"]
    return call, [p.name for p in params if p.name not in call]


class Operation(Layer):
    """An op of :mod:`lamina.ops` as a layer: ``Operation("any", axis=-1)(x)`` computes
    ``lamina.ops.any(x, axis=-1)``. ``module`` is the ops sub-module (``"numpy"``, ``"nn"``,
    ...); the keyword ``arguments`` are fixed, the call's arguments are the op's leading
    ones."""

    def __init__(self, op, module="numpy", name=None, **arguments):
        self._function = find_op(module, op)
        super().__init__(name=name or naming.unique_name(op), autocast=False)
        self.op, self.module, self.arguments = op, module, arguments
        self._keras_class_name = keras_class(op)  # summaries show `add (Add)`, as Keras does

    def call(self, *args):
        return self._function(*args, **self.arguments)

    def get_config(self):
        return {"name": self.name, "op": self.op, "module": self.module, **self.arguments}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def keras_entry(self):
        """This node's layer entry in a functional config, in Keras's form."""
        cfg = {"name": self.name}
        cfg.update({k: config.serialize(v, k) for k, v in self.arguments.items()})
        return {"module": f"keras.src.ops.{self.module}", "class_name": self._keras_class_name,
                "config": cfg, "registered_name": self._keras_class_name}

    @classmethod
    def from_keras_entry(cls, entry):
        """The Operation of a Keras (or lamina) config entry whose module is an ops module."""
        module = entry["module"].rsplit(".", 1)[-1]
        cfg = {k: config.deserialize(v) for k, v in entry.get("config", {}).items()}
        name = cfg.pop("name", None)
        return cls(op_name(entry["class_name"]), module, name=name, **cfg)


def is_operation_entry(entry):
    module = entry.get("module") or ""
    return module.startswith(("keras.src.ops.", "lamina.ops.", "keras.ops."))


def record(function, args, kwargs):
    """``function(*args, **kwargs)`` with symbolic tensors among the arguments, as a node."""
    call_names, keyword_names = _parameters(function)
    names = call_names + keyword_names
    if len(args) > len(names):
        raise TypeError(f"ops.{function.__name__}() takes at most {len(names)} positional "
                        f"arguments; received {len(args)}.")
    bound = dict(zip(names, args))
    for key, value in kwargs.items():
        if key not in names or key in bound:
            raise TypeError(f"ops.{function.__name__}() got an unexpected or repeated "
                            f"argument '{key}'.")
        bound[key] = value
    call_args = []
    for key in call_names:
        if key not in bound:
            break
        call_args.append(bound.pop(key))
    if any(isinstance(leaf, SymbolicTensor) for leaf in jax.tree_util.tree_leaves(
            bound, is_leaf=lambda x: isinstance(x, SymbolicTensor))):
        raise NotImplementedError(
            f"ops.{function.__name__}: symbolic tensors among the arguments {sorted(bound)} "
            "cannot be recorded in a functional model; use a Lambda layer for this call.")
    module = function.__module__.rsplit(".", 1)[-1]
    return Operation(function.__name__, module, **bound)(*call_args)


dispatch.symbolic_handler = record
