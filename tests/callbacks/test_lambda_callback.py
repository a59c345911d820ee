"""LambdaCallback: every hook is called with the arguments Keras passes, in Keras's order."""

import keras
import pytest

from lamina.callbacks.lambda_callback import LambdaCallback
from tests.callbacks.support import linear_data, tiny_model

TRAIN_HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
               "on_train_batch_begin", "on_train_batch_end")


def _recorder(calls):
    """A LambdaCallback recording (hook, index, sorted log keys); batch hooks take logs by
    keyword only, as Keras passes them."""
    def plain(hook):
        return lambda logs: calls.append((hook, None, sorted(logs)))

    def indexed(hook):
        return lambda index, logs: calls.append((hook, index, sorted(logs)))

    def batch(hook):
        return lambda index, **kw: calls.append((hook, index, sorted(kw["logs"])))

    return LambdaCallback(
        on_train_begin=plain("on_train_begin"), on_train_end=plain("on_train_end"),
        on_epoch_begin=indexed("on_epoch_begin"), on_epoch_end=indexed("on_epoch_end"),
        on_train_batch_begin=batch("on_train_batch_begin"),
        on_train_batch_end=batch("on_train_batch_end"),
        on_test_begin=plain("on_test_begin"), on_test_end=plain("on_test_end"),
        on_test_batch_end=batch("on_test_batch_end"))


def test_fit_calls_match_keras():
    x, y = linear_data(rows=40)
    ours, theirs = [], []
    tiny_model(metrics=["mae"]).fit(x, y, batch_size=16, epochs=2, verbose=0,
                                    callbacks=[_recorder(ours)])
    reference = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    reference.compile("sgd", "mse", metrics=["mae"])
    reference.fit(x, y, batch_size=16, epochs=2, verbose=0, callbacks=[_recorder(theirs)])
    assert ours == theirs
    assert [c[1] for c in ours if c[0] == "on_train_batch_end"] == [0, 1, 2, 0, 1, 2]


def test_evaluate_calls_match_keras():
    x, y = linear_data(rows=40)
    ours, theirs = [], []
    tiny_model().evaluate(x, y, batch_size=16, verbose=0, callbacks=[_recorder(ours)])
    reference = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    reference.compile("sgd", "mse")
    reference.evaluate(x, y, batch_size=16, verbose=0, callbacks=[_recorder(theirs)])
    assert ours == theirs


def test_epoch_logs_are_the_fit_logs():
    x, y = linear_data(rows=16)
    seen = {}
    history = tiny_model().fit(x, y, epochs=2, verbose=0, callbacks=[LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.__setitem__(epoch, dict(logs)))])
    assert [seen[0]["loss"], seen[1]["loss"]] == history.history["loss"]


def test_unknown_hook_is_refused():
    with pytest.raises(ValueError, match=r"unknown hooks \['on_epoch_ends'\]"):
        LambdaCallback(on_epoch_ends=print)
