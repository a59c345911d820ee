"""R2Score: the coefficient of determination, from running sums per output column."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.core.call_context import current_padding_mask
from lamina.losses import squeeze_or_expand_to_same_rank
from lamina.metrics.metric import Metric

_AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")


def _valid_size(y_true):
    """``y_true.size``, without the rows the trainer added to pad a partial batch."""
    mask = current_padding_mask()
    if mask is None or mask.shape[0] != y_true.shape[0]:
        return y_true.size
    return jnp.sum(mask) * (y_true.size // y_true.shape[0])


class R2Score(Metric):
    """``1 - sum((y - y_pred)^2) / sum((y - mean(y))^2)`` per output column, aggregated.

    ``class_aggregation``: ``"uniform_average"`` (mean over columns),
    ``"variance_weighted_average"`` (weighted by each column's variance) or ``None`` (one score
    per column). With
    ``num_regressors = p > 0`` the score is adjusted for ``n`` samples:
    ``1 - (1 - R2) (n - 1) / (n - p - 1)``, unless ``p >= n - 1``.

    >>> R2Score()([[1.0], [2.0], [3.0]], [[1.0], [2.0], [2.0]]).item()
    0.5
    """

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score",
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        if class_aggregation not in _AGGREGATIONS:
            raise ValueError("Invalid value for argument `class_aggregation`. Expected one of "
                             f"{_AGGREGATIONS}. Received: class_aggregation={class_aggregation}")
        if num_regressors < 0:
            raise ValueError("Invalid value for argument `num_regressors`. Expected a value >= 0. "
                             f"Received: num_regressors={num_regressors}")
        self.class_aggregation, self.num_regressors = class_aggregation, num_regressors
        self.num_samples = self.add_variable((), name="num_samples")
        self.built = False

    def build(self, y_true_shape, y_pred_shape):
        """Creates the per-column sums."""
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2 or y_pred_shape[-1] is None:
            raise ValueError("R2Score expects 2D inputs with shape (batch_size, output_dim), "
                             "output_dim known. Received input shapes: "
                             f"y_pred.shape={y_pred_shape} and y_true.shape={y_true_shape}.")
        columns = (y_pred_shape[-1],)
        self.squared_sum = self.add_variable(columns, name="squared_sum")
        self.sum = self.add_variable(columns, name="sum")
        self.total_mse = self.add_variable(columns, name="residual")
        self.count = self.add_variable(columns, name="count")
        self.built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds the batch's weighted sums of ``y``, ``y^2`` and squared residuals per column."""
        y_true, y_pred = squeeze_or_expand_to_same_rank(jnp.asarray(y_true, self.dtype),
                                                        jnp.asarray(y_pred, self.dtype))
        self._build_on_first_update(y_true, y_pred)
        weight = jnp.asarray(1.0 if sample_weight is None else sample_weight, self.dtype)
        if weight.ndim == 1:
            weight = weight[:, None]
        weight = jnp.broadcast_to(weight, y_true.shape)
        weighted = y_true * weight
        for variable, addend in ((self.sum, weighted), (self.squared_sum, y_true * weighted),
                                 (self.total_mse, (y_true - y_pred) ** 2 * weight),
                                 (self.count, weight)):
            variable.assign(variable.value + jnp.sum(addend, axis=0))
        self.num_samples.assign(self.num_samples.value + _valid_size(y_true))

    def result(self):
        if not self.built:
            return jnp.zeros((), self.dtype)
        total_sum = self.sum.value
        spread = self.squared_sum.value - total_sum * (total_sum / self.count.value)
        scores = 1 - self.total_mse.value / spread
        scores = jnp.where(jnp.isinf(scores), 0.0, scores)
        if self.class_aggregation == "uniform_average":
            score = jnp.mean(scores)
        elif self.class_aggregation == "variance_weighted_average":
            score = jnp.sum(spread * scores) / jnp.sum(spread)
        else:
            score = scores
        p = self.num_regressors
        if p == 0:
            return score
        n = self.num_samples.value.astype("float32")
        adjusted = 1.0 - (1.0 - score) * (n - 1.0) / (n - p - 1.0)
        # Too few samples for p regressors: Keras falls back to the plain score (and warns).
        return jnp.where(p < n - 1, adjusted, score)
