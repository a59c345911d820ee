"""Divergences between distributions: Kullback-Leibler and Poisson."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.losses.loss import EPSILON, LossFunctionWrapper


def kl_divergence(y_true, y_pred):
    """``sum(y_true * log(y_true / y_pred), axis=-1)``, both clipped to ``[1e-7, 1]``."""
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.clip(jnp.asarray(y_true, y_pred.dtype), EPSILON, 1)
    y_pred = jnp.clip(y_pred, EPSILON, 1)
    return jnp.sum(y_true * jnp.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    """``mean(y_pred - y_true * log(y_pred + 1e-7), axis=-1)``."""
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true, y_pred.dtype)
    return jnp.mean(y_pred - y_true * jnp.log(y_pred + EPSILON), axis=-1)


FUNCTIONS = [kl_divergence, poisson]


class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence (:func:`kl_divergence`)."""

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, reduction, name, dtype)


class Poisson(LossFunctionWrapper):
    """Poisson negative log-likelihood, up to a constant (:func:`poisson`)."""

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, reduction, name, dtype)
