"""EarlyStopping against Keras's on the same scripted logs, and in a real fit."""

import keras
import numpy as np
import pytest

from lamina.callbacks.early_stopping import EarlyStopping
from lamina.callbacks.lambda_callback import LambdaCallback
from tests.callbacks.support import StubModel, drive, linear_data, tiny_model

DIPS = [1.0, 0.9, 0.95, 0.97, 0.85, 0.86, 0.87, 0.88, 0.89, 0.9]
WORSE = [0.5, 0.6, 0.7, 0.8, 0.9]
SCORES = [0.1, 0.3, 0.5, 0.5, 0.5, 0.51, 0.4, 0.3]

CASES = [
    (DIPS, {}),
    (DIPS, {"patience": 2}),
    (DIPS, {"patience": 3}),
    (DIPS, {"patience": 2, "min_delta": 0.06}),
    (DIPS, {"patience": 1, "baseline": 0.88}),
    (DIPS, {"patience": 2, "baseline": 0.5}),
    (DIPS, {"patience": 1, "start_from_epoch": 3}),
    (DIPS, {"patience": 2, "restore_best_weights": True}),
    (DIPS, {"patience": 20, "restore_best_weights": True}),
    (WORSE, {"patience": 2, "restore_best_weights": True}),
    (WORSE, {"patience": 1, "mode": "max"}),
    (SCORES, {"monitor": "val_acc", "mode": "max", "patience": 1}),
    (SCORES, {"monitor": "val_acc", "mode": "max", "patience": 1, "min_delta": 0.05,
              "restore_best_weights": True}),
]


def _outcome(cls, values, kwargs):
    callback = cls(**kwargs)
    model = StubModel()
    last = drive(callback, model, values, monitor=kwargs.get("monitor", "val_loss"))
    return dict(last=last, stopped_epoch=callback.stopped_epoch, best=callback.best,
                best_epoch=callback.best_epoch, wait=callback.wait, restored=model.restored)


@pytest.mark.parametrize("values,kwargs", CASES)
def test_stopping_epoch_and_restored_weights_match_keras(values, kwargs):
    assert _outcome(EarlyStopping, values, kwargs) == _outcome(
        keras.callbacks.EarlyStopping, values, kwargs)


def test_patience_counts_epochs_without_improvement():
    result = _outcome(EarlyStopping, DIPS, {"patience": 2})
    assert (result["last"], result["best"], result["best_epoch"]) == (3, 0.9, 1)


def test_real_fit_stops_like_keras_and_restores_the_best_weights():
    # Trained towards w=(1,2,3) from zero, validated against half of it: val_loss falls, then
    # rises, so the best epoch is in the middle.
    x, y = linear_data()
    x_val, y_val = linear_data(rows=32, seed=1, w=(0.5, 1.0, 1.5))
    model = tiny_model(learning_rate=0.05)
    model.build((None, 3))
    model.set_weights([np.zeros((3, 1), "float32"), np.zeros(1, "float32")])
    weights_at_end = []
    stop = EarlyStopping(patience=2, restore_best_weights=True)
    record = LambdaCallback(on_epoch_end=lambda epoch, logs: weights_at_end.append(
        model.get_weights()))
    history = model.fit(x, y, batch_size=16, epochs=30, verbose=0, shuffle=False,
                        validation_data=(x_val, y_val), callbacks=[stop, record])
    val_loss = history.history["val_loss"]
    best = int(np.argmin(val_loss))
    assert 0 < best < len(val_loss) - 1 < 29  # a real dip, and training stopped early
    assert stop.best_epoch == best and stop.stopped_epoch == len(val_loss) - 1
    for restored, expected in zip(model.get_weights(), weights_at_end[best]):
        np.testing.assert_array_equal(restored, expected)
    reference = _outcome(keras.callbacks.EarlyStopping, val_loss + [9.0] * 5,
                         {"patience": 2, "restore_best_weights": True})
    assert (reference["last"], reference["restored"]) == (len(val_loss) - 1, best)


def test_auto_mode_maximizes_accuracy_and_minimizes_errors():
    x, y = linear_data(rows=8)
    model = tiny_model(metrics=["mae", "accuracy"])
    model.fit(x, y, epochs=1, verbose=0)
    for monitor, expected in (("val_accuracy", True), ("mae", False), ("val_loss", False)):
        callback = EarlyStopping(monitor=monitor)
        callback.set_model(model)
        callback._set_monitor_op()
        assert callback._maximizes() is expected


def test_unknown_monitor_in_auto_mode_asks_for_a_mode():
    callback = EarlyStopping(monitor="val_mystery")
    with pytest.raises(ValueError, match="Pass `mode='max'`"):
        drive(callback, StubModel(), [1.0], monitor="val_mystery")


def test_missing_monitor_warns_and_does_not_stop():
    callback = EarlyStopping(monitor="val_loss")
    model = StubModel()
    callback.set_model(model)
    with pytest.warns(UserWarning, match="Available metrics are: loss"):
        callback.on_epoch_end(0, {"loss": 1.0})
    assert not model.stop_training


def test_unknown_mode_warns_and_falls_back_to_auto():
    with pytest.warns(UserWarning, match="mode 'upwards' is unknown"):
        assert EarlyStopping(mode="upwards").mode == "auto"


def test_instance_is_reset_between_fits():
    callback = EarlyStopping(patience=0)
    drive(callback, StubModel(), [1.0, 2.0])
    assert callback.stopped_epoch == 1
    last = drive(callback, StubModel(), [3.0, 2.0, 1.0])
    assert (last, callback.stopped_epoch, callback.best) == (2, 0, 1.0)

