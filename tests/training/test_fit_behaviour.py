"""fit/evaluate/predict behaviour: learning, padding, compilation counts, freezing, callbacks."""

import numpy as np
import pytest

import lamina
from lamina.datasets import regression8
from tests.helpers import SeedSubclass, regression_data, seed_sequential


def compiled(model=None, **kwargs):
    model = model or seed_sequential()
    model.compile(optimizer=kwargs.pop("optimizer", "adam"), loss="mse", metrics=["mae"], **kwargs)
    return model


def test_loss_goes_down_by_a_large_factor_on_demo_data():
    (x, y), (xt, yt) = regression8(rows=4096)
    model = compiled()
    history = model.fit(x, y, batch_size=32, epochs=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0] / 4
    assert model.evaluate(xt, yt, verbose=0)[0] < 0.2 * float(np.var(yt))


def test_no_recompilation_after_first_epoch_even_with_partial_batch():
    x, y = regression_data(rows=100)  # 100 = 3 * 32 + 4
    model = compiled()
    model.fit(x, y, batch_size=32, epochs=1, validation_split=0.2, verbose=0)
    traces = model._trace_count
    model.fit(x, y, batch_size=32, epochs=4, validation_split=0.2, verbose=0)
    assert model._trace_count == traces
    model.evaluate(x, y, verbose=0)
    before = model._trace_count
    for _ in range(3):
        model.fit(x, y, batch_size=32, epochs=2, validation_split=0.2, verbose=0)
        model.evaluate(x, y, verbose=0)
        model.predict(x, verbose=0)
    assert model._trace_count == before + 1  # the first predict only


def test_padded_last_batch_equals_unpadded_reference():
    x, y = regression_data(rows=70)
    a, b = compiled(optimizer="sgd"), compiled(seed_sequential(), optimizer="sgd")
    b.set_weights(a.get_weights())
    a.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)  # 32, 32, 6 (padded)
    for start in (0, 32, 64):  # the same three batches, unpadded
        b.train_on_batch(x[start:start + 32], y[start:start + 32])
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-5, atol=1e-7)


def test_frozen_layer_weights_stay_unchanged_in_fit():
    x, y = regression_data()
    model = seed_sequential()
    model.layers[0].trainable = False
    frozen = [w.copy() for w in model.layers[0].get_weights()]
    other = model.layers[2].get_weights()[0].copy()
    compiled(model).fit(x, y, epochs=2, verbose=0)
    for before, after in zip(frozen, model.layers[0].get_weights()):
        np.testing.assert_array_equal(before, after)
    assert not np.allclose(other, model.layers[2].get_weights()[0])


def test_set_random_seed_makes_runs_bit_identical():
    x, y = regression_data()
    results = []
    for _ in range(2):
        lamina.utils.set_random_seed(7)
        model = compiled(lamina.Sequential([lamina.layers.Dense(16, input_dim=8, activation="relu"),
                                            lamina.layers.Dropout(0.3), lamina.layers.Dense(1)]))
        history = model.fit(x, y, epochs=2, verbose=0)
        results.append((history.history["loss"], model.get_weights()))
    assert results[0][0] == results[1][0]
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_array_equal(a, b)


def test_validation_data_initial_epoch_and_history_keys():
    x, y = regression_data()
    model = compiled()
    history = model.fit(x, y, epochs=3, initial_epoch=1, validation_data=(x[:50], y[:50]), verbose=0)
    assert history.epoch == [1, 2]
    assert set(history.history) == {"loss", "mae", "val_loss", "val_mae"}
    assert model.history is history
    val = model.evaluate(x[:50], y[:50], verbose=0, return_dict=True)
    assert val == pytest.approx({"loss": history.history["val_loss"][-1],
                                 "mae": history.history["val_mae"][-1]}, rel=1e-6)


class Recorder(lamina.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def on_epoch_begin(self, epoch, logs=None):
        self.events.append(("epoch_begin", epoch))

    def on_train_batch_end(self, batch, logs=None):
        self.events.append(("batch_end", batch, logs["loss"]))

    def on_epoch_end(self, epoch, logs=None):
        self.events.append(("epoch_end", epoch, logs["loss"]))


@pytest.mark.parametrize("steps_per_execution", [1, 3])
def test_batch_hooks_get_real_per_batch_logs(steps_per_execution):
    x, y = regression_data(rows=160)
    model = compiled(steps_per_execution=steps_per_execution, optimizer="sgd")
    reference = compiled(seed_sequential(), optimizer="sgd")
    reference.set_weights(model.get_weights())
    recorder = Recorder()
    model.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0, callbacks=[recorder])
    batches = [e for e in recorder.events if e[0] == "batch_end"]
    assert [b[1] for b in batches] == [0, 1, 2, 3, 4]
    running = []
    for start in range(0, 160, 32):  # Keras logs the running mean of the batch losses
        running.append(reference.train_on_batch(x[start:start + 32], y[start:start + 32]))
    np.testing.assert_allclose([b[2] for b in batches], [r[0] for r in running], rtol=1e-5)
    assert recorder.events[-1][2] == pytest.approx(batches[-1][2])


def test_stop_training_from_a_callback():
    class StopAtTwo(lamina.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.model.stop_training = True

    x, y = regression_data()
    history = compiled().fit(x, y, epochs=10, verbose=0, callbacks=[StopAtTwo()])
    assert history.epoch == [0, 1]


def test_callback_sees_current_weights_during_fit():
    x, y = regression_data()
    seen = []

    class Snapshot(lamina.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(self.model.get_weights()[0].copy())

    model = compiled()
    model.fit(x, y, epochs=2, verbose=0, callbacks=[Snapshot()])
    assert not np.allclose(seen[0], seen[1])
    np.testing.assert_array_equal(seen[1], model.get_weights()[0])


def test_set_weights_between_fits_is_used_by_the_next_fit():
    x, y = regression_data()
    model = compiled(optimizer="sgd")
    model.fit(x, y, epochs=1, verbose=0)
    zeros = [np.zeros_like(w) for w in model.get_weights()]
    model.set_weights(zeros)
    np.testing.assert_array_equal(model.predict(x[:4], verbose=0), np.zeros((4, 1)))


def test_on_batch_methods_and_predict_on_batch():
    x, y = regression_data(rows=64)
    model = compiled()
    loss, mae = model.train_on_batch(x, y)
    logs = model.test_on_batch(x, y, return_dict=True)
    assert set(logs) == {"loss", "mae"} and logs["loss"] < loss * 1.5
    np.testing.assert_allclose(model.predict_on_batch(x), model.predict(x, verbose=0), rtol=1e-5,
                               atol=1e-6)


def test_predict_large_and_odd_sizes_match_eager_call():
    model = seed_sequential()
    x = np.random.default_rng(0).normal(size=(10_001, 8)).astype("float32")
    expected = np.asarray(model(x))
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.predict(x[:5], batch_size=4, verbose=0), expected[:5],
                               rtol=1e-5, atol=1e-6)


def test_verbose_modes_print_keras_style_lines(capsys):
    x, y = regression_data(rows=64)
    model = compiled()
    model.fit(x, y, epochs=2, verbose=2)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out
    assert out.count("2/2 - ") == 2 and "loss: " in out and "mae: " in out
    model.fit(x, y, epochs=1, verbose=0)
    assert capsys.readouterr().out == ""


def test_subclassed_model_fits_and_predicts():
    x, y = regression_data()
    model = compiled(SeedSubclass())
    history = model.fit(x, y, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.predict(x[:3], verbose=0).shape == (3, 1)


def test_evaluate_returns_loss_first_like_keras():
    x, y = regression_data(rows=64)
    y = (y > 0).astype("float32")
    model = lamina.Sequential([lamina.layers.Dense(1, activation="sigmoid", input_dim=8)])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    loss, accuracy = model.evaluate(x, y, verbose=0)
    assert list(model.evaluate(x, y, verbose=0, return_dict=True)) == ["loss", "accuracy"]
    assert 0 <= accuracy <= 1 and loss > 0.05
    assert list(model.fit(x, y, epochs=1, verbose=0).history) == ["loss", "accuracy"]
