"""LearningRateScheduler: the scheduled rate is in the optimizer during each epoch, is used by the
updates, and is logged as `learning_rate` like Keras does."""

import keras
import numpy as np
import pytest

from lamina.callbacks.lambda_callback import LambdaCallback
from lamina.callbacks.learning_rate_scheduler import LearningRateScheduler
from tests.callbacks.support import linear_data, tiny_model


def _schedule(epoch, lr):
    return [0.05, 0.0, lr * 0.5, lr * 0.5][epoch]


def test_rate_per_epoch_in_optimizer_and_logs():
    x, y = linear_data()
    model = tiny_model(learning_rate=0.1)
    during, weights = [], [model.get_weights()]
    spy = LambdaCallback(
        on_epoch_begin=lambda epoch, logs: during.append(float(model.optimizer.learning_rate)),
        on_epoch_end=lambda epoch, logs: weights.append(model.get_weights()))
    history = model.fit(x, y, epochs=4, verbose=0, callbacks=[LearningRateScheduler(_schedule),
                                                             spy])
    expected = [0.05, 0.0, 0.0, 0.0]
    np.testing.assert_allclose(during, expected, rtol=1e-7)
    np.testing.assert_allclose(history.history["learning_rate"], expected, rtol=1e-7)
    assert not np.array_equal(weights[0][0], weights[1][0])  # epoch 0 trained at 0.05
    for before, after in zip(weights[1], weights[-1]):  # a zero rate leaves the weights alone
        np.testing.assert_array_equal(before, after)


def test_logs_and_rates_match_a_keras_fit():
    x, y = linear_data(rows=16)
    schedule = lambda epoch, lr: lr * 0.5 if epoch else 0.2  # noqa: E731
    model = tiny_model(learning_rate=0.1)
    ours = model.fit(x, y, epochs=3, verbose=0, callbacks=[LearningRateScheduler(schedule)])
    reference = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    reference.compile(keras.optimizers.SGD(0.1), "mse")
    theirs = reference.fit(x, y, epochs=3, verbose=0,
                           callbacks=[keras.callbacks.LearningRateScheduler(schedule)])
    assert sorted(ours.history) == sorted(theirs.history)
    np.testing.assert_allclose(ours.history["learning_rate"], theirs.history["learning_rate"],
                               rtol=1e-7)
    np.testing.assert_allclose(float(model.optimizer.learning_rate),
                               float(np.asarray(reference.optimizer.learning_rate)), rtol=1e-7)


def test_one_argument_schedule_and_numpy_floats_are_accepted():
    x, y = linear_data(rows=8)
    model = tiny_model()
    history = model.fit(x, y, epochs=2, verbose=0,
                        callbacks=[LearningRateScheduler(lambda epoch: np.float32(epoch + 1))])
    np.testing.assert_allclose(history.history["learning_rate"], [1.0, 2.0])


def test_schedule_output_must_be_a_number():
    x, y = linear_data(rows=8)
    with pytest.raises(ValueError, match="should be a float. Got: fast"):
        tiny_model().fit(x, y, epochs=1, verbose=0,
                         callbacks=[LearningRateScheduler(lambda epoch, lr: "fast")])


def test_verbose_prints_the_new_rate(capsys):
    x, y = linear_data(rows=8)
    tiny_model().fit(x, y, epochs=1, verbose=0,
                     callbacks=[LearningRateScheduler(lambda epoch, lr: 0.25, verbose=1)])
    printed = capsys.readouterr().out
    assert "Epoch 1: LearningRateScheduler setting learning rate to 0.25." in printed
