"""F-beta and F1 scores over per-class (or pooled) true/false positive and negative counts."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.losses.loss import EPSILON
from lamina.metrics.metric import Metric

_AVERAGES = (None, "micro", "macro", "weighted")


class FBetaScore(Metric):
    """``(1 + beta^2) * precision * recall / (beta^2 * precision + recall)`` per class.

    ``y_true`` is one-hot (or multi-hot), ``y_pred`` scores of shape ``(batch, classes)``.
    Predictions above ``threshold`` are positive; with ``threshold=None`` each row's top score
    is. ``average``: ``None`` (one score per class), ``"micro"`` (counts pooled over classes),
    ``"macro"`` (mean of the class scores) or ``"weighted"`` (weighted by class support).

    >>> FBetaScore(beta=2.0, average="micro")([[0, 1], [1, 0]], [[0.2, 0.8], [0.3, 0.7]]).item()
    0.5
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if average not in _AVERAGES:
            raise ValueError("Invalid `average` argument value. Expected one of: {None, 'micro', "
                             f"'macro', 'weighted'}}. Received: average={average}")
        if not isinstance(beta, float) or beta <= 0.0:
            raise ValueError("Invalid `beta` argument value. It should be a Python float > 0. "
                             f"Received: beta={beta!r} of type '{type(beta).__name__}'")
        if threshold is not None and (not isinstance(threshold, float)
                                      or not 0.0 < threshold <= 1.0):
            raise ValueError("Invalid `threshold` argument value. It should be a Python float "
                             f"with 0 < threshold <= 1. Received: threshold={threshold!r}")
        self.average, self.beta, self.threshold = average, beta, threshold
        self.axis = None if average == "micro" else 0
        self.built = False

    def build(self, y_true_shape, y_pred_shape):
        """Creates the counts: one per class, or single numbers for ``average="micro"``."""
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2 or y_pred_shape[-1] is None:
            raise ValueError(f"{type(self).__name__} expects 2D inputs with shape (batch_size, "
                             "output_dim), output_dim known. Received input shapes: "
                             f"y_pred.shape={y_pred_shape} and y_true.shape={y_true_shape}.")
        shape = () if self.average == "micro" else (y_pred_shape[-1],)
        for name in ("true_positives", "false_positives", "false_negatives",
                     "intermediate_weights"):
            setattr(self, name, self.add_variable(shape, name=name))
        self.built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds the batch's weighted per-class counts."""
        y_true = jnp.asarray(y_true, self.dtype)
        y_pred = jnp.asarray(y_pred, self.dtype)
        self._build_on_first_update(y_true, y_pred)
        if self.threshold is None:
            top = jnp.max(y_pred, axis=-1, keepdims=True)
            # A row of zeros has no top class.
            predicted = (y_pred >= top) & (jnp.abs(y_pred) > 1e-9)
        else:
            predicted = y_pred > self.threshold
        predicted = predicted.astype(self.dtype)
        weight = None if sample_weight is None else jnp.asarray(sample_weight, self.dtype)

        def add(variable, values):
            if weight is not None:
                values = values * weight[:, None]
            variable.assign(variable.value + jnp.sum(values, axis=self.axis))

        add(self.true_positives, predicted * y_true)
        add(self.false_positives, predicted * (1 - y_true))
        add(self.false_negatives, (1 - predicted) * y_true)
        add(self.intermediate_weights, y_true)

    def result(self):
        if not self.built:
            return jnp.zeros((), self.dtype)
        tp = self.true_positives.value
        precision = tp / (tp + self.false_positives.value + EPSILON)
        recall = tp / (tp + self.false_negatives.value + EPSILON)
        beta2 = self.beta**2
        score = precision * recall / (beta2 * precision + recall + EPSILON) * (1 + beta2)
        if self.average == "weighted":
            support = self.intermediate_weights.value
            return jnp.sum(score * support / (jnp.sum(support) + EPSILON))
        if self.average is not None:
            return jnp.mean(score)
        return score


class F1Score(FBetaScore):
    """:class:`FBetaScore` with ``beta=1``: the harmonic mean of precision and recall."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)
