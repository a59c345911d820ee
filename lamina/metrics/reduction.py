"""Sum, Mean and MeanMetricWrapper: running (weighted) reductions of per-sample values."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.losses import squeeze_or_expand_to_same_rank
from lamina.metrics.metric import Metric


def reduce_to_samplewise_values(values, sample_weight, reduce_fn, dtype):
    """Weights ``values`` and reduces them to one value per sample, as Keras does.

    ``sample_weight`` is matched to ``values`` (a trailing axis of 1 is squeezed or added), the
    values are reduced down to the weight's rank, then the weight is broadcast over them.
    Returns ``(values, weights)``; ``weights`` is ``None`` when no weight was given.
    """
    values = jnp.asarray(values, dtype)
    if sample_weight is not None:
        weight = jnp.asarray(sample_weight, dtype)
        values, weight = squeeze_or_expand_to_same_rank(values, weight)
        if values.ndim > weight.ndim:
            values = reduce_fn(values, axis=tuple(range(weight.ndim, values.ndim)))
        weight = jnp.broadcast_to(weight, values.shape)
        # A zero weight removes the entry even where the value is inf or nan (a padded row).
        values = jnp.where(weight == 0, jnp.zeros((), dtype), values * weight)
        if weight.ndim > 1:
            weight = reduce_fn(weight, axis=tuple(range(1, weight.ndim)))
        sample_weight = weight
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


class Sum(Metric):
    """The running (weighted) sum of the values.

    >>> m = Sum()
    >>> m.update_state([1.0, 3.0, 5.0, 7.0], sample_weight=[1, 1, 0, 0])
    >>> m.result().item()
    4.0
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), name="total")

    def update_state(self, values, sample_weight=None):
        values, _ = reduce_to_samplewise_values(values, sample_weight, jnp.sum, self.dtype)
        self.total.assign(self.total.value + jnp.sum(values))

    def result(self):
        return self.total.value


class Mean(Metric):
    """The running (weighted) mean: ``total / count``, 0 before any update.

    >>> m = Mean()
    >>> m.update_state([1.0, 3.0, 5.0, 7.0], sample_weight=[1, 1, 0, 0])
    >>> m.result().item()
    2.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), name="total")
        self.count = self.add_variable((), name="count")

    def update_state(self, values, sample_weight=None):
        values, weight = reduce_to_samplewise_values(values, sample_weight, jnp.mean, self.dtype)
        if weight is not None:
            count = jnp.sum(weight)
        else:
            count = values.shape[0] if values.ndim else 1
        self.total.assign(self.total.value + jnp.sum(values))
        self.count.assign(self.count.value + jnp.asarray(count, self.dtype))

    def result(self):
        count = self.count.value
        return jnp.where(count == 0, 0.0, self.total.value / jnp.where(count == 0, 1.0, count))


class MeanMetricWrapper(Mean):
    """The running mean of a per-sample function ``fn(y_true, y_pred, **fn_kwargs)``.

    >>> from lamina.losses import mean_absolute_error
    >>> m = MeanMetricWrapper(mean_absolute_error, name="mae")
    >>> m([[1.0], [3.0]], [[0.0], [0.0]]).item()
    2.0
    """

    def __init__(self, fn, name=None, dtype=None, **fn_kwargs):
        if isinstance(fn, dict):  # Keras writes functions as {"class_name": "function", ...}
            fn = fn["config"]
        if isinstance(fn, str):
            from lamina.metrics.lookup import function  # the lookup module imports this one

            fn = function(fn)
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = fn_kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        super().update_state(values, sample_weight=sample_weight)
