"""Focal cross-entropies (Lin et al., 2018): cross-entropy scaled down on easy examples."""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp

from lamina.losses.crossentropy import _check_axis, binary_crossentropy_of_probs, normalized_probs
from lamina.losses.loss import LossFunctionWrapper


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy times ``(1 - p_t) ** gamma``, averaged over ``axis``.

    ``p_t`` is the probability given to the true class. With ``apply_class_balancing``, class 1
    is weighted by ``alpha`` and class 0 by ``1 - alpha``. ``gamma=0`` gives plain cross-entropy.

    >>> [round(v, 3) for v in binary_focal_crossentropy([[0, 1], [0, 0]],
    ...                                                 [[0.6, 0.4], [0.4, 0.6]]).tolist()]
    [0.33, 0.206]
    """
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true, y_pred.dtype)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    probs = jax.nn.sigmoid(y_pred) if from_logits else y_pred
    bce = binary_crossentropy_of_probs(y_true, probs)
    p_t = y_true * probs + (1.0 - y_true) * (1.0 - probs)
    focal = jnp.power(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal
    return jnp.mean(focal, axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """``sum(alpha * (1 - p) ** gamma * -y_true * log(p), axis)`` over one-hot labels.

    ``alpha`` is a number or one weight per class.

    >>> [round(v, 4) for v in categorical_focal_crossentropy(
    ...     [[0, 1, 0], [0, 0, 1]], [[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]]).tolist()]
    [0.0003, 0.6759]
    """
    _check_axis(axis)
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true, y_pred.dtype)
    if y_pred.shape[-1] == 1:
        warnings.warn("categorical_focal_crossentropy expects y_pred of shape (batch, classes) "
                      f"with more than one class, received shape {y_pred.shape}; use "
                      "binary_focal_crossentropy for two classes.", SyntaxWarning, stacklevel=2)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]
    probs = normalized_probs(y_pred, from_logits, axis)
    alpha = jnp.asarray(alpha, y_pred.dtype)
    focal = alpha * jnp.power(1.0 - probs, gamma) * (-y_true * jnp.log(probs))
    return jnp.sum(focal, axis=axis)


FUNCTIONS = [binary_focal_crossentropy, categorical_focal_crossentropy]


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Focal binary cross-entropy (:func:`binary_focal_crossentropy`)."""

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(binary_focal_crossentropy, reduction, name, dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Focal categorical cross-entropy (:func:`categorical_focal_crossentropy`)."""

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy",
                 dtype=None):
        super().__init__(categorical_focal_crossentropy, reduction, name, dtype, alpha=alpha,
                         gamma=gamma, from_logits=from_logits, label_smoothing=label_smoothing,
                         axis=axis)
