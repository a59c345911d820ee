"""MonitorCallback: improvement tests against Keras's, and how "auto" picks a direction."""

import itertools

import pytest
from keras.src.callbacks.monitor_callback import MonitorCallback as KerasMonitorCallback

from lamina.callbacks.monitor import MonitorCallback
from tests.callbacks.support import StubModel


@pytest.mark.parametrize("mode,min_delta", itertools.product(["min", "max"], [0, 0.1, -0.1]))
def test_is_improvement_matches_keras(mode, min_delta):
    ours = MonitorCallback("val_x", mode=mode, min_delta=min_delta)
    theirs = KerasMonitorCallback("val_x", mode=mode, min_delta=min_delta)
    theirs._set_monitor_op()
    values = [0.5, 0.875, 1.0, 1.125, 1.5]
    for value, reference in itertools.product(values, values + [None]):
        assert ours._is_improvement(value, reference) == bool(
            theirs._is_improvement(value, reference)), (value, reference)


class _Metric:
    def __init__(self, name, direction=None):
        self.name = name
        if direction is not None:
            self._direction = direction


@pytest.mark.parametrize("monitor,metric,maximizes", [
    ("val_loss", None, False),
    ("loss", None, False),
    ("val_score", _Metric("score", "up"), True),
    ("val_score", _Metric("score", "down"), False),
    ("val_top_k_accuracy", _Metric("top_k_accuracy"), True),
    ("auc", _Metric("auc"), True),
    ("val_mse", _Metric("mse"), False),
])
def test_auto_direction(monitor, metric, maximizes):
    model = StubModel()
    model.metrics = [] if metric is None else [metric]
    callback = MonitorCallback(monitor)
    callback.set_model(model)
    assert callback._maximizes() is maximizes


def test_explicit_mode_wins_over_the_name():
    callback = MonitorCallback("val_loss", mode="max")
    callback.set_model(StubModel())
    assert callback._maximizes() is True


def test_missing_value_warns_and_returns_none():
    with pytest.warns(UserWarning, match="`val_loss` which is not available. Available metrics "
                                         "are: loss,mae"):
        assert MonitorCallback().get_monitor_value({"loss": 1.0, "mae": 2.0}) is None
