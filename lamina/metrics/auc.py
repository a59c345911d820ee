"""AUC: area under the ROC or precision-recall curve, from confusion counts at many thresholds."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from lamina.losses.loss import EPSILON, divide_no_nan
from lamina.metrics.confusion import confusion_counts, evenly_spaced
from lamina.metrics.metric import Metric

_CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
_SUMMATIONS = ("interpolation", "majoring", "minoring")
_COUNTS = ("true_positives", "false_positives", "true_negatives", "false_negatives")


def _canonical(value, allowed, what):
    key = str(getattr(value, "value", value))  # Keras's enums carry the name in `.value`
    if key.lower() not in allowed:
        raise ValueError(f'Invalid AUC {what} value: "{value}". Expected values are '
                         f"{list(allowed.values()) if isinstance(allowed, dict) else allowed}")
    return allowed[key.lower()] if isinstance(allowed, dict) else key.lower()


class AUC(Metric):
    """Approximate area under the ROC curve (``curve="ROC"``) or precision-recall curve (``"PR"``).

    Confusion counts are kept at ``num_thresholds`` evenly spaced thresholds (or at
    ``thresholds``, plus one just below 0 and one just above 1); ``summation_method`` picks the
    Riemann sum (``"interpolation"``: trapezoids for ROC and Davis & Goadrich's interpolation for
    PR; ``"minoring"``/``"majoring"``: lower/upper rectangles). With ``multi_label``, each column
    of ``y_pred`` gets its own curve and the AUCs are averaged (weighted by ``label_weights``).

    >>> AUC(num_thresholds=3)([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]).item()
    0.75
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        self.curve = _canonical(curve, _CURVES, "curve")
        self.summation_method = _canonical(summation_method, _SUMMATIONS, "summation_method")
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
            self._evenly = evenly_spaced([0.0] + inner + [1.0])
        else:
            if num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._evenly = True
        # The end points sit just outside [0, 1] so that predictions of exactly 0 and 1 land
        # inside the curve despite rounding.
        self._thresholds = np.array([-EPSILON] + inner + [1.0 + EPSILON])
        self.num_thresholds = len(self._thresholds)
        super().__init__(name=name, dtype=dtype)
        self.multi_label, self.num_labels, self.from_logits = multi_label, num_labels, from_logits
        self.label_weights = None if label_weights is None else jnp.asarray(label_weights,
                                                                             self.dtype)
        if not multi_label and num_labels:
            raise ValueError("`num_labels` is needed only when `multi_label` is True.")
        self.built = False
        if not multi_label or num_labels:
            self.build(None, (None, num_labels))

    @property
    def thresholds(self):
        """The thresholds, end points included."""
        return list(self._thresholds)

    def build(self, y_true_shape, y_pred_shape):
        """Creates the four counts; with ``multi_label``, one column per label of ``y_pred``."""
        shape = (self.num_thresholds,)
        if self.multi_label:
            if len(y_pred_shape) != 2:
                raise ValueError("`y_pred` must have rank 2 when `multi_label=True`. Found rank "
                                 f"{len(y_pred_shape)}. Full shape received for `y_pred`: "
                                 f"{y_pred_shape}")
            shape += (y_pred_shape[1],)
        for name in _COUNTS:
            setattr(self, name, self.add_variable(shape, name=name))
        self.built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds the batch's weighted confusion counts at every threshold."""
        y_pred = jnp.asarray(y_pred)
        self._build_on_first_update(y_true, y_pred)
        if self.from_logits:
            y_pred = jax.nn.sigmoid(y_pred)
        counts = confusion_counts(
            y_true, y_pred, self._thresholds, sample_weight, multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights, evenly=self._evenly,
            dtype=self.dtype)
        for name, count in zip(_COUNTS, counts):
            variable = getattr(self, name)
            variable.assign(variable.value + count)

    def result(self):
        if not self.built:
            return jnp.zeros((), self.dtype)
        tp, fp, tn, fn = (getattr(self, name).value for name in _COUNTS)
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._average(_interpolated_pr_terms(tp, fp, fn))
        x, y = _curve_points(self.curve, tp, fp, tn, fn)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = jnp.minimum(y[:-1], y[1:])
        else:
            heights = jnp.maximum(y[:-1], y[1:])
        return self._average((x[:-1] - x[1:]) * heights)

    def _average(self, terms):
        """The area from the per-interval ``terms``: their sum, averaged over labels."""
        if not self.multi_label:
            return jnp.sum(terms)
        per_label = jnp.sum(terms, axis=0)
        if self.label_weights is None:
            return jnp.mean(per_label)
        return divide_no_nan(jnp.sum(per_label * self.label_weights), jnp.sum(self.label_weights))

    def get_config(self):
        cfg = super().get_config()
        cfg.update(curve=self.curve, summation_method=self.summation_method,
                   num_thresholds=self.num_thresholds)
        if cfg.get("thresholds") is not None:
            cfg["thresholds"] = self.thresholds[1:-1]
        if self.label_weights is not None:
            cfg["label_weights"] = np.asarray(self.label_weights).tolist()
        return cfg


def _curve_points(curve, tp, fp, tn, fn):
    """``(x, y)`` of the curve at every threshold."""
    recall = divide_no_nan(tp, tp + fn)
    if curve == "ROC":
        return divide_no_nan(fp, fp + tn), recall
    if curve == "PR":
        return recall, divide_no_nan(tp, tp + fp)
    # Precision-recall gain (Flach & Kull, 2015): both gains are scaled by positives/negatives;
    # without true positives the gains are pinned to (0, 1), and a negative recall gain to 0.
    scale = divide_no_nan(tp + fn, tn + fp)
    recall_gain = jnp.where(tp == 0, 0.0, 1.0 - scale * divide_no_nan(fn, tp))
    precision_gain = jnp.where(tp == 0, 1.0, 1.0 - scale * divide_no_nan(fp, tp))
    return jnp.maximum(recall_gain, 0.0), precision_gain


def _interpolated_pr_terms(tp, fp, fn):
    """Area increments of the PR curve interpolated between thresholds (Davis & Goadrich, 2006).

    Between two thresholds, true positives grow linearly with predicted positives ``p``, so
    precision is ``slope + intercept / p`` and its integral over recall has a log term.
    """
    p = tp + fp
    d_tp, d_p = tp[:-1] - tp[1:], p[:-1] - p[1:]
    slope = divide_no_nan(d_tp, jnp.maximum(d_p, 0))
    intercept = tp[1:] - slope * p[1:]
    both_positive = (p[:-1] > 0) & (p[1:] > 0)
    ratio = jnp.where(both_positive, divide_no_nan(p[:-1], jnp.maximum(p[1:], 0)), 1.0)
    return divide_no_nan(slope * (d_tp + intercept * jnp.log(ratio)),
                         jnp.maximum(tp[1:] + fn[1:], 0))
