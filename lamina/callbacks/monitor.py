"""MonitorCallback: "is this logged value better than the best so far?", shared by the callbacks
that watch one quantity (EarlyStopping, ReduceLROnPlateau, ModelCheckpoint)."""

from __future__ import annotations

import operator
import warnings

from lamina.callbacks.callback import Callback

# Parts of metric names that Keras marks as "higher is better" (its metrics' `_direction = "up"`).
_SCORE_WORDS = ("acc", "auc", "precision", "recall", "sensitivity", "specificity", "f1", "fbeta",
                "iou", "r2", "cosine_similarity", "correlation")


class MonitorCallback(Callback):
    """Base for callbacks that watch ``logs[monitor]`` for improvement.

    ``mode="min"`` or ``"max"`` says which way is better; ``"auto"`` minimizes losses and reads a
    metric's direction from its ``_direction`` attribute (``"up"``/``"down"``, as in Keras) or,
    failing that, from its name (accuracy, AUC, precision, ... go up). A value improves on a
    reference only when it beats it by more than ``min_delta``; ``best`` starts at ``baseline``.

    >>> m = MonitorCallback("val_loss", min_delta=0.1)
    >>> m._is_improvement(0.95, 1.0), m._is_improvement(0.85, 1.0), m._is_improvement(3.0, None)
    (False, True, True)
    """

    _purpose = "Monitoring"  # how the missing-value warning names the callback

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto "
                          "mode.", stacklevel=2)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None  # operator.lt or operator.gt, resolved when first needed

    def _set_monitor_op(self):
        self.monitor_op = operator.gt if self._maximizes() else operator.lt

    def _maximizes(self):
        if self.mode != "auto":
            return self.mode == "max"
        name = self.monitor.removeprefix("val_")
        if name == "loss":
            return False
        for metric in getattr(self.model, "metrics", None) or []:
            if metric.name == name:
                direction = getattr(metric, "_direction", None)
                if direction is not None:
                    return direction == "up"
                return any(word in name for word in _SCORE_WORDS)
        raise ValueError(
            f"{type(self).__name__} callback received monitor={self.monitor}, but lamina isn't "
            "able to automatically determine whether that metric should be maximized or "
            "minimized. Pass `mode='max'` in order to monitor based on the highest metric value, "
            "or pass `mode='min'` in order to use the lowest value.")

    def _is_improvement(self, value, reference):
        """Whether ``value`` beats ``reference`` (``None``: nothing to beat) by ``min_delta``."""
        if self.monitor_op is None:
            self._set_monitor_op()
        if reference is None:
            return True
        margin = self.min_delta if self.monitor_op is operator.lt else -self.min_delta
        return bool(self.monitor_op(value + margin, reference))

    def get_monitor_value(self, logs):
        """``logs[monitor]`` as a float, or ``None`` with a warning naming the available keys."""
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(f"{self._purpose} conditioned on metric `{self.monitor}` which is not "
                          f"available. Available metrics are: {','.join(logs)}", stacklevel=3)
            return None
        return float(value)
