"""Regularization layers: spatial dropout, Gaussian noise and dropout, alpha dropout, and an
activity penalty.

The random layers act only in training (``fit``, or ``training=True``) and return their input
unchanged otherwise. Each draws from its own :class:`~lamina.random.SeedGenerator`, whose state is
part of the model, so they give fresh noise every step inside compiled training.
"""

import math

import jax.numpy as jnp

from lamina import random, regularizers
from lamina.core.call_context import current_padding_mask
from lamina.layers.dropout import Dropout
from lamina.core.layer import Layer
from lamina.core.input_spec import InputSpec


def _check_rate(cls, name, value):
    if not 0 <= value <= 1:
        raise ValueError(f"{cls}: `{name}` must be a float in [0, 1], received {name}={value!r}.")


class _SpatialDropout(Dropout):
    """Drops whole feature maps: one draw per sample and channel, shared over the other axes."""

    supports_masking = True
    rank = None

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = data_format or "channels_last"
        if self.data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"{type(self).__name__}: `data_format` must be 'channels_last' or "
                             f"'channels_first', received data_format={data_format!r}.")
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        channel = 1 if self.data_format == "channels_first" else inputs.ndim - 1
        noise_shape = tuple(d if axis in (0, channel) else 1 for axis, d in enumerate(inputs.shape))
        return random.dropout(inputs, self.rate, noise_shape, seed=self.seed_generator)


class SpatialDropout1D(_SpatialDropout):
    """Drops entire channels of ``(batch, steps, channels)`` inputs with probability ``rate``.

    >>> out = SpatialDropout1D(0.5, seed=1)(jnp.ones((4, 3, 8)), training=True)
    >>> bool((out == out[:, :1]).all())  # each channel is kept or dropped on every step
    True
    """

    rank = 1

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)


class SpatialDropout2D(_SpatialDropout):
    """Drops entire 2D feature maps (per sample and channel) with probability ``rate``."""

    rank = 2

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, data_format, seed, **kwargs)


class SpatialDropout3D(_SpatialDropout):
    """Drops entire 3D feature maps (per sample and channel) with probability ``rate``."""

    rank = 3

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, data_format, seed, **kwargs)


class GaussianNoise(Layer):
    """Adds zero-mean Gaussian noise of standard deviation ``stddev`` in training.

    >>> GaussianNoise(0.1)(jnp.ones((1, 2))).tolist()
    [[1.0, 1.0]]
    """

    supports_masking = True

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        _check_rate("GaussianNoise", "stddev", stddev)
        self.stddev = stddev
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed, name=f"{self.name}_seed_generator")

    def call(self, inputs, training=False):
        if not training or self.stddev == 0:
            return inputs
        noise = random.normal(inputs.shape, stddev=self.stddev, dtype=inputs.dtype,
                              seed=self.seed_generator)
        return inputs + noise


class GaussianDropout(Layer):
    """Multiplies inputs by noise drawn from ``N(1, rate / (1 - rate))`` in training.

    >>> GaussianDropout(0.2)(jnp.ones((1, 2))).tolist()
    [[1.0, 1.0]]
    """

    supports_masking = True

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        _check_rate("GaussianDropout", "rate", rate)
        self.rate = rate
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed, name=f"{self.name}_seed_generator")

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        noise = random.normal(inputs.shape, mean=1.0, stddev=stddev, dtype=inputs.dtype,
                              seed=self.seed_generator)
        return inputs * noise


class AlphaDropout(Layer):
    """Dropout for SELU networks: dropped units take SELU's negative saturation value and an
    affine correction keeps the mean and variance of the inputs.

    >>> AlphaDropout(0.2)(jnp.ones((1, 2))).tolist()
    [[1.0, 1.0]]
    """

    supports_masking = True
    _ALPHA, _SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        _check_rate("AlphaDropout", "rate", rate)
        self.rate = rate
        self.noise_shape = noise_shape
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed, name=f"{self.name}_seed_generator")

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        shape = inputs.shape if self.noise_shape is None else tuple(
            d if n is None else n for d, n in zip(inputs.shape, self.noise_shape))
        rate, saturation = self.rate, -self._ALPHA * self._SCALE
        kept = (random.uniform(shape, seed=self.seed_generator) >= rate).astype(inputs.dtype)
        a = ((1 - rate) * (1 + rate * saturation ** 2)) ** -0.5
        b = -a * saturation * rate
        return a * (inputs * kept + saturation * (1 - kept)) + b


class ActivityRegularization(Layer):
    """Passes its input through and adds ``(l1 * sum|x| + l2 * sum x**2) / batch_size`` to the
    loss, like a Keras activity regularizer (padded rows of a partial batch are left out).

    >>> layer = ActivityRegularization(l2=0.5)
    >>> layer(jnp.array([[1.0, 2.0], [3.0, 0.0]])).shape, float(layer.losses[0])
    ((2, 2), 3.5)
    """

    supports_masking = True

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(**kwargs)
        self.l1, self.l2 = l1, l2
        self._penalty = regularizers.L1L2(l1=l1, l2=l2)

    def call(self, inputs):
        rows = current_padding_mask()
        if rows is None or inputs.ndim == 0:
            count = inputs.shape[0] if inputs.ndim else 1
            penalty = self._penalty(inputs)
        else:
            rows = jnp.asarray(rows, inputs.dtype)
            count = jnp.sum(rows)
            penalty = self._penalty(inputs * rows.reshape((-1,) + (1,) * (inputs.ndim - 1)))
        self.add_loss(jnp.where(count > 0, penalty / jnp.maximum(count, 1), 0.0))
        return inputs
