"""Activation layers with arguments: ReLU, LeakyReLU, PReLU (learned slopes), ELU, Softmax.

For a plain named activation use :class:`~lamina.layers.Activation`. All of these pass masks
through; ``Softmax`` also uses one.
"""

import warnings

import jax
import jax.numpy as jnp

from lamina import activations
from lamina.core.errors import describe
from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer


class ReLU(Layer):
    """``x`` above ``threshold`` (capped at ``max_value``), ``negative_slope * (x - threshold)``
    below it.

    >>> ReLU(max_value=6.0)(jnp.array([-1.0, 3.0, 8.0])).tolist()
    [0.0, 3.0, 6.0]
    """

    supports_masking = True

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        for name, value in (("max_value", max_value), ("negative_slope", negative_slope),
                            ("threshold", threshold)):
            if (value is None and name != "max_value") or (value is not None and value < 0):
                raise ValueError(f"ReLU: `{name}` must be a non-negative number, received "
                                 f"{name}={value!r}.")
        self.max_value, self.negative_slope, self.threshold = max_value, negative_slope, threshold

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope,
                                max_value=self.max_value, threshold=self.threshold)


class LeakyReLU(Layer):
    """``x`` for positive inputs, ``negative_slope * x`` otherwise (Keras 3 default: 0.3).

    >>> LeakyReLU()(jnp.array([-1.0, 2.0])).tolist()
    [-0.30000001192092896, 2.0]
    """

    supports_masking = True

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            warnings.warn("LeakyReLU: argument `alpha` is deprecated; use `negative_slope`.")
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError("LeakyReLU: `negative_slope` must be a non-negative number, "
                             f"received negative_slope={negative_slope!r}.")
        self.negative_slope = negative_slope

    def call(self, inputs):
        return activations.leaky_relu(inputs, negative_slope=self.negative_slope)

    def get_config(self):
        config = super().get_config()
        config.pop("alpha", None)
        return {**config, "negative_slope": self.negative_slope}


class PReLU(Layer):
    """Leaky ReLU with learned slopes: ``max(x, 0) - alpha * max(-x, 0)``.

    ``alpha`` has the input's shape without the batch axis; ``shared_axes`` (numbered from 1)
    share one slope along those axes, e.g. ``[1, 2]`` for one slope per channel of an image.

    >>> layer = PReLU(alpha_initializer="ones", shared_axes=[1])
    >>> layer(jnp.array([[[-2.0, 3.0]]])).tolist(), layer.alpha.shape
    ([[[-2.0, 3.0]]], (1, 2))
    """

    supports_masking = True

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = alpha_initializer
        self.alpha_regularizer = alpha_regularizer
        self.alpha_constraint = alpha_constraint
        self.shared_axes = None if shared_axes is None else (
            list(shared_axes) if isinstance(shared_axes, (list, tuple)) else [shared_axes])

    def build(self, input_shape):
        shared = set(self.shared_axes or ())
        if not shared <= set(range(1, len(input_shape))):
            raise ValueError(f"{describe(self)}: `shared_axes` {self.shared_axes} must name axes "
                             f"1..{len(input_shape) - 1} of inputs of shape {input_shape}.")
        shape = tuple(1 if axis in shared else d for axis, d in enumerate(input_shape) if axis)
        if None in shape:
            raise ValueError(f"{describe(self)}: every axis not in `shared_axes` must have a "
                             f"known size; received input shape {input_shape}.")
        self.alpha = self.add_weight(shape, self.alpha_initializer, name="alpha",
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        self.input_spec = InputSpec(ndim=len(input_shape), axes={
            axis: d for axis, d in enumerate(input_shape) if axis and axis not in shared})

    def call(self, inputs):
        return jax.nn.relu(inputs) - self.alpha.value * jax.nn.relu(-inputs)


class ELU(Layer):
    """``x`` for positive inputs, ``alpha * (exp(x) - 1)`` otherwise.

    >>> ELU()(jnp.array([0.0, 2.0])).tolist()
    [0.0, 2.0]
    """

    supports_masking = True

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha

    def call(self, inputs):
        return activations.elu(inputs, alpha=self.alpha)


class Softmax(Layer):
    """Softmax over ``axis`` (an int or a tuple of ints).

    With a ``mask`` (broadcastable to the inputs; true = keep), masked positions get
    probability 0 and the rest sum to one.

    >>> Softmax()(jnp.zeros((1, 4)), mask=jnp.array([[True, True, False, False]])).tolist()
    [[0.5, 0.5, 0.0, 0.0]]
    """

    supports_masking = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs, mask=None):
        if mask is not None:
            mask = jnp.asarray(mask)
            if mask.ndim > inputs.ndim or any(
                    m not in (1, i) for m, i in zip(mask.shape[::-1], inputs.shape[::-1])):
                raise ValueError(f"{describe(self)}: the mask must broadcast to the inputs; "
                                 f"received inputs.shape={inputs.shape}, mask.shape={mask.shape}.")
            if mask.dtype != jnp.bool_:
                mask = mask > 0.5
            large_negative = -3e4 if inputs.dtype == jnp.float16 else -1e9
            inputs = jnp.where(mask, inputs, jnp.asarray(large_negative, inputs.dtype))
        axis = tuple(self.axis) if isinstance(self.axis, (list, tuple)) else self.axis
        outputs = jax.nn.softmax(inputs, axis=axis)
        if mask is not None:
            outputs = jnp.where(mask, outputs, jnp.zeros((), outputs.dtype))
        return outputs
