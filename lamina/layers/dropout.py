"""Dropout: randomly zeroes inputs during training."""

from lamina import random
from lamina.core.layer import Layer


class Dropout(Layer):
    """Sets inputs to 0 with probability ``rate`` in training, scaling the rest by ``1/(1-rate)``.

    In inference (``training=False``, the default outside ``fit``) it returns its input unchanged.
    Its random state is a variable of the model, so it works inside compiled steps with no seed.

    >>> import jax.numpy as jnp
    >>> Dropout(0.5)(jnp.ones((2, 2))).tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """

    supports_masking = True

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(f"Dropout: `rate` must be in [0, 1], received {rate!r}.")
        self.rate = rate
        self.noise_shape = noise_shape
        self.seed_generator = random.SeedGenerator(seed, name=f"{self.name}_seed_generator")

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        return random.dropout(inputs, self.rate, self.noise_shape, seed=self.seed_generator)
