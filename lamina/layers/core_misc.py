"""Identity, and Lambda: a Python function used as a layer.

A Lambda's config stores a named function by name and a Python ``lambda`` as marshalled
bytecode in Keras's ``"__lambda__"`` form. Loading bytecode runs arbitrary code, so
:meth:`Lambda.from_config` refuses it unless called with ``safe_mode=False``.
"""

import base64
import builtins
import inspect
import marshal
import types

from lamina.core import config
from lamina.core.errors import describe
from lamina.core.layer import Layer


class Identity(Layer):
    """Returns its input unchanged (and passes its mask through).

    >>> import jax.numpy as jnp
    >>> Identity()(jnp.ones((1, 2))).tolist()
    [[1.0, 1.0]]
    """

    supports_masking = True

    def call(self, inputs):
        return inputs


def _dump_function(fn, argument):
    """A named function as Keras's ``{"class_name": "function", ...}``; a lambda as bytecode."""
    if isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>":
        closure = None if fn.__closure__ is None else [c.cell_contents for c in fn.__closure__]
        return {"class_name": "__lambda__", "config": {
            "code": base64.b64encode(marshal.dumps(fn.__code__)).decode("ascii"),
            "defaults": config.serialize(fn.__defaults__, f"{argument} defaults"),
            "closure": config.serialize(closure, f"{argument} closure")}}
    if callable(fn) and getattr(fn, "__name__", None):
        return {"module": "builtins", "class_name": "function", "config": fn.__name__,
                "registered_name": "function"}
    raise TypeError(f"Lambda: cannot serialize `{argument}` {fn!r}; pass a function.")


def _load_function(value, argument, custom_objects, safe_mode):
    if isinstance(value, str):
        value = {"class_name": "function", "config": value}
    if not isinstance(value, dict) or "class_name" not in value:
        return value
    if value["class_name"] == "__lambda__":
        if safe_mode is not False:
            raise ValueError(
                f"Lambda.from_config: `{argument}` is a Python lambda stored as bytecode. Loading "
                "it can run arbitrary code, so it is refused by default. If you trust the source, "
                "pass `safe_mode=False`.")
        spec = value["config"]
        code = marshal.loads(base64.b64decode(spec["code"]))
        closure = spec.get("closure")
        cells = None if closure is None else tuple(types.CellType(v) for v in closure)
        defaults = spec.get("defaults")
        return types.FunctionType(code, {"__builtins__": builtins}, code.co_name,
                                  None if defaults is None else tuple(defaults), cells)
    name = value["config"]
    fn = (custom_objects or {}).get(name) or config.lookup_function(name)
    if fn is None:
        raise ValueError(f"Lambda.from_config: unknown function '{name}' for `{argument}`. Pass it "
                         "in `custom_objects` or register it with "
                         "`lamina.saving.register_keras_serializable()`.")
    return fn


class Lambda(Layer):
    """Wraps ``function(inputs, **arguments)`` as a layer (it also receives ``mask`` and
    ``training`` if its signature names them).

    Args:
        function: the function to apply.
        output_shape: the output shape without the batch axis, or a function of the input
            shape; only needed where the shape cannot be inferred by running ``function``.
        mask: the output mask, or a function ``(inputs, mask) -> mask``.
        arguments: extra keyword arguments for ``function``.

    >>> import jax.numpy as jnp
    >>> Lambda(lambda x, power: x ** power, arguments={"power": 2})(jnp.array([[3.0]])).tolist()
    [[9.0]]
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: `function` must be callable, received {function!r}.")
        self.function = function
        self._output_shape = output_shape
        self.mask = mask
        self.arguments = dict(arguments or {})
        self.supports_masking = mask is not None
        params = inspect.signature(function).parameters
        self._fn_wants = {name for name in ("mask", "training") if name in params}

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if "mask" in self._fn_wants:
            kwargs["mask"] = mask
        if "training" in self._fn_wants:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        return self.mask(inputs, mask) if callable(self.mask) else self.mask

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        return (input_shape[0],) + tuple(self._output_shape)

    def get_config(self):
        """Functions are stored by name; a Python lambda as bytecode (see the module doc)."""
        base = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        try:
            cfg = {"function": _dump_function(self.function, "function")}
            if self._output_shape is not None:
                cfg["output_shape"] = (_dump_function(self._output_shape, "output_shape")
                                       if callable(self._output_shape)
                                       else list(self._output_shape))
            if self.mask is not None:
                cfg["mask"] = (_dump_function(self.mask, "mask") if callable(self.mask)
                               else config.serialize(self.mask, "mask"))
            cfg["arguments"] = config.serialize(self.arguments, "arguments")
        except TypeError as error:
            raise TypeError(f"{describe(self)} cannot be serialized: {error}") from error
        return {**base, **cfg}

    @classmethod
    def from_config(cls, cfg, custom_objects=None, safe_mode=None):
        """Rebuilds the layer; Python-lambda bytecode needs ``safe_mode=False``."""
        cfg = dict(cfg)
        cfg["function"] = _load_function(cfg["function"], "function", custom_objects, safe_mode)
        output_shape = cfg.get("output_shape")
        if isinstance(output_shape, (dict, str)):
            cfg["output_shape"] = _load_function(output_shape, "output_shape", custom_objects,
                                                 safe_mode)
        elif output_shape is not None:
            cfg["output_shape"] = tuple(output_shape)
        if isinstance(cfg.get("mask"), dict) and cfg["mask"].get("class_name") in (
                "__lambda__", "function"):
            cfg["mask"] = _load_function(cfg["mask"], "mask", custom_objects, safe_mode)
        cfg["arguments"] = config.deserialize(cfg.get("arguments") or {})
        if isinstance(cfg.get("dtype"), dict):
            cfg["dtype"] = cfg["dtype"].get("config", {}).get("name")
        return cls(**cfg)
