"""ModelCheckpoint: file names, what the files hold, and save decisions against Keras's on the
same scripted logs."""

import os

import keras
import numpy as np
import pytest

import lamina
from lamina.callbacks.lambda_callback import LambdaCallback
from lamina.callbacks.model_checkpoint import ModelCheckpoint
from tests.callbacks.support import linear_data, tiny_model


class SavingStub:
    """Enough of a model for ModelCheckpoint: records the paths it is asked to save to."""

    def __init__(self):
        self.stop_training = False
        self.metrics = []
        self.saved = []

    def save(self, filepath, overwrite=True):
        self.saved.append(os.path.basename(filepath))

    save_weights = save


def _drive_epochs(cls, values, kwargs, tmp_path, name="{epoch:02d}.keras"):
    callback = cls(str(tmp_path / name), **kwargs)
    model = SavingStub()
    callback.set_model(model)
    callback.on_train_begin()
    for epoch, value in enumerate(values):
        callback.on_epoch_begin(epoch)
        logs = {} if value is None else {kwargs.get("monitor", "val_loss"): value}
        callback.on_epoch_end(epoch, logs)
    return model.saved, callback.best


def _drive_batches(cls, chunk_ends, values, kwargs, tmp_path):
    """Epochs of batches: ``chunk_ends[e]`` are the 0-based last batches of epoch e's chunks.
    Keras sees on_train_batch_end(last batch); lamina on_chunk_end(steps done)."""
    callback = cls(str(tmp_path / "{epoch:02d}-{batch:02d}.weights.h5"),
                   save_weights_only=True, **kwargs)
    model = SavingStub()
    callback.set_model(model)
    if not isinstance(callback, ModelCheckpoint):
        callback._set_monitor_op()  # Keras sets it at the first epoch end only, too late here
    callback.on_train_begin()
    values = iter(values)
    for epoch, ends in enumerate(chunk_ends):
        callback.on_epoch_begin(epoch)
        for batch in ends:
            logs = {"loss": next(values)}
            if isinstance(callback, ModelCheckpoint):
                callback.on_chunk_end("train", batch + 1, logs)
            else:
                callback.on_train_batch_end(batch, logs)
        callback.on_epoch_end(epoch, {"loss": 0.0})
    return model.saved, callback.best


DIPS = [1.0, 0.9, 0.95, 0.97, 0.85, 0.85, 0.8]
SCORES = [0.1, 0.3, 0.25, 0.5, 0.5, 0.7]

CASES = [
    (DIPS, {}),
    (DIPS, {"save_best_only": True}),
    (DIPS, {"save_best_only": True, "mode": "min"}),
    (DIPS, {"save_best_only": True, "mode": "max"}),
    (DIPS, {"save_best_only": True, "initial_value_threshold": 0.9}),
    (SCORES, {"save_best_only": True, "monitor": "val_acc", "mode": "max"}),
    (SCORES, {"save_best_only": True, "monitor": "val_acc", "mode": "max",
              "initial_value_threshold": 0.4}),
]


@pytest.mark.parametrize("values,kwargs", CASES)
def test_epoch_save_decisions_match_keras(values, kwargs, tmp_path):
    ours = _drive_epochs(ModelCheckpoint, values, kwargs, tmp_path)
    theirs = _drive_epochs(keras.callbacks.ModelCheckpoint, values, kwargs, tmp_path)
    assert ours[0] == theirs[0]
    assert ours[1] == pytest.approx(None if theirs[1] is None else float(theirs[1]))


def test_save_best_only_keeps_improvements_only(tmp_path):
    saved, best = _drive_epochs(ModelCheckpoint, DIPS, {"save_best_only": True}, tmp_path)
    assert saved == ["01.keras", "02.keras", "05.keras", "07.keras"] and best == 0.8


def test_missing_monitor_warns_and_saves_like_keras(tmp_path):
    with pytest.warns(UserWarning, match="Can save best model only with val_loss available"):
        ours = _drive_epochs(ModelCheckpoint, [None, 1.0], {"save_best_only": True}, tmp_path)
    with pytest.warns(UserWarning):
        theirs = _drive_epochs(keras.callbacks.ModelCheckpoint, [None, 1.0],
                               {"save_best_only": True}, tmp_path)
    assert ours[0] == theirs[0] == ["01.keras", "02.keras"]


@pytest.mark.parametrize("chunk_ends,kwargs", [
    ([range(5), range(5)], {"save_freq": 2}),                      # steps_per_execution=1
    ([[1, 3, 4], [1, 3, 4], [1, 3, 4]], {"save_freq": 3}),         # chunks of 2 batches
    ([range(4), range(4)], {"save_freq": 1, "save_best_only": True, "monitor": "loss"}),
])
def test_batch_save_decisions_and_names_match_keras(chunk_ends, kwargs, tmp_path):
    values = [1.0, 0.8, 0.9, 0.7, 0.75, 0.6, 0.65, 0.5, 0.55, 0.4, 0.3] * 2
    ours = _drive_batches(ModelCheckpoint, chunk_ends, values, kwargs, tmp_path)
    theirs = _drive_batches(keras.callbacks.ModelCheckpoint, chunk_ends, values, kwargs,
                            tmp_path)
    assert ours[0] == theirs[0] and len(ours[0]) > 1


def _weights_at_epoch_end(model, store):
    return LambdaCallback(on_epoch_end=lambda epoch, logs: store.append(model.get_weights()))


def _assert_same(actual, expected):
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        np.testing.assert_array_equal(a, e)


def test_full_saves_per_epoch_reload_to_the_weights_of_their_epoch(tmp_path):
    x, y = linear_data()
    model = tiny_model(learning_rate=0.05)
    weights = []
    ckpt = ModelCheckpoint(tmp_path / "run" / "{epoch:02d}-{val_loss:.2f}.keras")
    history = model.fit(x, y, batch_size=16, epochs=3, verbose=0, validation_data=(x, y),
                        callbacks=[ckpt, _weights_at_epoch_end(model, weights)])
    names = [f"{e + 1:02d}-{v:.2f}.keras" for e, v in enumerate(history.history["val_loss"])]
    assert sorted(os.listdir(tmp_path / "run")) == sorted(names) and len(set(names)) == 3
    for name, expected in zip(names, weights):
        restored = lamina.models.load_model(tmp_path / "run" / name)
        _assert_same(restored.get_weights(), expected)
    assert not np.array_equal(weights[0][0], weights[-1][0])  # the epochs really differ


def test_weights_only_best_saves_hold_the_best_epoch(tmp_path):
    x, y = linear_data()
    x_val, y_val = linear_data(rows=32, seed=1, w=(0.5, 1.0, 1.5))  # val_loss dips, then rises
    model = tiny_model(learning_rate=0.05)
    model.build((None, 3))
    model.set_weights([np.zeros((3, 1), "float32"), np.zeros(1, "float32")])
    weights = []
    ckpt = ModelCheckpoint(str(tmp_path / "best.weights.h5"), save_best_only=True,
                           save_weights_only=True)
    history = model.fit(x, y, batch_size=16, epochs=12, verbose=0, shuffle=False,
                        validation_data=(x_val, y_val),
                        callbacks=[ckpt, _weights_at_epoch_end(model, weights)])
    val_loss = history.history["val_loss"]
    best = int(np.argmin(val_loss))
    assert 0 < best < len(val_loss) - 1
    fresh = tiny_model()
    fresh.build((None, 3))
    fresh.load_weights(tmp_path / "best.weights.h5")
    _assert_same(fresh.get_weights(), weights[best])
    assert ckpt.best == pytest.approx(val_loss[best])


@pytest.mark.parametrize("steps_per_execution", [1, 3])
def test_int_save_freq_saves_the_state_after_its_batch(steps_per_execution, tmp_path):
    x, y = linear_data(rows=48)  # 6 batches of 8 per epoch
    model = tiny_model(learning_rate=0.05)
    model.compile(lamina.optimizers.SGD(0.05), "mse", steps_per_execution=steps_per_execution)
    at_chunk_end = {}
    record = LambdaCallback(on_epoch_begin=lambda epoch, logs: at_chunk_end.update(epoch=epoch),
                            on_chunk_end=lambda kind, step, logs: at_chunk_end.update(
                                {(at_chunk_end["epoch"] + 1, step): model.get_weights()}))
    ckpt = ModelCheckpoint(tmp_path / "{epoch}-{batch}.weights.h5", save_weights_only=True,
                           save_freq=4)
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[ckpt, record])
    expected = {1: ["1-4", "2-2", "2-6"], 3: ["1-6", "2-6"]}[steps_per_execution]
    files = sorted(f.removesuffix(".weights.h5") for f in os.listdir(tmp_path))
    assert files == expected
    for name in files:
        epoch, step = map(int, name.split("-"))
        fresh = tiny_model()
        fresh.build((None, 3))
        fresh.load_weights(tmp_path / f"{name}.weights.h5")
        _assert_same(fresh.get_weights(), at_chunk_end[(epoch, step)])


def test_epoch_frequency_keeps_the_fused_epoch_path():
    assert not ModelCheckpoint("m.keras")._overrides("on_train_batch_end")
    assert ModelCheckpoint("m.keras", save_freq=5)._overrides("on_train_batch_end")


@pytest.mark.parametrize("kwargs,error,match", [
    ({"filepath": "m.h5", "save_weights_only": True}, ValueError, "must end in `.weights.h5`"),
    ({"filepath": "m.weights"}, ValueError, r"must end in `.keras` \(Keras model format\)"),
    ({"filepath": "m.keras", "save_freq": "batch"}, ValueError, "Unrecognized save_freq"),
])
def test_bad_arguments_are_refused_like_keras(kwargs, error, match):
    with pytest.raises(error, match=match):
        ModelCheckpoint(**kwargs)
    with pytest.raises(error, match=match):
        keras.callbacks.ModelCheckpoint(**kwargs)


def test_legacy_h5_full_saves_are_not_implemented():
    with pytest.raises(NotImplementedError, match="does not write them"):
        ModelCheckpoint("model.h5")


def test_unknown_placeholder_names_the_path(tmp_path):
    callback = ModelCheckpoint(str(tmp_path / "{epoch}-{val_acc:.2f}.keras"))
    callback.set_model(SavingStub())
    with pytest.raises(KeyError, match="Failed to format this callback filepath.*val_acc"):
        callback.on_epoch_end(0, {"val_loss": 1.0})


def test_a_directory_in_the_way_is_reported(tmp_path):
    (tmp_path / "01.weights.h5").mkdir()
    model = tiny_model()
    model.build((None, 3))
    callback = ModelCheckpoint(str(tmp_path / "{epoch:02d}.weights.h5"), save_weights_only=True)
    callback.set_model(model)
    with pytest.raises(IOError, match="non-directory filepath"):
        callback.on_epoch_end(0, {})


def test_verbose_messages(tmp_path, capsys):
    _drive_epochs(ModelCheckpoint, [1.0, 2.0], {"save_best_only": True, "verbose": 1}, tmp_path)
    out = capsys.readouterr().out
    assert "Epoch 1: val_loss improved from None to 1.00000, saving model to" in out
    assert "Epoch 2: val_loss did not improve from 1.00000" in out
