"""BackupAndRestore: a crashed fit, resumed, ends bit for bit where an uninterrupted fit ends
(weights and history), with dropout and shuffling, from an epoch end or from the middle of an
epoch."""

import functools
import os
import tempfile

import numpy as np
import pytest

import lamina
from lamina.callbacks.backup_and_restore import BackupAndRestore, ResumePoint
from lamina.callbacks.callback import Callback
from lamina.callbacks.lambda_callback import LambdaCallback
from lamina.saving.errors import CorruptFileError

SEED, EPOCHS = 7, 4
X = np.random.default_rng(0).normal(size=(48, 5)).astype("float32")  # 6 batches of 8
Y = (X @ np.linspace(-1, 1, 5, dtype="float32")[:, None] + 0.1).astype("float32")
X_VAL, Y_VAL = X[:16] + 0.5, Y[:16]


def make_model():
    lamina.utils.set_random_seed(SEED)
    model = lamina.Sequential([lamina.layers.Dense(8, activation="relu", input_dim=5),
                               lamina.layers.Dropout(0.3), lamina.layers.Dense(1)])
    model.compile(lamina.optimizers.Adam(0.02), "mse", metrics=["mae"])
    return model


def fit(model, callbacks):
    return model.fit(X, Y, batch_size=8, epochs=EPOCHS, verbose=0, shuffle=True,
                     validation_data=(X_VAL, Y_VAL), callbacks=callbacks)


class Crash(Callback):
    """Raises at the end of epoch ``epoch`` (0-based) or of its batch ``batch``."""

    def __init__(self, epoch, batch=None):
        super().__init__()
        self.epoch, self.batch, self.current = epoch, batch, None
        if batch is not None:
            self.on_train_batch_end = self._batch_end

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch

    def on_epoch_end(self, epoch, logs=None):
        if self.batch is None and epoch == self.epoch:
            raise RuntimeError("simulated crash")

    def _batch_end(self, batch, logs=None):
        if (self.current, batch) == (self.epoch, self.batch):
            raise RuntimeError("simulated crash")


def recorder(store):
    return LambdaCallback(on_epoch_end=lambda epoch, logs: store.append((epoch, dict(logs))))


@functools.cache
def reference(save_freq="epoch"):
    """An uninterrupted run (with a backup of its own, so fit runs the same chunks)."""
    model = make_model()
    with tempfile.TemporaryDirectory() as folder:
        history = fit(model, [BackupAndRestore(folder, save_freq=save_freq)])
    return model.get_weights(), history.history


def crash_then_resume(backup, crash):
    seen = []
    with pytest.raises(RuntimeError, match="simulated crash"):
        fit(make_model(), [backup, recorder(seen), crash])
    model = make_model()  # a new process would build the model again
    history = fit(model, [backup])
    return model, history, seen


def assert_same_run(model, history, seen, expected_weights, expected_history):
    for restored, expected in zip(model.get_weights(), expected_weights, strict=True):
        np.testing.assert_array_equal(restored, expected)
    first = history.epoch[0]
    before = {key: [logs[key] for epoch, logs in seen if epoch < first] for key in seen[0][1]}
    joined = {key: before[key] + values for key, values in history.history.items()}
    assert joined == expected_history  # float equality: bit for bit


def test_crash_at_an_epoch_end_resumes_to_the_uninterrupted_result(tmp_path):
    expected_weights, expected_history = reference()
    backup = BackupAndRestore(tmp_path / "backup")
    model, history, seen = crash_then_resume(backup, Crash(epoch=1))
    assert history.epoch == [2, 3]  # epochs 0 and 1 were backed up before the crash
    assert_same_run(model, history, seen, expected_weights, expected_history)
    assert not os.path.exists(tmp_path / "backup")  # deleted after the successful fit


def test_crash_mid_epoch_resumes_at_the_batch_after_the_backup(tmp_path):
    expected_weights, expected_history = reference(save_freq=4)
    backup = BackupAndRestore(tmp_path / "backup", save_freq=4)
    # Backups at (epoch 0, step 4), (1, 2), then the crash at epoch 1's batch index 4.
    model, history, seen = crash_then_resume(backup, Crash(epoch=1, batch=4))
    assert history.epoch == [1, 2, 3] and [epoch for epoch, _ in seen] == [0]
    assert_same_run(model, history, seen, expected_weights, expected_history)


def built_model():
    model = make_model()
    model.build((None, 5))
    model.optimizer.build(model.trainable_variables)
    return model


def test_double_checkpoint_falls_back_to_the_previous_backup(tmp_path):
    model = built_model()
    backup = BackupAndRestore(tmp_path / "backup", double_checkpoint=True)
    backup.set_model(model)
    previous = model.get_weights()
    backup._backup(ResumePoint(1))
    model.set_weights([w + 1 for w in previous])
    backup._backup(ResumePoint(2))
    assert sorted(os.listdir(tmp_path / "backup")) == ["latest.weights.h5",
                                                        "latest.weights.h5.bkp"]
    assert backup._restore() == ResumePoint(2)
    (tmp_path / "backup" / "latest.weights.h5").write_bytes(b"damaged on disk")
    with pytest.warns(UserWarning, match="restoring the previous one"):
        assert backup._restore() == ResumePoint(1)
    for restored, expected in zip(model.get_weights(), previous, strict=True):
        np.testing.assert_array_equal(restored, expected)


def test_kept_backup_says_training_is_done(tmp_path):
    backup = BackupAndRestore(tmp_path / "backup", delete_checkpoint=False)
    model = make_model()
    model.fit(X, Y, batch_size=8, epochs=2, verbose=0, callbacks=[backup])
    assert os.listdir(tmp_path / "backup") == ["latest.weights.h5"]
    trained = model.get_weights()
    fresh = built_model()
    backup.set_model(fresh)
    assert backup._restore() == ResumePoint(2)
    history = fresh.fit(X, Y, batch_size=8, epochs=2, verbose=0, callbacks=[backup])
    assert history.epoch == []  # nothing left to run
    for restored, expected in zip(fresh.get_weights(), trained, strict=True):
        np.testing.assert_array_equal(restored, expected)


def test_a_file_not_written_by_the_callback_is_refused(tmp_path):
    model = built_model()
    (tmp_path / "backup").mkdir()
    model.save_weights(tmp_path / "backup" / "latest.weights.h5")
    with pytest.raises(CorruptFileError, match="does not say where training stood"):
        fit(model, [BackupAndRestore(tmp_path / "backup")])


@pytest.mark.filterwarnings("ignore:Skipping the saved metric state")  # metrics unbuilt
def test_resuming_mid_epoch_with_a_generator_is_not_implemented(tmp_path):
    model = built_model()
    backup = BackupAndRestore(tmp_path / "backup", save_freq=4)
    backup.set_model(model)
    backup._backup(ResumePoint(1, 2, (SEED, 8)))

    def batches():
        while True:
            yield X[:8], Y[:8]

    with pytest.raises(NotImplementedError, match="needs array inputs"):
        model.fit(batches(), steps_per_epoch=6, epochs=EPOCHS, verbose=0, callbacks=[backup])


def test_epoch_frequency_keeps_the_fused_epoch_path():
    assert not BackupAndRestore("b")._overrides("on_train_batch_end")
    assert BackupAndRestore("b", save_freq=3)._overrides("on_train_batch_end")


@pytest.mark.parametrize("kwargs,match", [
    ({"backup_dir": ""}, "Empty `backup_dir`"),
    ({"backup_dir": "b", "save_freq": "batch"}, "Unrecognized save_freq"),
    ({"backup_dir": "b", "save_freq": 0}, "Unrecognized save_freq"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        BackupAndRestore(**kwargs)
