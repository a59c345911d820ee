"""Correlation metrics: running means of per-sample Pearson and concordance correlations."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.losses.loss import EPSILON, pair
from lamina.metrics.reduction import MeanMetricWrapper


def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson correlation of ``y_true`` and ``y_pred`` along ``axis``.

    >>> round(pearson_correlation([[1.0, 2.0, 3.0]], [[2.0, 4.0, 7.0]]).item(), 4)
    0.9934
    """
    y_true, y_pred = pair(y_true, y_pred)
    centered_true = y_true - jnp.mean(y_true, axis=axis, keepdims=True)
    centered_pred = y_pred - jnp.mean(y_pred, axis=axis, keepdims=True)
    centered_true = centered_true / jnp.std(centered_true, axis=axis, keepdims=True)
    centered_pred = centered_pred / jnp.std(centered_pred, axis=axis, keepdims=True)
    return jnp.mean(centered_true * centered_pred, axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation ``2 cov / (var_true + var_pred + (mean diff)^2)``."""
    y_true, y_pred = pair(y_true, y_pred)
    mean_true = jnp.mean(y_true, axis=axis, keepdims=True)
    mean_pred = jnp.mean(y_pred, axis=axis, keepdims=True)
    covariance = jnp.mean((y_true - mean_true) * (y_pred - mean_pred), axis=axis, keepdims=True)
    norm = (jnp.var(y_true, axis=axis, keepdims=True) + jnp.var(y_pred, axis=axis, keepdims=True)
            + jnp.square(mean_true - mean_pred))
    return jnp.squeeze(2 * covariance / (norm + EPSILON), axis=axis)


FUNCTIONS = [pearson_correlation, concordance_correlation]


class PearsonCorrelation(MeanMetricWrapper):
    """Running mean of :func:`pearson_correlation`."""

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(pearson_correlation, name=name, dtype=dtype, axis=axis)


class ConcordanceCorrelation(MeanMetricWrapper):
    """Running mean of :func:`concordance_correlation`."""

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(concordance_correlation, name=name, dtype=dtype, axis=axis)
