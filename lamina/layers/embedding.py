"""Embedding (integer ids to vectors) and Masking: the layers that start a mask.

A mask is a boolean array over the batch and time axes; Sequential hands each layer's
``compute_mask`` result to the next layer's ``mask`` argument.
"""

import warnings

import jax.numpy as jnp

from lamina.core.errors import describe
from lamina.core.layer import Layer


class Embedding(Layer):
    """Maps integer ids in ``[0, input_dim)`` to learned vectors of size ``output_dim``.

    With ``mask_zero=True`` id 0 is padding: :meth:`compute_mask` marks it false, so later
    layers skip it (``input_dim`` must then count the 0). ``input_length`` is accepted and
    ignored, as in Keras 3.

    >>> layer = Embedding(10, 3, mask_zero=True)
    >>> ids = jnp.array([[4, 2, 0]])
    >>> layer(ids).shape, layer.compute_mask(ids).tolist()
    ((1, 3, 3), [[True, True, False]])
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, lora_rank=None, lora_alpha=None, quantization_config=None,
                 **kwargs):
        for name, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"Embedding: `{name}` must be a positive integer, received "
                                 f"{name}={value!r}.")
        if kwargs.pop("input_length", None) is not None:
            warnings.warn("Embedding: argument `input_length` is deprecated; just remove it.")
        if lora_rank is not None or quantization_config is not None:
            raise NotImplementedError("Embedding: LoRA and quantization are not implemented in "
                                      "lamina yet.")
        super().__init__(**kwargs)
        self.input_dim, self.output_dim = input_dim, output_dim
        self.embeddings_initializer = embeddings_initializer
        self.embeddings_regularizer = embeddings_regularizer
        self.embeddings_constraint = embeddings_constraint
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        if weights is not None:
            self.build(None)
            self.built = True
            self.set_weights(weights if isinstance(weights, list) and len(weights) == 1
                             else [weights])

    def build(self, input_shape=None):
        self.embeddings = self.add_weight((self.input_dim, self.output_dim),
                                          self.embeddings_initializer, name="embeddings",
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)

    def call(self, inputs):
        if not jnp.issubdtype(inputs.dtype, jnp.integer):
            inputs = inputs.astype("int32")
        return jnp.take(self.embeddings.value, inputs, axis=0)

    def compute_mask(self, inputs, mask=None):
        """``inputs != 0`` when ``mask_zero``, else ``None``."""
        return jnp.not_equal(inputs, 0) if self.mask_zero else None

    def get_config(self):
        config = super().get_config()
        for key in ("weights", "input_length"):
            config.pop(key, None)
        return config


class Masking(Layer):
    """Masks the time steps whose features all equal ``mask_value`` and sets them to zero.

    >>> x = jnp.array([[[1.0, 2.0], [0.0, 0.0]]])
    >>> layer = Masking()
    >>> layer(x).tolist(), layer.compute_mask(x).tolist()
    ([[[1.0, 2.0], [0.0, 0.0]]], [[True, False]])
    """

    supports_masking = True

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value

    def compute_mask(self, inputs, mask=None):
        """True for the steps with at least one feature different from ``mask_value``."""
        return jnp.any(jnp.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        if inputs.ndim < 2:
            raise ValueError(f"{describe(self)}: expected inputs of rank >= 2 (batch, ..., "
                             f"features), received shape {inputs.shape}.")
        keep = jnp.any(jnp.not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        return jnp.where(keep, inputs, jnp.zeros((), inputs.dtype))
