"""F-scores, IoU metrics and R2Score against Keras."""

import numpy as np
import pytest

from lamina import metrics
from tests.metrics.parity import check_against_keras, check_config

N, C = 8, 4  # the same shapes as the other metric tests: compiled ops are reused


def make_batch(kind, rng):
    """``(y_true, y_pred, sample_weight)`` of the kind a metric expects."""
    f32 = lambda x: np.asarray(x, "float32")  # noqa: E731
    labels = rng.integers(0, C, N)
    scores = f32(rng.uniform(size=(N, C)))
    weight = f32(rng.uniform(0, 2, N))
    int_weight = f32(rng.integers(0, 3, N))  # IoU counts are integers: no truncation to compare
    predicted = np.where(rng.uniform(size=N) < 0.6, labels, rng.integers(0, C, N))
    return {
        "multi_hot": (f32(rng.integers(0, 2, (N, C))), scores, weight),
        "one_hot": (f32(np.eye(C)[labels]), scores, weight),
        "classes": (labels, predicted, int_weight),
        "classes_2d": (labels.reshape(2, 4), predicted.reshape(2, 4), int_weight.reshape(2, 4)),
        "float_weights": (labels, predicted, weight),
        "sparse_scores": (labels, scores, int_weight),
        "one_hot_scores": (f32(np.eye(C)[labels]), scores, int_weight[:, None]),
        "binary": (f32(rng.integers(0, 2, N)), scores[:, 0], int_weight),
        "regression": (f32(rng.normal(size=(N, C))), f32(rng.normal(size=(N, C))), weight),
        "regression_2w": (f32(rng.normal(size=(N, C))), f32(rng.normal(size=(N, C))),
                          f32(rng.uniform(0, 2, (N, C)))),
    }[kind]


CASES = [
    ("F1Score", {}, "one_hot"),
    ("F1Score", {"average": "micro", "threshold": 0.5}, "multi_hot"),
    ("F1Score", {"average": "macro"}, "one_hot"),
    ("F1Score", {"average": "weighted", "threshold": 0.4}, "multi_hot"),
    ("FBetaScore", {"beta": 2.0}, "multi_hot"),
    ("FBetaScore", {"beta": 0.5, "average": "weighted"}, "one_hot"),
    ("IoU", {"num_classes": C, "target_class_ids": [0, 2]}, "classes"),
    ("IoU", {"num_classes": C, "target_class_ids": [1], "ignore_class": 0}, "classes_2d"),
    ("MeanIoU", {"num_classes": C}, "classes"),
    ("MeanIoU", {"num_classes": C + 2, "ignore_class": 1}, "classes_2d"),
    ("MeanIoU", {"num_classes": C, "dtype": "float32"}, "float_weights"),
    ("MeanIoU", {"num_classes": C, "sparse_y_pred": False}, "sparse_scores"),
    ("BinaryIoU", {}, "binary"),
    ("BinaryIoU", {"target_class_ids": [1], "threshold": 0.3}, "binary"),
    ("OneHotIoU", {"num_classes": C, "target_class_ids": [0, 1]}, "one_hot_scores"),
    ("OneHotMeanIoU", {"num_classes": C}, "one_hot_scores"),
    ("R2Score", {}, "regression"),
    ("R2Score", {"class_aggregation": "variance_weighted_average"}, "regression_2w"),
    ("R2Score", {"class_aggregation": None}, "regression"),
    ("R2Score", {"num_regressors": 3}, "regression"),
]
IDS = [f"{cls}-{kw}-{kind}" for cls, kw, kind in CASES]


@pytest.mark.filterwarnings("ignore:You are passing weight as `float`")
@pytest.mark.parametrize("cls_name, kwargs, kind", CASES, ids=IDS)
def test_matches_keras(cls_name, kwargs, kind, rng):
    batches = [make_batch(kind, rng) for _ in range(3)]
    check_against_keras(cls_name, kwargs, batches)


@pytest.mark.parametrize("cls_name, kwargs, kind", CASES, ids=IDS)
def test_config_round_trip(cls_name, kwargs, kind):
    check_config(cls_name, kwargs)


def test_r2_with_too_many_regressors_falls_back_to_plain_score(rng):
    y_true, y_pred, _ = make_batch("regression", rng)
    plain, adjusted = metrics.R2Score(), metrics.R2Score(num_regressors=N * C)
    np.testing.assert_allclose(adjusted(y_true, y_pred), plain(y_true, y_pred), rtol=1e-6)


def test_argument_errors():
    with pytest.raises(ValueError, match="Invalid `beta`.*Received: beta=2 of type 'int'"):
        metrics.FBetaScore(beta=2)
    with pytest.raises(ValueError, match="Invalid `average`"):
        metrics.F1Score(average="mean")
    with pytest.raises(ValueError, match=r"Target class id 3 is out of range, which is \[0, 3\)"):
        metrics.IoU(num_classes=3, target_class_ids=[3])
    with pytest.raises(ValueError, match="R2Score expects 2D inputs"):
        metrics.R2Score().update_state(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="`class_aggregation`"):
        metrics.R2Score(class_aggregation="median")


def test_r2_ignores_padding_rows_in_the_sample_count(rng):
    """Zero weights keep padded rows out of the sums; the padding mask keeps them out of ``n``."""
    from lamina.core.call_context import padding_mask

    y_true, y_pred, _ = make_batch("regression", rng)
    expected = metrics.R2Score(num_regressors=2)(y_true, y_pred)
    pad = lambda x: np.concatenate([x, np.zeros((2,) + x.shape[1:], x.dtype)])  # noqa: E731
    mask = np.array([1.0] * N + [0.0, 0.0], "float32")
    padded = metrics.R2Score(num_regressors=2)
    with padding_mask(mask):
        padded.update_state(pad(y_true), pad(y_pred), sample_weight=mask)
    np.testing.assert_allclose(padded.result(), expected, rtol=1e-5)
