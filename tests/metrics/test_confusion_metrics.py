"""Thresholded metrics (TP/FP/TN/FN, Precision, Recall, ...AtSpecificity, AUC) against Keras."""

import jax
import keras
import numpy as np
import pytest

from lamina import metrics
from lamina.core.state import StateScope
from tests.metrics.parity import check_against_keras, check_config, close

N, C = 8, 4  # the same shapes as the other metric tests: compiled ops are reused


def make_batch(kind, rng):
    """``(y_true, y_pred, sample_weight)``; predictions include exact 0, 0.5 and 1."""
    f32 = lambda x: np.asarray(x, "float32")  # noqa: E731
    scores = f32(rng.uniform(size=(N, C)))
    scores.flat[:3] = [0.0, 0.5, 1.0]
    labels = f32(rng.integers(0, 2, (N, C)))
    weight = f32(rng.uniform(0, 2, N))
    return {
        "binary": (labels[:, :1], scores[:, :1], weight),
        "binary_1d": (labels[:, 0], scores[:, 0], weight),
        "multi": (labels, scores, weight),
        "logits": (labels[:, :1], f32(rng.normal(0, 3, (N, 1))), weight),
        "multi_logits": (labels, f32(rng.normal(0, 3, (N, C))), weight[:, None]),
    }[kind]


# Evenly spaced thresholds take the bucketed path. Few distinct threshold counts (1, 2, 3, 5,
# 200) keep the number of eager compilations, and the time, down.
EVEN = [0.0, 0.25, 0.5, 0.75, 1.0]
CASES = [
    ("TruePositives", {}, "binary"),
    ("TruePositives", {"thresholds": [0.2, 0.5, 0.8]}, "multi"),
    ("FalsePositives", {"thresholds": 0.3}, "binary_1d"),
    ("FalsePositives", {"thresholds": EVEN}, "multi"),
    ("TrueNegatives", {}, "multi"),
    ("FalseNegatives", {"thresholds": [0.3, 0.6]}, "binary"),
    ("Precision", {}, "binary"),
    ("Precision", {"thresholds": [0.3, 0.6]}, "multi"),
    ("Precision", {"thresholds": EVEN}, "multi"),
    ("Precision", {"top_k": 2}, "multi"),
    ("Precision", {"top_k": 2, "class_id": 2, "thresholds": [0.3, 0.6]}, "multi"),
    ("Recall", {}, "binary_1d"),
    ("Recall", {"top_k": 1}, "multi"),
    ("Recall", {"class_id": 3, "thresholds": 0.4}, "multi"),
    ("SensitivityAtSpecificity", {"specificity": 0.6}, "binary"),
    ("SensitivityAtSpecificity", {"specificity": 0.8, "num_thresholds": 5, "class_id": 1},
     "multi"),
    ("SpecificityAtSensitivity", {"sensitivity": 0.4}, "multi"),
    ("SpecificityAtSensitivity", {"sensitivity": 0.7, "num_thresholds": 1}, "binary"),
    ("PrecisionAtRecall", {"recall": 0.5}, "binary"),
    ("PrecisionAtRecall", {"recall": 0.3, "num_thresholds": 2}, "multi"),
    ("RecallAtPrecision", {"precision": 0.6}, "multi"),
    ("AUC", {}, "binary"),
    ("AUC", {"curve": "PR"}, "multi"),
    ("AUC", {"curve": "pr", "summation_method": "minoring", "num_thresholds": 5}, "binary"),
    ("AUC", {"summation_method": "majoring"}, "binary_1d"),
    ("AUC", {"curve": "PRGAIN"}, "binary"),
    ("AUC", {"from_logits": True}, "logits"),
    ("AUC", {"thresholds": [0.8, 0.2, 0.5]}, "binary"),
    ("AUC", {"thresholds": [0.25, 0.5, 0.75]}, "multi"),
    ("AUC", {"label_weights": [0.1, 0.2, 0.3, 0.4]}, "multi"),
    ("AUC", {"multi_label": True}, "multi"),
    ("AUC", {"multi_label": True, "num_labels": C, "label_weights": [0.1, 0.2, 0.3, 0.4],
             "curve": "PR", "from_logits": True}, "multi_logits"),
    ("AUC", {"multi_label": True, "thresholds": [0.2, 0.3, 0.8], "summation_method": "minoring"},
     "multi"),
]
IDS = [f"{cls}-{kw}-{kind}" for cls, kw, kind in CASES]


@pytest.mark.parametrize("cls_name, kwargs, kind", CASES, ids=IDS)
def test_matches_keras(cls_name, kwargs, kind, rng):
    batches = [make_batch(kind, rng) for _ in range(3)]
    check_against_keras(cls_name, kwargs, batches)


@pytest.mark.parametrize("cls_name, kwargs, kind", CASES, ids=IDS)
def test_config_round_trip(cls_name, kwargs, kind):
    check_config(cls_name, kwargs)


def test_auc_thresholds_and_default_names():
    auc = metrics.AUC(num_thresholds=5)
    close(auc.thresholds, keras.metrics.AUC(num_thresholds=5).thresholds)
    assert metrics.AUC(thresholds=[0.7, 0.2]).get_config()["thresholds"] == [0.2, 0.7]
    assert metrics.Precision(top_k=3).thresholds == [-1e10]
    assert metrics.get("auc").curve == "ROC"


def test_argument_errors():
    with pytest.raises(ValueError, match=r"Threshold values must be in \[0, 1\]"):
        metrics.Precision(thresholds=[0.5, 1.5])
    with pytest.raises(ValueError, match="`specificity` must be in the range"):
        metrics.SensitivityAtSpecificity(1.2)
    with pytest.raises(ValueError, match="`num_thresholds` must be an integer > 0"):
        metrics.PrecisionAtRecall(0.5, num_thresholds=0)
    with pytest.raises(ValueError, match="Invalid AUC curve"):
        metrics.AUC(curve="ROCK")
    with pytest.raises(ValueError, match="`num_labels` is needed only when"):
        metrics.AUC(num_labels=3)
    with pytest.raises(ValueError, match="rank 2 when `multi_label=True`"):
        metrics.AUC(multi_label=True).update_state(np.ones(3), np.ones(3))


def test_traced_update_under_state_scope(rng):
    """The trainer's path: AUC's four counts bound to traced values inside one compiled step."""
    metric = metrics.AUC(curve="PR", multi_label=True, num_labels=C)
    reference = keras.metrics.AUC(curve="PR", multi_label=True, num_labels=C)

    @jax.jit
    def step(state, y_true, y_pred, sample_weight):
        with StateScope(dict(zip(metric.variables, state))) as scope:
            metric.update_state(y_true, y_pred, sample_weight=sample_weight)
            result = metric.result()
        return [scope.get(v) for v in metric.variables], result

    state = [v.value for v in metric.variables]
    for _ in range(2):
        y_true, y_pred, weight = make_batch("multi", rng)
        state, result = step(state, y_true, y_pred, weight)
        reference.update_state(y_true, y_pred, sample_weight=weight)
        close(result, reference.result())
    assert step._cache_size() == 1
    assert all(not v.numpy().any() for v in metric.variables)  # the boxes were not touched
    close(state[0], reference.true_positives)


def test_lazy_state_cannot_be_created_while_traced(rng):
    metric = metrics.AUC(multi_label=True)
    y_true, y_pred, _ = make_batch("multi", rng)
    with pytest.raises(RuntimeError, match=r"AUC 'auc.*' creates its state .*`metric.build"):
        jax.jit(lambda t, p: metric.update_state(t, p))(y_true, y_pred)
    metric.build(y_true.shape, y_pred.shape)
    assert [v.shape for v in metric.variables] == [(200, C)] * 4
