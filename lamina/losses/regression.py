"""Regression losses: squared, absolute, percentage, logarithmic, Huber, log-cosh, cosine."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina.losses.loss import EPSILON, LossFunctionWrapper, pair


def mean_squared_error(y_true, y_pred):
    """``mean(square(y_true - y_pred), axis=-1)``.

    >>> mean_squared_error([[0.0, 1.0]], [[1.0, 1.0]]).tolist()
    [0.5]
    """
    y_true, y_pred = pair(y_true, y_pred)
    return jnp.mean(jnp.square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """``mean(abs(y_true - y_pred), axis=-1)``."""
    y_true, y_pred = pair(y_true, y_pred)
    return jnp.mean(jnp.abs(y_true - y_pred), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """``100 * mean(abs((y_true - y_pred) / max(abs(y_true), 1e-7)), axis=-1)``."""
    y_true, y_pred = pair(y_true, y_pred)
    return 100.0 * jnp.mean(jnp.abs((y_true - y_pred) / jnp.maximum(jnp.abs(y_true), EPSILON)), -1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """``mean(square(log1p(y_pred) - log1p(y_true)), axis=-1)``, inputs floored at 1e-7."""
    y_true, y_pred = pair(y_true, y_pred)
    diff = jnp.log(jnp.maximum(y_pred, EPSILON) + 1.0) - jnp.log(jnp.maximum(y_true, EPSILON) + 1.0)
    return jnp.mean(jnp.square(diff), axis=-1)


def huber(y_true, y_pred, delta=1.0):
    """Squared error below ``delta``, linear above it, averaged over the last axis."""
    y_true, y_pred = pair(y_true, y_pred)
    error = jnp.abs(y_pred - y_true)
    delta = jnp.asarray(delta, y_pred.dtype)
    loss = jnp.where(error <= delta, 0.5 * error**2, delta * error - 0.5 * delta**2)
    return jnp.mean(loss, axis=-1)


def log_cosh(y_true, y_pred):
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``, computed without overflow."""
    y_true, y_pred = pair(y_true, y_pred)
    x = y_pred - y_true
    return jnp.mean(x + jax.nn.softplus(-2.0 * x) - jnp.log(2.0).astype(x.dtype), axis=-1)


def l2_normalize(x, axis=-1):
    """``x`` divided by its L2 norm along ``axis`` (zero vectors stay zero)."""
    inv_norm = jnp.minimum(jax.lax.rsqrt(jnp.sum(x * x, axis=axis, keepdims=True)), 1.0 / EPSILON)
    return x * inv_norm


def cosine_similarity(y_true, y_pred, axis=-1):
    """Negative cosine similarity along ``axis``: -1 for parallel vectors, 0 if either is zero.

    >>> cosine_similarity([[1.0, 0.0]], [[2.0, 0.0]]).tolist()
    [-1.0]
    """
    y_true, y_pred = pair(y_true, y_pred)
    return -jnp.sum(l2_normalize(y_true, axis) * l2_normalize(y_pred, axis), axis=axis)


FUNCTIONS = [mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
             mean_squared_logarithmic_error, huber, log_cosh, cosine_similarity]


class MeanSquaredError(LossFunctionWrapper):
    """Mean of squared errors (:func:`mean_squared_error`), reduced over the batch."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, reduction, name, dtype)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute errors (:func:`mean_absolute_error`)."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, reduction, name, dtype)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """Mean absolute percentage error (:func:`mean_absolute_percentage_error`)."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error",
                 dtype=None):
        super().__init__(mean_absolute_percentage_error, reduction, name, dtype)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """Mean squared logarithmic error (:func:`mean_squared_logarithmic_error`)."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error",
                 dtype=None):
        super().__init__(mean_squared_logarithmic_error, reduction, name, dtype)


class Huber(LossFunctionWrapper):
    """Huber loss (:func:`huber`): quadratic below ``delta``, linear above."""

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(huber, reduction, name, dtype, delta=delta)


class LogCosh(LossFunctionWrapper):
    """Log of the hyperbolic cosine of the error (:func:`log_cosh`)."""

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, reduction, name, dtype)


class CosineSimilarity(LossFunctionWrapper):
    """Negative cosine similarity along ``axis`` (:func:`cosine_similarity`)."""

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(cosine_similarity, reduction, name, dtype, axis=axis)
