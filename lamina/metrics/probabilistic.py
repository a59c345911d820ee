"""Running means of the probabilistic losses: KL divergence, Poisson, cross-entropies."""

from __future__ import annotations

import jax.numpy as jnp

from lamina import losses
from lamina.metrics.reduction import MeanMetricWrapper


class KLDivergence(MeanMetricWrapper):
    """Running mean of :func:`lamina.losses.kl_divergence`."""

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(losses.kl_divergence, name=name, dtype=dtype)


class Poisson(MeanMetricWrapper):
    """Running mean of :func:`lamina.losses.poisson`."""

    def __init__(self, name="poisson", dtype=None):
        super().__init__(losses.poisson, name=name, dtype=dtype)


class BinaryCrossentropy(MeanMetricWrapper):
    """Running mean of :func:`lamina.losses.binary_crossentropy`."""

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        super().__init__(losses.binary_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing)


class CategoricalCrossentropy(MeanMetricWrapper):
    """Running mean of :func:`lamina.losses.categorical_crossentropy`."""

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(losses.categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """Running mean of :func:`lamina.losses.sparse_categorical_crossentropy`.

    As in Keras, entries labelled ``ignore_class`` count as 0 in the mean, or leave it when a
    ``sample_weight`` is given.
    """

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 ignore_class=None, axis=-1):
        super().__init__(losses.sparse_categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)
        self.ignore_class = ignore_class

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self.ignore_class is not None and sample_weight is not None:
            labels = jnp.asarray(y_true)
            if labels.ndim == jnp.ndim(y_pred):
                labels = jnp.squeeze(labels, axis=self._fn_kwargs["axis"])
            valid = (labels.astype("int32") != self.ignore_class).astype(self.dtype)
            weight = jnp.asarray(sample_weight, self.dtype)
            sample_weight = weight * valid.reshape(valid.shape + (1,) * (weight.ndim - valid.ndim))
        super().update_state(y_true, y_pred, sample_weight=sample_weight)
