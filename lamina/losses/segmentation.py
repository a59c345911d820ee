"""Overlap losses for segmentation masks: Dice and its weighted form, Tversky."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.losses.loss import EPSILON, LossFunctionWrapper


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def dice(y_true, y_pred, axis=None):
    """``1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred))``, summed over ``axis``.

    ``axis=None`` sums over everything (one number for the batch); ``axis=(1, 2, 3)`` gives one
    value per sample.

    >>> round(dice([[1.0, 1.0], [0.0, 0.0]], [[0.0, 1.0], [0.0, 1.0]]).item(), 4)
    0.5
    """
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true, y_pred.dtype)
    axis = _axis(axis)
    overlap = jnp.sum(y_true * y_pred, axis=axis)
    total = jnp.sum(y_true, axis=axis) + jnp.sum(y_pred, axis=axis)
    return 1.0 - 2.0 * overlap / (total + EPSILON)


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """``1 - TP / (TP + alpha * FP + beta * FN)`` with soft counts summed over ``axis``.

    Following Keras, ``alpha`` weights ``sum((1 - y_pred) * y_true)`` and ``beta`` weights
    ``sum(y_pred * (1 - y_true))``. ``alpha = beta = 0.5`` gives :func:`dice`.
    """
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true, y_pred.dtype)
    axis = _axis(axis)
    overlap = jnp.sum(y_true * y_pred, axis=axis)
    missed = jnp.sum((1.0 - y_pred) * y_true, axis=axis)
    extra = jnp.sum(y_pred * (1.0 - y_true), axis=axis)
    return 1.0 - overlap / (overlap + alpha * missed + beta * extra + EPSILON)


FUNCTIONS = [dice, tversky]


class _Overlap(LossFunctionWrapper):
    """Sums can span the batch (``axis=None``), so padding rows are zeroed before summing."""

    def _call_masked(self, y_true, y_pred, mask):
        keep = mask.reshape(mask.shape + (1,) * (y_pred.ndim - mask.ndim))
        return self.call(jnp.where(keep, y_true, 0.0), jnp.where(keep, y_pred, 0.0))


class Dice(_Overlap):
    """Dice loss (:func:`dice`) over the axes ``axis`` (``None``: all of them)."""

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(dice, reduction, name, dtype, axis=axis)


class Tversky(_Overlap):
    """Tversky loss (:func:`tversky`): Dice with separate weights on the two kinds of error."""

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky",
                 axis=None, dtype=None):
        super().__init__(tversky, reduction, name, dtype, alpha=alpha, beta=beta, axis=axis)
