"""Cross-entropy losses: binary, categorical (one-hot), sparse (integer labels), generalized."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina.losses.loss import EPSILON, LossFunctionWrapper, squeeze_or_expand_to_same_rank


def binary_crossentropy_of_probs(y_true, probs):
    """Element-wise ``-(y log p + (1 - y) log(1 - p))``, ``p`` clipped to ``[1e-7, 1 - 1e-7]``."""
    p = jnp.clip(probs, EPSILON, 1.0 - EPSILON)
    return -(y_true * jnp.log(p) + (1.0 - y_true) * jnp.log(1.0 - p))


def normalized_probs(y_pred, from_logits, axis):
    """Class probabilities summing to 1 along ``axis``, clipped away from 0 and 1."""
    probs = jax.nn.softmax(y_pred, axis=axis) if from_logits else y_pred
    probs = probs / jnp.sum(probs, axis=axis, keepdims=True)
    return jnp.clip(probs, EPSILON, 1.0 - EPSILON)


def _log_probs(y_pred, from_logits, axis):
    if from_logits:
        return jax.nn.log_softmax(y_pred, axis=axis)
    return jnp.log(normalized_probs(y_pred, False, axis))


def _check_axis(axis):
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be an int, received axis={axis!r}.")


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy, averaged over ``axis``; labels smoothed toward 0.5.

    >>> round(binary_crossentropy([[1.0]], [[0.5]]).item(), 4)
    0.6931
    """
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true, y_pred.dtype)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        bce = -y_true * jax.nn.log_sigmoid(y_pred) - (1.0 - y_true) * jax.nn.log_sigmoid(-y_pred)
    else:
        bce = binary_crossentropy_of_probs(y_true, y_pred)
    return jnp.mean(bce, axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Cross-entropy between one-hot (or soft) labels and class probabilities (or logits)."""
    _check_axis(axis)
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true, y_pred.dtype)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[axis]
    return -jnp.sum(y_true * _log_probs(y_pred, from_logits, axis), axis=axis)


def _int_labels(y_true, y_pred, axis=-1):
    """Integer labels shaped like ``y_pred`` without its class axis."""
    labels = jnp.asarray(y_true)
    if labels.ndim == y_pred.ndim and labels.shape[axis] == 1:
        labels = jnp.squeeze(labels, axis=axis)
    return labels.astype("int32")


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Cross-entropy with integer labels; entries labelled ``ignore_class`` give 0.

    >>> round(sparse_categorical_crossentropy([1], [[0.5, 0.5]]).item(), 4)
    0.6931
    """
    y_pred = jnp.asarray(y_pred)
    labels = _int_labels(y_true, y_pred, axis)
    if ignore_class is not None:
        valid = labels != ignore_class
        labels = jnp.where(valid, labels, 0)
    one_hot = jax.nn.one_hot(labels, y_pred.shape[axis], axis=axis, dtype=y_pred.dtype)
    loss = -jnp.sum(one_hot * _log_probs(y_pred, from_logits, axis), axis=axis)
    return loss if ignore_class is None else jnp.where(valid, loss, 0.0)


def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """Generalized cross-entropy ``(1 - p ** q) / q``, ``p`` the probability of the true class.

    Integer labels; ``q`` near 0 behaves like cross-entropy, near 1 like mean absolute error.

    >>> categorical_generalized_cross_entropy([1], [[0.75, 0.25]], q=0.5).tolist()
    [1.0]
    """
    y_pred = jnp.asarray(y_pred)
    one_hot = jax.nn.one_hot(_int_labels(y_true, y_pred), y_pred.shape[-1], dtype=y_pred.dtype)
    p = jnp.sum(y_pred * one_hot, axis=-1)
    return (1.0 - jnp.power(p, q)) / q


FUNCTIONS = [binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy,
             categorical_generalized_cross_entropy]


class BinaryCrossentropy(LossFunctionWrapper):
    """Binary cross-entropy (:func:`binary_crossentropy`) for 0/1 labels."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, reduction, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy for one-hot labels (:func:`categorical_crossentropy`)."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, reduction, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy for integer labels (:func:`sparse_categorical_crossentropy`).

    Entries labelled ``ignore_class`` are left out, and out of the mean's denominator too.

    >>> loss = SparseCategoricalCrossentropy(ignore_class=-1)
    >>> round(loss([1, -1], [[0.5, 0.5], [0.9, 0.1]]).item(), 4)
    0.6931
    """

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 axis=-1, name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, reduction, name, dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)
        self.ignore_class = ignore_class

    def _output_mask(self, y_true, y_pred, values):
        if self.ignore_class is None:
            return None
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return _int_labels(y_true, y_pred, self._fn_kwargs["axis"]) != self.ignore_class


class CategoricalGeneralizedCrossEntropy(LossFunctionWrapper):
    """Noise-robust cross-entropy for integer labels.

    See :func:`categorical_generalized_cross_entropy`.
    """

    def __init__(self, q=0.5, reduction="sum_over_batch_size",
                 name="categorical_generalized_cross_entropy", dtype=None):
        if not 0 < q < 1:
            raise ValueError(f"CategoricalGeneralizedCrossEntropy: `q` must be in the interval "
                             f"(0, 1), received q={q!r}.")
        super().__init__(categorical_generalized_cross_entropy, reduction, name, dtype, q=q)
