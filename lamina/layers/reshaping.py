"""Reshaping layers that rearrange each sample: Reshape, Permute, RepeatVector.

The batch axis is never touched. Cropping, padding and up-sampling live in ``resampling.py``.
"""

import math

import jax.numpy as jnp

from lamina.core.errors import describe
from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer


class Reshape(Layer):
    """Reshapes each sample to ``target_shape`` (one entry may be ``-1``, inferred).

    >>> Reshape((3, -1))(jnp.ones((2, 12))).shape
    (2, 3, 4)
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        target_shape = tuple(target_shape)
        if any(not isinstance(d, int) or d < -1 for d in target_shape) or \
                target_shape.count(-1) > 1:
            raise ValueError("Reshape: each entry of `target_shape` must be a non-negative "
                             "integer, with at most one -1 for an inferred size; received "
                             f"target_shape={target_shape}.")
        self.target_shape = target_shape

    def _resolved(self, sample_shape):
        """``target_shape`` with the ``-1`` filled in, checked against the sample size."""
        if not all(isinstance(d, int) for d in sample_shape):
            return self.target_shape  # unknown sizes: let the reshape infer the -1
        size, known = math.prod(sample_shape), math.prod(d for d in self.target_shape if d != -1)
        if -1 in self.target_shape and known and size % known == 0:
            return tuple(size // known if d == -1 else d for d in self.target_shape)
        if -1 not in self.target_shape and size == known:
            return self.target_shape
        raise ValueError(f"{describe(self)}: cannot reshape samples of shape {tuple(sample_shape)} "
                         f"({size} values) to target_shape={self.target_shape}.")

    def call(self, inputs):
        return jnp.reshape(inputs, (inputs.shape[0],) + self._resolved(inputs.shape[1:]))


class Permute(Layer):
    """Permutes the non-batch axes; ``dims`` numbers them from 1.

    >>> Permute((2, 1))(jnp.ones((5, 3, 4))).shape
    (5, 4, 3)
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError("Permute: `dims` must be a permutation of 1..n (the batch axis 0 "
                             f"stays in place); received dims={dims!r}.")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs):
        return jnp.transpose(inputs, (0,) + self.dims)


class RepeatVector(Layer):
    """Repeats a ``(batch, features)`` input ``n`` times: ``(batch, n, features)``.

    >>> RepeatVector(3)(jnp.ones((2, 4))).shape
    (2, 3, 4)
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError(f"RepeatVector: `n` must be an integer, received {n!r}.")
        if n <= 0:
            raise ValueError(f"RepeatVector: `n` must be a positive integer, received n={n}.")
        self.n = n
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return jnp.repeat(inputs[:, None, :], self.n, axis=1)
