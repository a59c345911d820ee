"""Metrics over thresholded confusion counts: TP/FP/TN/FN, Precision, Recall, and the
best-value-under-a-constraint family (SensitivityAtSpecificity, PrecisionAtRecall, ...)."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.losses.loss import divide_no_nan
from lamina.metrics.confusion import NEG_INF, confusion_counts, evenly_spaced, parse_thresholds
from lamina.metrics.metric import Metric

_COUNTS = ("true_positives", "false_positives", "true_negatives", "false_negatives")


class _ConfusionCounts(Metric):
    """Holds some of the four counts, one per threshold, under their Keras names.

    Subclasses list the counts they keep in ``_kept`` and set ``self.thresholds``.
    """

    _kept = _COUNTS
    top_k = class_id = None

    def _add_counts(self, names):
        self._evenly = evenly_spaced(self.thresholds)
        for name in names:
            setattr(self, name, self.add_variable((len(self.thresholds),), name=name))

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds the batch's weighted counts at every threshold."""
        counts = confusion_counts(y_true, y_pred, self.thresholds, sample_weight, self.top_k,
                                  self.class_id, evenly=self._evenly, dtype=self.dtype)
        for name, count in zip(_COUNTS, counts):
            if name in self._kept:
                variable = getattr(self, name)
                variable.assign(variable.value + count)

    def _per_threshold(self, values):
        return values[0] if len(self.thresholds) == 1 else values


class _ConditionCount(_ConfusionCounts):
    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.thresholds = parse_thresholds(thresholds, 0.5)
        self._add_counts(["accumulator"])

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds the batch's weighted count at every threshold."""
        counts = dict(zip(_COUNTS, confusion_counts(
            y_true, y_pred, self.thresholds, sample_weight, evenly=self._evenly, dtype=self.dtype)))
        self.accumulator.assign(self.accumulator.value + counts[self._kept[0]])

    def result(self):
        return self._per_threshold(self.accumulator.value)


class TruePositives(_ConditionCount):
    """Weighted count of positives predicted above the threshold(s) (default 0.5).

    >>> TruePositives()([0, 1, 1, 1], [1, 0, 1, 1]).item()
    2.0
    """

    _kept = ("true_positives",)


class FalsePositives(_ConditionCount):
    """Weighted count of negatives predicted above the threshold(s)."""

    _kept = ("false_positives",)


class TrueNegatives(_ConditionCount):
    """Weighted count of negatives predicted at or below the threshold(s)."""

    _kept = ("true_negatives",)


class FalseNegatives(_ConditionCount):
    """Weighted count of positives predicted at or below the threshold(s)."""

    _kept = ("false_negatives",)


class Precision(_ConfusionCounts):
    """``TP / (TP + FP)`` at each threshold, over the top ``k`` predictions or one class.

    >>> Precision()([0, 1, 1, 1], [1, 0, 1, 1]).item()
    0.6666666865348816
    """

    _kept = ("true_positives", "false_positives")

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.top_k, self.class_id = top_k, class_id
        self.thresholds = parse_thresholds(thresholds, 0.5 if top_k is None else NEG_INF)
        self._add_counts(self._kept)

    def result(self):
        tp = self.true_positives.value
        return self._per_threshold(divide_no_nan(tp, tp + self.false_positives.value))


class Recall(Precision):
    """``TP / (TP + FN)`` at each threshold, over the top ``k`` predictions or one class."""

    _kept = ("true_positives", "false_negatives")

    def result(self):
        tp = self.true_positives.value
        return self._per_threshold(divide_no_nan(tp, tp + self.false_negatives.value))


class _BestUnderConstraint(_ConfusionCounts):
    """The largest value of one rate among thresholds where another rate reaches ``value``."""

    _constraint = "value"  # the constructor argument holding the target value

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        if not 0 <= value <= 1:
            raise ValueError(f"Argument `{self._constraint}` must be in the range [0, 1]. "
                             f"Received: {self._constraint}={value}")
        if num_thresholds <= 0:
            raise ValueError("Argument `num_thresholds` must be an integer > 0. "
                             f"Received: num_thresholds={num_thresholds}")
        super().__init__(name=name, dtype=dtype)
        self.value, self.class_id, self.num_thresholds = value, class_id, num_thresholds
        setattr(self, self._constraint, value)
        n = num_thresholds
        self.thresholds = [0.5] if n == 1 else [i / (n - 1) for i in range(n - 1)] + [1.0]
        self._add_counts(_COUNTS)
        self._evenly = n > 1

    def _rates(self):
        tp, fp, tn, fn = (getattr(self, name).value for name in _COUNTS)
        recall = divide_no_nan(tp, tp + fn)
        return {"sensitivity": recall, "recall": recall, "specificity": divide_no_nan(tn, tn + fp),
                "precision": divide_no_nan(tp, tp + fp)}

    def result(self):
        rates = self._rates()
        feasible = rates[self._constraint] >= self.value
        return jnp.max(jnp.where(feasible, rates[self._maximized], 0.0), initial=0.0)


class SensitivityAtSpecificity(_BestUnderConstraint):
    """The best sensitivity (recall) over thresholds whose specificity is ``>= specificity``."""

    _constraint, _maximized = "specificity", "sensitivity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)


class SpecificityAtSensitivity(_BestUnderConstraint):
    """The best specificity over thresholds whose sensitivity is ``>= sensitivity``."""

    _constraint, _maximized = "sensitivity", "specificity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)


class PrecisionAtRecall(_BestUnderConstraint):
    """The best precision over thresholds whose recall is ``>= recall``.

    >>> m = PrecisionAtRecall(0.5, num_thresholds=3)
    >>> m([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.8]).item()
    0.5
    """

    _constraint, _maximized = "recall", "precision"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)


class RecallAtPrecision(_BestUnderConstraint):
    """The best recall over thresholds whose precision is ``>= precision``."""

    _constraint, _maximized = "precision", "recall"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)
