"""Merge layers: combine a list of tensors (Add, Concatenate, Dot, ...), and their functions."""

from __future__ import annotations

import functools

import jax.numpy as jnp

from lamina.core.errors import IncompatibleInputError
from lamina.core.layer import Layer


class Merge(Layer):
    """Base of the element-wise merges: ``call`` reduces the list of inputs with ``_merge``."""

    supports_masking = True
    _min_inputs = 2

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or not input_shape or \
                not isinstance(input_shape[0], (list, tuple)):
            raise ValueError(f"{type(self).__name__} '{self.name}': expected a list of at least "
                             f"{self._min_inputs} inputs, received input shape {input_shape}.")
        if len(input_shape) < self._min_inputs:
            raise ValueError(f"{type(self).__name__} '{self.name}': expected at least "
                             f"{self._min_inputs} inputs, received {len(input_shape)}.")
        self._check_shapes(input_shape)

    def _check_shapes(self, shapes):
        try:
            functools.reduce(lambda a, b: jnp.broadcast_shapes(a, b),
                             [tuple(1 if d is None else d for d in s[1:]) for s in shapes])
        except ValueError:
            raise IncompatibleInputError(self, "inputs whose shapes broadcast together",
                                         f"shapes {[tuple(s) for s in shapes]}") from None

    def call(self, inputs):
        return functools.reduce(self._merge, inputs)

    def compute_mask(self, inputs, previous_mask=None):
        if previous_mask is None or not isinstance(previous_mask, (list, tuple)):
            return previous_mask
        masks = [m for m in previous_mask if m is not None]
        return functools.reduce(jnp.logical_and, masks) if masks else None


class Add(Merge):
    """Sums its inputs element-wise: ``Add()([a, b])``.

    >>> Add()([jnp.ones((2, 3)), jnp.ones((2, 3))]).tolist()[0]
    [2.0, 2.0, 2.0]
    """

    def _merge(self, a, b):
        return a + b


class Subtract(Merge):
    """``a - b`` for exactly two inputs.

    >>> Subtract()([jnp.ones((1, 2)), jnp.ones((1, 2))]).tolist()
    [[0.0, 0.0]]
    """

    def build(self, input_shape):
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError(f"Subtract '{self.name}': expected exactly 2 inputs, received "
                             f"{len(input_shape)}.")

    def _merge(self, a, b):
        return a - b


class Multiply(Merge):
    """Element-wise product of its inputs."""

    def _merge(self, a, b):
        return a * b


class Maximum(Merge):
    """Element-wise maximum of its inputs."""

    def _merge(self, a, b):
        return jnp.maximum(a, b)


class Minimum(Merge):
    """Element-wise minimum of its inputs."""

    def _merge(self, a, b):
        return jnp.minimum(a, b)


class Average(Merge):
    """Element-wise mean of its inputs.

    >>> Average()([jnp.zeros((1, 2)), jnp.ones((1, 2))]).tolist()
    [[0.5, 0.5]]
    """

    def call(self, inputs):
        return functools.reduce(lambda a, b: a + b, inputs) / len(inputs)


class Concatenate(Merge):
    """Joins its inputs along ``axis`` (all other axes must match).

    >>> Concatenate()([jnp.ones((2, 3)), jnp.ones((2, 4))]).shape
    (2, 7)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def _check_shapes(self, shapes):
        rank = len(shapes[0])
        axis = self.axis % rank
        for shape in shapes[1:]:
            if len(shape) != rank or any(
                    a is not None and b is not None and a != b
                    for i, (a, b) in enumerate(zip(shapes[0], shape)) if i != axis and i != 0):
                raise IncompatibleInputError(
                    self, f"inputs with matching shapes except on the concatenation axis "
                    f"({self.axis})", f"shapes {[tuple(s) for s in shapes]}")

    def call(self, inputs):
        return jnp.concatenate(inputs, axis=self.axis)

    def compute_mask(self, inputs, previous_mask=None):
        if previous_mask is None or all(m is None for m in previous_mask):
            return None
        masks = [jnp.ones(x.shape[:-1], bool) if m is None else m
                 for x, m in zip(inputs, previous_mask)]
        if self.axis in (-1, len(inputs[0].shape) - 1):
            return functools.reduce(jnp.logical_and, masks)
        return jnp.concatenate(masks, axis=self.axis)


class Dot(Merge):
    """Dot product of two inputs along ``axes`` (cosine similarity with ``normalize=True``).

    >>> Dot(axes=1)([jnp.ones((2, 3)), jnp.ones((2, 3))]).tolist()
    [[3.0], [3.0]]
    """

    supports_masking = False

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        self.axes = axes
        self.normalize = normalize

    def _axes(self, a, b):
        axes = self.axes if isinstance(self.axes, (list, tuple)) else [self.axes, self.axes]
        return [axis % x.ndim for axis, x in zip(axes, (a, b))]

    def _check_shapes(self, shapes):
        if len(shapes) != 2:
            raise ValueError(f"Dot '{self.name}': expected exactly 2 inputs, received {len(shapes)}.")
        a, b = shapes
        axes = self.axes if isinstance(self.axes, (list, tuple)) else [self.axes, self.axes]
        da, db = a[axes[0]], b[axes[1]]
        if da is not None and db is not None and da != db:
            raise IncompatibleInputError(self, f"equal sizes on the dot axes {tuple(axes)}",
                                         f"{da} and {db} (shapes {tuple(a)} and {tuple(b)})")

    def call(self, inputs):
        a, b = inputs
        axis_a, axis_b = self._axes(a, b)
        if self.normalize:
            a = a / jnp.maximum(jnp.linalg.norm(a, axis=axis_a, keepdims=True), 1e-12)
            b = b / jnp.maximum(jnp.linalg.norm(b, axis=axis_b, keepdims=True), 1e-12)
        # einsum labels: 0 is the batch axis; b's dot axis shares the label of a's.
        labels_a = list(range(a.ndim))
        labels_b = [0] + [100 + i for i in range(1, b.ndim)]
        labels_b[axis_b] = labels_a[axis_a]
        out_labels = [0] + [l for i, l in enumerate(labels_a) if i not in (0, axis_a)] + [
            l for i, l in enumerate(labels_b) if i not in (0, axis_b)]
        out = jnp.einsum(a, labels_a, b, labels_b, out_labels)
        return out[:, None] if out.ndim == 1 else out


def _function(cls):
    def merge(inputs, **kwargs):
        return cls(**kwargs)(inputs)
    merge.__name__ = cls.__name__.lower()
    merge.__doc__ = f"Functional form of :class:`{cls.__name__}`: ``{merge.__name__}([a, b])``."
    return merge


add, subtract, multiply, average, maximum, minimum, concatenate = (
    _function(c) for c in (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate))


def dot(inputs, axes=-1, **kwargs):
    """Functional form of :class:`Dot`."""
    return Dot(axes=axes, **kwargs)(inputs)
