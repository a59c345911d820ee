"""lamina -> file -> lamina: every model style, weights files, training state, determinism."""

import json
import warnings
import zipfile

import numpy as np
import pytest

import lamina
from lamina.layers import Dense, Dropout
from lamina.saving import (UnknownObjectError, WeightsMismatchError, load_model,
                           register_keras_serializable)
from lamina.utils import set_random_seed
from tests.saving.support import (MLP, data, rewrite_config, seed_sequential, small_sequential,
                                  two_head, with_state)


def _same_weights(a, b):
    assert len(a.variables) == len(b.variables)
    for x, y in zip(a.weights, b.weights):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    for x, y in zip(a.optimizer.variables, b.optimizer.variables):
        np.testing.assert_array_equal(x.numpy(), y.numpy())


@pytest.mark.parametrize("build", [seed_sequential, two_head, lambda: MLP(hidden=8)],
                         ids=["sequential", "functional", "subclassed"])
def test_every_model_style_round_trips_with_optimizer_state(tmp_path, build):
    model = with_state(build(), metrics=["mae"])
    x, _ = data(rows=5)
    model.save(tmp_path / "m.keras")
    loaded = load_model(tmp_path / "m.keras")
    assert type(loaded) is type(model) and loaded.compiled
    _same_weights(model, loaded)
    assert int(loaded.optimizer.iterations.numpy()) == 4
    ours, theirs = model.predict(x, verbose=0), loaded.predict(x, verbose=0)
    for a, b in zip(*(out if isinstance(out, list) else [out] for out in (ours, theirs)),
                    strict=True):
        np.testing.assert_array_equal(a, b)


def test_training_resumes_bit_identically_after_save_and_load(tmp_path):
    """Train 2 epochs, save, load, train 2 more == the same model trained 2 + 2 epochs without
    saving (shuffled batches, dropout, Adam, a metric)."""
    x, y = data(rows=40)
    set_random_seed(7)
    straight = small_sequential(dropout=0.5)
    straight.compile(optimizer="adam", loss="mse", metrics=["mae"])
    straight.fit(x, y, epochs=2, batch_size=8, shuffle=True, verbose=0)
    metrics_before = {k: float(v) for k, v in straight.get_metrics_result().items()}
    straight.save(tmp_path / "half.keras")
    straight.fit(x, y, epochs=4, initial_epoch=2, batch_size=8, shuffle=True, verbose=0)
    resumed = load_model(tmp_path / "half.keras")  # after the random streams have moved on
    assert {k: float(v) for k, v in resumed.get_metrics_result().items()} == metrics_before
    history = resumed.fit(x, y, epochs=4, initial_epoch=2, batch_size=8, shuffle=True, verbose=0)
    _same_weights(straight, resumed)
    assert history.history["loss"] == straight.history.history["loss"]


def test_seed_generator_and_tracked_metric_state_round_trip(tmp_path):
    class Noisy(lamina.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.drop = Dropout(0.5)
            self.out = Dense(1)
            self.seen = lamina.metrics.Mean(name="seen")

        def call(self, x, training=False):
            return self.out(self.drop(x, training=training))

    model = Noisy()
    model(np.ones((2, 4), "float32"))
    model.seen.update_state([1.0, 5.0])
    model.drop(np.ones((3, 4), "float32"), training=True)  # moves the dropout seed on
    model.save(tmp_path / "noisy.keras")
    loaded = load_model(tmp_path / "noisy.keras")
    assert float(loaded.seen.result()) == 3.0
    np.testing.assert_array_equal(loaded.drop.seed_generator.state.numpy(),
                                  model.drop.seed_generator.state.numpy())
    ones = np.ones((3, 4), "float32")
    np.testing.assert_array_equal(loaded.drop(ones, training=True),
                                  model.drop(ones, training=True))


def test_save_weights_and_load_weights_with_mismatches(tmp_path):
    model = with_state(seed_sequential())
    model.save_weights(tmp_path / "w.weights.h5")
    fresh = seed_sequential()
    fresh.compile(optimizer="adam", loss="mse")
    fresh.optimizer.build(fresh.trainable_variables)
    fresh.load_weights(tmp_path / "w.weights.h5")
    _same_weights(model, fresh)

    other = lamina.Sequential([Dense(64, input_dim=8), Dense(7), Dense(1)])
    with pytest.raises(WeightsMismatchError, match=r"kernel.*\(64, 7\).*\(64, 32\)"):
        other.load_weights(tmp_path / "w.weights.h5")
    with pytest.warns(UserWarning, match="Skipping Dense"):
        other.load_weights(tmp_path / "w.weights.h5", skip_mismatch=True)
    np.testing.assert_array_equal(other.layers[0].kernel.numpy(), model.layers[0].kernel.numpy())
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        model.save_weights(tmp_path / "w.h5")


def test_saving_twice_gives_identical_bytes_and_dates_only_on_request(tmp_path):
    model = with_state(small_sequential(dropout=0.2), metrics=["mae"])
    model.save(tmp_path / "a.keras")
    model.save(tmp_path / "b.keras")
    assert (tmp_path / "a.keras").read_bytes() == (tmp_path / "b.keras").read_bytes()
    model.save_weights(tmp_path / "a.weights.h5")
    model.save_weights(tmp_path / "b.weights.h5")
    assert (tmp_path / "a.weights.h5").read_bytes() == (tmp_path / "b.weights.h5").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.keras") as zf:
        assert [i.date_time for i in zf.infolist()] == [(1980, 1, 1, 0, 0, 0)] * 3
        assert "date_saved" not in json.loads(zf.read("metadata.json"))
        assert "shared_object_id" not in zf.read("config.json").decode()
    model.save(tmp_path / "dated.keras", include_date=True)
    with zipfile.ZipFile(tmp_path / "dated.keras") as zf:
        assert "date_saved" in json.loads(zf.read("metadata.json"))


def test_unknown_classes_need_custom_objects(tmp_path):
    model = MLP(hidden=4)
    model.build((None, 8))
    model.save(tmp_path / "m.keras")
    rewrite_config(tmp_path / "m.keras", lambda c: {
        **c, "registered_name": "elsewhere>NoSuchNet", "class_name": "NoSuchNet",
        "module": "evil.mod"})
    with pytest.raises(UnknownObjectError, match="elsewhere>NoSuchNet"):
        load_model(tmp_path / "m.keras")
    loaded = load_model(tmp_path / "m.keras", custom_objects={"elsewhere>NoSuchNet": MLP})
    assert isinstance(loaded, MLP)
    np.testing.assert_array_equal(loaded.head.kernel.numpy(), model.head.kernel.numpy())


def test_registration_names_and_object_round_trip():
    @register_keras_serializable(package="tests")
    class Doubler(lamina.layers.Layer):
        def call(self, x):
            return 2 * x

    class Child(Doubler):
        pass

    from lamina.saving import (deserialize_keras_object, get_registered_name,
                               get_registered_object, serialize_keras_object)
    assert get_registered_name(Doubler) == "tests>Doubler"
    assert get_registered_object("tests>Doubler") is Doubler
    assert get_registered_name(Child) == "Child"
    cfg = serialize_keras_object(Doubler(name="twice"))
    assert cfg["registered_name"] == "tests>Doubler"
    clone = deserialize_keras_object(cfg)
    assert isinstance(clone, Doubler) and clone.name == "twice"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert serialize_keras_object(Child())["registered_name"] != "tests>Doubler"
