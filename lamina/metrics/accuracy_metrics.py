"""Accuracy metrics: per-sample match functions and the running means over them."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.core import config
from lamina.losses import squeeze_or_expand_to_same_rank
from lamina.metrics.reduction import MeanMetricWrapper


def accuracy(y_true, y_pred):
    """1.0 where ``y_true == y_pred`` exactly, else 0.0.

    >>> accuracy([1, 2, 3], [1, 2, 0]).tolist()
    [1.0, 1.0, 0.0]
    """
    y_pred = jnp.asarray(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(jnp.asarray(y_true, y_pred.dtype), y_pred)
    return (y_true == y_pred).astype("float32")


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where ``y_pred > threshold`` agrees with the 0/1 label.

    >>> binary_accuracy([[1], [0]], [[0.7], [0.6]]).tolist()
    [[1.0], [0.0]]
    """
    y_true, y_pred = squeeze_or_expand_to_same_rank(jnp.asarray(y_true), jnp.asarray(y_pred))
    return (y_true == (y_pred > threshold).astype(y_true.dtype)).astype("float32")


def categorical_accuracy(y_true, y_pred):
    """1.0 where the arg-max of one-hot ``y_true`` and of ``y_pred`` agree.

    >>> categorical_accuracy([[0, 1], [1, 0]], [[0.2, 0.8], [0.3, 0.7]]).tolist()
    [1.0, 0.0]
    """
    return (jnp.argmax(jnp.asarray(y_true), -1) == jnp.argmax(jnp.asarray(y_pred), -1)).astype(
        "float32")


def _labels(y_true, y_pred):
    """Integer labels shaped like ``y_pred`` without its class axis."""
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    return y_true


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the integer label equals the arg-max of ``y_pred``.

    >>> sparse_categorical_accuracy([1, 0], [[0.2, 0.8], [0.3, 0.7]]).tolist()
    [1.0, 0.0]
    """
    y_pred = jnp.asarray(y_pred)
    y_true = _labels(jnp.asarray(y_true, y_pred.dtype), y_pred)
    return (y_true == jnp.argmax(y_pred, -1).astype(y_true.dtype)).astype("float32")


def _in_top_k(labels, y_pred, k):
    at_label = jnp.take_along_axis(y_pred, labels[..., None], axis=-1)
    at_label = jnp.where(jnp.isnan(at_label), -jnp.inf, at_label)  # nan is never a top score
    return 1 + jnp.sum(y_pred > at_label, axis=-1) <= k


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot label's class is among the ``k`` highest scores (ties count in)."""
    y_pred = jnp.asarray(y_pred)
    labels = jnp.argmax(jnp.asarray(y_true), -1).astype("int32")
    return _in_top_k(labels, y_pred, k).astype("float32")


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 where the integer label is among the ``k`` highest scores.

    With ``from_sorted_ids``, ``y_pred`` holds class ids sorted by score instead of scores.

    >>> sparse_top_k_categorical_accuracy([2, 0], [[0.1, 0.5, 0.4], [0.1, 0.5, 0.4]], k=2).tolist()
    [1.0, 0.0]
    """
    labels = jnp.asarray(y_true)
    y_pred = jnp.asarray(y_pred).reshape(-1, jnp.shape(y_pred)[-1])
    flat = labels.reshape(-1)  # the result keeps the labels' shape, (batch, 1) included
    if from_sorted_ids:
        matches = jnp.any(flat.astype(y_pred.dtype)[:, None] == y_pred[:, :k], axis=-1)
    else:
        matches = _in_top_k(flat.astype("int32"), y_pred, k)
    return matches.astype("float32").reshape(labels.shape)

FUNCTIONS = [accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
             top_k_categorical_accuracy, sparse_top_k_categorical_accuracy]
for _fn in FUNCTIONS:
    config.register_function(_fn)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly (:func:`accuracy`)."""

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches the 0/1 label (:func:`binary_accuracy`).

    >>> BinaryAccuracy()([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]]).item()
    0.75
    """

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the arg-max matches the one-hot label (:func:`categorical_accuracy`)."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the arg-max matches the integer label (:func:`sparse_categorical_accuracy`)."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label is in the top ``k`` (:func:`top_k_categorical_accuracy`)."""

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the top ``k`` scores.

    See :func:`sparse_top_k_categorical_accuracy`.
    """

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
