"""Activation: applies an activation function as a layer."""

from lamina import activations
from lamina.core.layer import Layer


class Activation(Layer):
    """Applies ``activation`` (a name such as ``"relu"`` or a function) to its input.

    >>> import jax.numpy as jnp
    >>> Activation("relu")(jnp.array([[-1.0, 2.0]])).tolist()
    [[0.0, 2.0]]
    """

    supports_masking = True

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)
