"""The seed model both ways: structure, summary, eager calls, identical training."""

import re

import jax.numpy as jnp
import numpy as np
import pytest

import lamina
from lamina.layers import Dense
from lamina.models import Sequential
from tests.helpers import SeedSubclass, regression_data, seed_sequential


def summary_rows(model):
    lines = []
    model.summary(print_fn=lines.append)
    text = "".join(lines)
    rows = re.findall(r"│ (\S+) \((\w+)\)\s+│ (\([^)]*\))\s+│\s+([\d,]+) │", text)
    total = int(re.search(r"Total params: ([\d,]+)", text).group(1).replace(",", ""))
    return [(cls, shape, int(params.replace(",", ""))) for _, cls, shape, params in rows], total


def test_seed_model_has_keras_parameter_count():
    assert seed_sequential().count_params() == 2689
    sub = SeedSubclass()
    sub.build((None, 8))
    assert sub.count_params() == 2689


def test_summary_shows_shapes_and_counts_for_both_styles():
    rows, total = summary_rows(seed_sequential())
    assert rows == [("Dense", "(None, 64)", 576), ("Activation", "(None, 64)", 0),
                    ("Dense", "(None, 32)", 2080), ("Activation", "(None, 32)", 0),
                    ("Dense", "(None, 1)", 33)]
    assert total == 2689
    sub = SeedSubclass()
    sub(np.ones((3, 8), "float32"))  # built by its first call
    rows, total = summary_rows(sub)
    assert rows == [("Dense", "(None, 64)", 576), ("Dense", "(None, 32)", 2080),
                    ("Dense", "(None, 1)", 33)]
    assert total == 2689


def test_add_pop_layers_get_layer_and_input_forms():
    model = Sequential()
    model.add(lamina.Input((4,)))
    model.add(Dense(3, name="hidden"))
    model.add(Dense(2))
    assert model.input_shape == (None, 4)
    assert [layer.name for layer in model.layers][0] == "hidden"
    assert model.get_layer("hidden") is model.layers[0]
    assert model.get_layer(index=-1) is model.layers[1]
    assert model.count_params() == 4 * 3 + 3 + 3 * 2 + 2
    model.pop()
    assert model(np.ones((2, 4))).shape == (2, 3)
    shaped = Sequential([Dense(2, input_shape=(5,))])
    assert shaped.input_shape == (None, 5) and shaped.built
    with pytest.raises(ValueError, match="No layer named 'nope'"):
        model.get_layer("nope")


def test_eager_call_matches_predict_and_layer_by_layer():
    model = seed_sequential()
    x = np.random.default_rng(1).normal(size=(32, 8)).astype("float32")
    manual = x
    for layer in model.layers:
        manual = layer(manual)
    np.testing.assert_allclose(model(x), manual, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(model.predict(x, verbose=0), manual, rtol=1e-6, atol=1e-6)


def test_both_styles_train_identically_from_the_same_weights():
    x, y = regression_data()
    seq, sub = seed_sequential(), SeedSubclass()
    sub.build((None, 8))
    sub.set_weights(seq.get_weights())
    histories = []
    for model in (seq, sub):
        model.compile(optimizer="adam", loss="mse", metrics=["mae"])
        lamina.utils.set_random_seed(3)
        histories.append(model.fit(x, y, batch_size=32, epochs=3, validation_split=0.2,
                                   verbose=0).history)
    for key in ("loss", "mae", "val_loss", "val_mae"):
        np.testing.assert_allclose(histories[0][key], histories[1][key], rtol=1e-6)
    np.testing.assert_allclose(seq.predict(x[:5], verbose=0), sub.predict(x[:5], verbose=0),
                               rtol=1e-6)


def test_weights_lists_and_trainable_weights():
    model = seed_sequential()
    assert [w.shape for w in model.get_weights()] == [(8, 64), (64,), (64, 32), (32,), (32, 1), (1,)]
    model.layers[0].trainable = False
    assert len(model.trainable_weights) == 4 and len(model.non_trainable_weights) == 2


def test_subclass_gets_training_argument():
    class Noisy(lamina.Model):
        def __init__(self):
            super().__init__()
            self.drop = lamina.layers.Dropout(0.5)

        def call(self, x, training=False):
            return self.drop(x, training=training)

    model, x = Noisy(), jnp.ones((8, 64))
    assert jnp.array_equal(model(x), x)
    assert float((model(x, training=True) == 0).mean()) > 0.2


def test_inputs_outputs_and_output_shape_for_sequential_and_subclass():
    model = seed_sequential()
    assert [t.shape for t in model.inputs] == [(None, 8)]
    assert [t.shape for t in model.outputs] == [(None, 1)]
    assert model.output_shape == (None, 1)
    sub = SeedSubclass()
    with pytest.raises(AttributeError, match="not been built"):
        sub.output_shape
    sub.build((None, 8))
    assert sub.output_shape == (None, 1)
