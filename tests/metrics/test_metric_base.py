"""The Metric base: nested metrics' state, merge_state, lazily built state, lookup."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lamina import losses, metrics
from lamina.core.state import StateScope


class MeanAndTotal(metrics.Metric):
    """A metric built from other metrics, as users write them."""

    def __init__(self, name="mean_and_total"):
        super().__init__(name=name)
        self.mean = metrics.Mean(name="inner_mean")
        self.parts = [metrics.Sum(name="inner_sum"), {"p": metrics.Precision(name="inner_p")}]
        self.calls = self.add_variable((), name="calls")

    def update_state(self, values, sample_weight=None):
        self.mean.update_state(values, sample_weight)
        self.parts[0].update_state(values, sample_weight)
        self.parts[1]["p"].update_state(values > 0.5, values)
        self.calls.assign(self.calls.value + 1)

    def result(self):
        return self.mean.result() + self.parts[0].result() + self.parts[1]["p"].result()


def test_nested_metric_variables_reset_and_trace():
    metric = MeanAndTotal()
    assert [v.path for v in metric.variables] == [
        "mean_and_total/calls", "inner_mean/total", "inner_mean/count", "inner_sum/total",
        "inner_p/true_positives", "inner_p/false_positives"]
    metric.update_state(jnp.array([0.25, 0.75]))
    np.testing.assert_allclose(metric.result(), 0.5 + 1.0 + 1.0)
    metric.reset_state()
    assert all(v.numpy().sum() == 0 for v in metric.variables)

    @jax.jit
    def step(state, values):
        with StateScope(dict(zip(metric.variables, state))) as scope:
            metric.update_state(values)
        return [scope.get(v) for v in metric.variables]

    state = step([v.value for v in metric.variables], jnp.array([1.0, 3.0]))
    assert [s.tolist() for s in state[:4]] == [1.0, 4.0, 2.0, 4.0]


MERGE_CASES = [
    (metrics.Mean, {}, "values"),
    (metrics.Precision, {"thresholds": [0.3, 0.5, 0.7]}, "binary"),
    (metrics.AUC, {"multi_label": True, "num_labels": 4}, "multi"),
    (metrics.F1Score, {"average": "macro"}, "multi"),
    (metrics.MeanIoU, {"num_classes": 4}, "classes"),
    (metrics.R2Score, {}, "multi"),
]


def batch(kind, rng, n=8):
    f32 = lambda x: np.asarray(x, "float32")  # noqa: E731
    return {
        "values": (f32(rng.normal(size=n)),),
        "binary": (f32(rng.integers(0, 2, n)), f32(rng.uniform(size=n))),
        "multi": (f32(rng.integers(0, 2, (n, 4))), f32(rng.uniform(size=(n, 4)))),
        "classes": (rng.integers(0, 4, n), rng.integers(0, 4, n)),
    }[kind]


@pytest.mark.parametrize("cls, kwargs, kind", MERGE_CASES,
                         ids=[f"{c.__name__}-{kw}" for c, kw, _ in MERGE_CASES])
def test_merge_state_equals_one_metric_over_all_batches(cls, kwargs, kind, rng):
    first, second, third = (batch(kind, rng) for _ in range(3))
    whole, a, b = cls(**kwargs), cls(**kwargs), cls(**kwargs)
    for args in (first, second, third):
        whole.update_state(*args)
    a.update_state(*first)
    b.update_state(*second)
    b.update_state(*third)
    before = b.result()
    a.merge_state([b])
    np.testing.assert_allclose(a.result(), whole.result(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b.result(), before)  # the merged-in metric is left as it was


def test_merge_state_rejects_other_metrics():
    with pytest.raises(ValueError, match=r"Precision 'p' cannot merge .* state shapes \[\(1,\), "
                                         r"\(1,\)\], received \[\(3,\), \(3,\)\]"):
        metrics.Precision(name="p").merge_state([metrics.Precision(thresholds=[0.1, 0.2, 0.3])])
    with pytest.raises(ValueError, match="cannot merge the state of 3"):
        metrics.Mean().merge_state([3])


def test_get_serialize_deserialize():
    assert isinstance(metrics.get("auc"), metrics.AUC)
    assert isinstance(metrics.get("AUC"), metrics.AUC)
    assert isinstance(metrics.get("f1_score"), metrics.F1Score)
    assert metrics.get("log_cosh_error").name == "logcosh"
    assert metrics.get("pearson_correlation")._fn is metrics.pearson_correlation
    wrapped = metrics.get("binary_focal_crossentropy")
    assert wrapped._fn is losses.binary_focal_crossentropy
    cfg = metrics.serialize(metrics.MeanIoU(num_classes=4, name="miou"))
    assert cfg["class_name"] == "MeanIoU" and cfg["config"]["num_classes"] == 4
    assert metrics.deserialize(cfg).get_config() == cfg["config"]
    fn_cfg = metrics.serialize(losses.hinge)
    assert fn_cfg["class_name"] == "function" and metrics.deserialize(fn_cfg)._fn is losses.hinge

    class Custom(metrics.Mean):
        pass

    restored = metrics.deserialize({"class_name": "Custom", "config": {"name": "c"}},
                                   custom_objects={"Custom": Custom})
    assert type(restored) is Custom and restored.name == "c"
