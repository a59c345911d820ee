"""Metrics against Keras (the oracle): two weighted updates, result, reset; and the traced path."""

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

from lamina import losses, metrics
from lamina.core.state import StateScope

N, C = 8, 4


def make_batch(kind, rng):
    """``(y_true, y_pred)`` for one batch of the kind a metric expects."""
    f32 = lambda x: np.asarray(x, "float32")  # noqa: E731
    scores = f32(rng.normal(size=(N, C)))
    labels = rng.integers(0, C, N)
    return {
        "reg": lambda: (f32(rng.normal(size=(N, C))), scores),
        "pos": lambda: (f32(rng.uniform(0, 2, (N, C))), f32(rng.uniform(0, 2, (N, C)))),
        "exact": lambda: (labels, np.where(rng.uniform(size=N) < 0.5, labels, 0)),
        "binary": lambda: (f32(rng.integers(0, 2, (N, 1))), f32(rng.uniform(0, 1, (N, 1)))),
        "onehot": lambda: (f32(np.eye(C)[labels]), scores),
        "sparse": lambda: (labels, scores),
        "sparse_col": lambda: (labels[:, None], scores),
        "sorted_ids": lambda: (labels, np.argsort(-scores, axis=-1)),
        "prob": lambda: (f32(jax.nn.softmax(scores)), f32(jax.nn.softmax(rng.normal(size=(N, C))))),
        "onehot_prob": lambda: (f32(np.eye(C)[labels]), f32(jax.nn.softmax(scores))),
        "multi_hot": lambda: (f32(rng.integers(0, 2, (N, C))), scores),
        "multi_hot_prob": lambda: (f32(rng.integers(0, 2, (N, C))), f32(rng.uniform(size=(N, C)))),
    }[kind]()


# (class name, keyword arguments, data kind)
CASES = [
    ("MeanSquaredError", {}, "reg"),
    ("MeanAbsoluteError", {}, "reg"),
    ("MeanAbsolutePercentageError", {}, "reg"),
    ("MeanSquaredLogarithmicError", {}, "pos"),
    ("RootMeanSquaredError", {}, "reg"),
    ("Accuracy", {}, "exact"),
    ("BinaryAccuracy", {}, "binary"),
    ("BinaryAccuracy", {"threshold": 0.3}, "binary"),
    ("CategoricalAccuracy", {}, "onehot"),
    ("SparseCategoricalAccuracy", {}, "sparse"),
    ("SparseCategoricalAccuracy", {}, "sparse_col"),
    ("TopKCategoricalAccuracy", {"k": 2}, "onehot"),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, "sparse"),
    ("SparseTopKCategoricalAccuracy", {}, "sparse_col"),
    ("SparseTopKCategoricalAccuracy", {"k": 2, "from_sorted_ids": True}, "sorted_ids"),
    ("CosineSimilarity", {}, "reg"),
    ("LogCoshError", {}, "reg"),
    ("Hinge", {}, "multi_hot"),
    ("SquaredHinge", {}, "multi_hot"),
    ("CategoricalHinge", {}, "onehot"),
    ("KLDivergence", {}, "prob"),
    ("Poisson", {}, "pos"),
    ("BinaryCrossentropy", {}, "multi_hot_prob"),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "multi_hot"),
    ("CategoricalCrossentropy", {}, "onehot_prob"),
    ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.2}, "onehot"),
    ("SparseCategoricalCrossentropy", {}, "sparse"),
    ("SparseCategoricalCrossentropy", {"from_logits": True, "ignore_class": 1}, "sparse_col"),
    ("PearsonCorrelation", {}, "reg"),
    ("ConcordanceCorrelation", {}, "reg"),
]
IDS = [f"{cls}-{kw}-{kind}" for cls, kw, kind in CASES]


def close(a, b):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-5)


def run_both(ours, theirs, batches):
    for args, kwargs in batches:
        ours.update_state(*args, **kwargs)
        theirs.update_state(*args, **kwargs)
        close(ours.result(), theirs.result())


@pytest.mark.parametrize("cls_name, kwargs, kind", CASES, ids=IDS)
def test_metric_matches_keras(cls_name, kwargs, kind, rng):
    ours, theirs = getattr(metrics, cls_name)(**kwargs), getattr(keras.metrics, cls_name)(**kwargs)
    assert ours.name == theirs.name
    weights = [rng.uniform(0, 2, N).astype("float32"), rng.uniform(0, 2, (N, 1)).astype("float32")]
    run_both(ours, theirs, [(make_batch(kind, rng), {"sample_weight": w}) for w in weights])
    ours.reset_state()
    theirs.reset_state()
    close(ours.result(), theirs.result())
    run_both(ours, theirs, [(make_batch(kind, rng), {}), (make_batch(kind, rng), {})])


@pytest.mark.parametrize("cls_name, kwargs, kind", CASES, ids=IDS)
def test_config_round_trip(cls_name, kwargs, kind):
    metric = getattr(metrics, cls_name)(name="m", **kwargs)
    cfg = metric.get_config()
    assert type(metric).from_config(cfg).get_config() == cfg
    keras_cfg = getattr(keras.metrics, cls_name)(name="m", **kwargs).get_config()
    assert {k: cfg[k] for k in keras_cfg} == keras_cfg
    assert metrics.get({"class_name": cls_name, "config": cfg}).get_config() == cfg


@pytest.mark.parametrize("shape", [(N,), (N, 3), (N, 3, 2)])
def test_mean_and_sum_match_keras(shape, rng):
    for cls_name in ("Mean", "Sum"):
        ours, theirs = getattr(metrics, cls_name)(), getattr(keras.metrics, cls_name)()
        batches = [((rng.normal(size=shape).astype("float32"),), {"sample_weight": w})
                   for w in (rng.uniform(0, 2, shape[:1]), rng.uniform(0, 2, shape), 2.0, None)]
        run_both(ours, theirs, batches)


def test_mean_metric_wrapper_matches_keras(rng):
    ours = metrics.MeanMetricWrapper(losses.huber, name="hub", delta=0.5)
    theirs = keras.metrics.MeanMetricWrapper(keras.losses.huber, name="hub", delta=0.5)
    batches = [(make_batch("reg", rng), {"sample_weight": rng.uniform(0, 2, N)}) for _ in range(2)]
    run_both(ours, theirs, batches)
    cfg = ours.get_config()
    assert cfg == {"fn": "huber", "name": "hub", "dtype": "float32", "delta": 0.5}
    assert metrics.MeanMetricWrapper.from_config(cfg)._fn is losses.huber


def test_zero_weight_drops_non_finite_rows():
    metric = metrics.MeanAbsoluteError()
    metric.update_state([[1.0], [0.0]], [[0.0], [np.inf]], sample_weight=[1.0, 0.0])
    assert metric.result().item() == 1.0


def test_variables_and_reset():
    metric = metrics.RootMeanSquaredError()
    assert [v.path for v in metric.variables] == ["root_mean_squared_error/total",
                                                  "root_mean_squared_error/count"]
    assert not any(v.trainable for v in metric.variables)
    assert metric([[3.0]], [[0.0]]).item() == 3.0
    metric.reset_state()
    assert [v.numpy().item() for v in metric.variables] == [0.0, 0.0]


def test_traced_update_under_state_scope(rng):
    """The trainer's path: variables bound to traced values, new state read back from the scope."""
    metric = metrics.SparseCategoricalAccuracy()
    reference = keras.metrics.SparseCategoricalAccuracy()

    @jax.jit
    def step(state, y_true, y_pred, sample_weight):
        with StateScope(dict(zip(metric.variables, state))) as scope:
            metric.update_state(y_true, y_pred, sample_weight=sample_weight)
            result = metric.result()
        return [scope.get(v) for v in metric.variables], result

    @jax.jit
    def reset(state):
        with StateScope(dict(zip(metric.variables, state))) as scope:
            metric.reset_state()
        return [scope.get(v) for v in metric.variables]

    state = [v.value for v in metric.variables]
    for _ in range(2):
        (y_true, y_pred), weight = make_batch("sparse", rng), rng.uniform(0, 2, N)
        state, result = step(state, y_true, y_pred, weight)
        reference.update_state(y_true, y_pred, sample_weight=weight)
        close(result, reference.result())
    assert all(float(v.numpy()) == 0.0 for v in metric.variables)  # the boxes were not touched
    assert [float(s) for s in reset(state)] == [0.0, 0.0]


def test_get():
    assert isinstance(metrics.get("mse"), metrics.MeanSquaredError)
    assert metrics.get("mae").name == "mean_absolute_error"
    assert isinstance(metrics.get("binary_accuracy"), metrics.BinaryAccuracy)
    assert isinstance(metrics.get("RootMeanSquaredError"), metrics.RootMeanSquaredError)
    assert isinstance(metrics.get(metrics.CategoricalAccuracy), metrics.CategoricalAccuracy)
    metric = metrics.Mean()
    assert metrics.get(metric) is metric and metrics.get(None) is None
    wrapped = metrics.get(losses.log_cosh)
    assert isinstance(wrapped, metrics.MeanMetricWrapper) and wrapped.name == "log_cosh"
    hinge = metrics.get("hinge")
    assert hinge.name == "hinge" and hinge._fn is losses.hinge
    top = metrics.get({"class_name": "TopKCategoricalAccuracy", "config": {"k": 3}})
    assert top.get_config()["k"] == 3
    with pytest.raises(ValueError, match="Valid names.*binary_accuracy"):
        metrics.get("binary_acuracy")
    with pytest.raises(ValueError, match="Could not interpret"):
        metrics.get(3)


@pytest.mark.parametrize("name", ["accuracy", "binary_accuracy", "categorical_accuracy",
                                  "sparse_categorical_accuracy", "top_k_categorical_accuracy",
                                  "sparse_top_k_categorical_accuracy"])
def test_functions_match_keras(name, rng):
    kind = {"accuracy": "exact", "binary_accuracy": "binary", "categorical_accuracy": "onehot",
            "top_k_categorical_accuracy": "onehot"}.get(name, "sparse_col")
    y_true, y_pred = make_batch(kind, rng)
    from keras.src.metrics import accuracy_metrics  # `accuracy` itself is not public in Keras

    ours = getattr(metrics, name)(y_true, y_pred)
    theirs = getattr(accuracy_metrics, name)(y_true, y_pred)
    assert ours.shape == theirs.shape
    close(ours, theirs)
    assert jnp.issubdtype(ours.dtype, jnp.floating)
