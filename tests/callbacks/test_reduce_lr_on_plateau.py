"""ReduceLROnPlateau: the same learning-rate schedule as Keras's for the same scripted logs, and a
real fit whose optimizer ends with the reduced rate."""

import keras
import numpy as np
import pytest

import lamina
from lamina.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau
from tests.callbacks.support import StubModel, drive, linear_data, tiny_model

PLATEAUS = [1.0, 0.9, 0.9, 0.9, 0.89995, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8, 0.7, 0.7, 0.7, 0.7, 0.7]

CASES = [
    {},
    {"patience": 1},
    {"patience": 2, "factor": 0.5},
    {"patience": 1, "cooldown": 2},
    {"patience": 0, "factor": 0.5, "min_lr": 0.002},
    {"patience": 1, "min_delta": 0.0},
    {"patience": 1, "min_delta": 0.15},
    {"patience": 1, "mode": "max"},
    {"patience": 3, "cooldown": 1, "factor": 0.2, "min_lr": 1e-4},
]


def _schedule(callback, optimizer, read):
    """(logged rate, rate after the epoch) for each scripted epoch."""
    model = StubModel(optimizer)
    rates = []
    drive(callback, model, PLATEAUS, each_epoch=lambda epoch, logs: rates.append(
        (logs["learning_rate"], read(optimizer))))
    return rates


@pytest.mark.parametrize("kwargs", CASES)
def test_learning_rates_match_keras(kwargs):
    ours = _schedule(ReduceLROnPlateau(**kwargs), lamina.optimizers.SGD(0.01),
                     lambda opt: float(opt.learning_rate))
    theirs = _schedule(keras.callbacks.ReduceLROnPlateau(**kwargs), keras.optimizers.SGD(0.01),
                       lambda opt: float(np.asarray(opt.learning_rate)))
    assert len(ours) == len(PLATEAUS)
    np.testing.assert_allclose(ours, theirs, rtol=1e-7)


def test_real_fit_reduces_the_optimizer_learning_rate():
    x, y = linear_data()
    model = tiny_model(learning_rate=0.01)
    # A min_delta no change can meet: every epoch after the first is a plateau.
    reduce = ReduceLROnPlateau(monitor="loss", patience=0, min_delta=1e9, factor=0.1)
    history = model.fit(x, y, epochs=3, verbose=0, callbacks=[reduce])
    np.testing.assert_allclose(history.history["learning_rate"], [0.01, 0.01, 0.001], rtol=1e-6)
    np.testing.assert_allclose(float(model.optimizer.learning_rate), 1e-4, rtol=1e-6)


def test_factor_of_one_or_more_is_refused():
    with pytest.raises(ValueError, match="factor >= 1.0"):
        ReduceLROnPlateau(factor=1.0)


def test_missing_monitor_warns_and_keeps_the_rate():
    reduce = ReduceLROnPlateau(patience=0)
    model = StubModel(lamina.optimizers.SGD(0.01))
    reduce.set_model(model)
    for epoch in range(3):
        with pytest.warns(UserWarning, match="Learning rate reduction is conditioned on metric "
                                             "`val_loss`"):
            reduce.on_epoch_end(epoch, {"loss": 1.0})
    assert float(model.optimizer.learning_rate) == pytest.approx(0.01)
