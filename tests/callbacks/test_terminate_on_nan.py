"""TerminateOnNaN: stops a diverging fit at the first non-finite batch loss."""

import math

import keras
import numpy as np
import pytest

from lamina.callbacks.lambda_callback import LambdaCallback
from lamina.callbacks.terminate_on_nan import TerminateOnNaN
from tests.callbacks.support import StubModel, linear_data, tiny_model


def _diverging():
    x, y = linear_data()
    return tiny_model(learning_rate=1e3), x * 100, y


@pytest.mark.parametrize("loss", [1.0, float("nan"), float("inf"), -float("inf"), None])
def test_stops_on_the_same_losses_as_keras(loss):
    stopped = []
    for cls in (TerminateOnNaN, keras.callbacks.TerminateOnNaN):
        callback, model = cls(), StubModel()
        callback.set_model(model)
        callback.on_batch_end(3, {} if loss is None else {"loss": loss})
        stopped.append(model.stop_training)
    assert stopped[0] == stopped[1] == (loss is not None and not math.isfinite(loss))


def test_diverging_fit_stops_at_the_first_bad_batch(capsys):
    model, x, y = _diverging()
    losses = []
    spy = LambdaCallback(on_train_batch_end=lambda batch, logs: losses.append(logs["loss"]))
    history = model.fit(x, y, batch_size=8, epochs=5, verbose=0, shuffle=False,
                        callbacks=[TerminateOnNaN(), spy])
    first_bad = next(i for i, v in enumerate(losses) if not math.isfinite(v))
    assert len(losses) == first_bad + 1 < 8  # stopped inside the first epoch of 8 batches
    assert int(model.optimizer.iterations.value) == first_bad + 1
    assert len(history.history["loss"]) == 1 and not np.isfinite(history.history["loss"][0])
    assert f"Batch {first_bad}: Invalid loss, terminating training" in capsys.readouterr().out


def test_raise_error_raises_and_skips_train_end():
    model, x, y = _diverging()
    ended = []
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch"):
        model.fit(x, y, batch_size=8, epochs=5, verbose=0, callbacks=[
            TerminateOnNaN(raise_error=True), LambdaCallback(on_train_end=ended.append)])
    assert ended == []
