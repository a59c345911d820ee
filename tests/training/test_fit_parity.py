"""Whole training runs against Keras 3 (same weights, same data, no shuffling): loss curves,
final weights, evaluate and predict agree, including a partial last batch."""

import warnings

import keras
import numpy as np
import pytest

import lamina
from tests.helpers import regression_data, seed_sequential


def keras_seed_model(weights):
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(64),
                              keras.layers.Activation("relu"), keras.layers.Dense(32),
                              keras.layers.Activation("relu"), keras.layers.Dense(1)])
    model.set_weights(weights)
    return model


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rmsprop", "adagrad", "adamw"])
def test_fit_matches_keras_with_partial_last_batch(optimizer):
    x, y = regression_data(rows=200)  # 200 = 6 * 32 + 8: the last batch is partial
    ours = seed_sequential()
    theirs = keras_seed_model(ours.get_weights())
    for model in (ours, theirs):
        model.compile(optimizer=optimizer, loss="mse", metrics=["mae"])
    h1 = ours.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0).history
    h2 = theirs.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0).history
    for key in ("loss", "mae"):
        np.testing.assert_allclose(h1[key], h2[key], rtol=2e-5, atol=1e-6)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=2e-6)
    np.testing.assert_allclose(ours.evaluate(x, y, verbose=0), theirs.evaluate(x, y, verbose=0),
                               rtol=1e-5)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("loss,metric,make_y", [
    ("binary_crossentropy", "accuracy", lambda x: (x[:, :1] > 0).astype("float32")),
    ("sparse_categorical_crossentropy", "accuracy", lambda x: (x[:, 0] > 0).astype("int32") + (x[:, 1] > 0)),
    ("categorical_crossentropy", "accuracy", lambda x: np.eye(3, dtype="float32")[(x[:, 0] > 0).astype(int) + (x[:, 1] > 0)]),
])
def test_classification_losses_and_accuracy_match_keras(loss, metric, make_y):
    x, _ = regression_data(rows=150)
    y = make_y(x)
    units, activation = (1, "sigmoid") if loss == "binary_crossentropy" else (3, "softmax")
    ours = lamina.Sequential([lamina.layers.Dense(16, activation="tanh", input_dim=8),
                              lamina.layers.Dense(units, activation=activation)])
    theirs = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="tanh"),
                               keras.layers.Dense(units, activation=activation)])
    theirs.set_weights(ours.get_weights())
    for model in (ours, theirs):
        model.compile(optimizer="adam", loss=loss, metrics=[metric])
    h1 = ours.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0).history
    h2 = theirs.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0).history
    np.testing.assert_allclose(h1["loss"], h2["loss"], rtol=1e-5)
    np.testing.assert_allclose(h1["accuracy"], h2["accuracy"], rtol=1e-6)


def test_dense_stack_gradient_matches_finite_differences():
    import jax
    import jax.numpy as jnp

    model = lamina.Sequential([lamina.layers.Dense(4, activation="tanh", input_dim=3),
                               lamina.layers.Dense(1)])
    x = np.random.default_rng(0).normal(size=(5, 3))
    variables = model.trainable_variables

    def loss():
        return jnp.mean(model(jnp.asarray(x, jnp.float32), training=True) ** 2)

    _, grads = lamina.value_and_grad(loss, variables)()
    kernel = variables[0]
    original = kernel.numpy().astype(np.float64)
    eps = 1e-3
    for index in [(0, 0), (1, 2), (2, 3)]:
        values = []
        for sign in (1, -1):
            bumped = original.copy()
            bumped[index] += sign * eps
            kernel.assign(bumped)
            values.append(float(loss()))
        kernel.assign(original)
        numeric = (values[0] - values[1]) / (2 * eps)
        np.testing.assert_allclose(float(grads[0][index]), numeric, rtol=2e-2, atol=1e-4)
    assert jax.tree_util.tree_structure(grads) == jax.tree_util.tree_structure([0] * 4)


def test_activity_and_weight_regularizers_in_fit_match_keras():
    x, y = regression_data(rows=70)

    def build(lib):
        return lib.Sequential([lib.Input((8,)),
                               lib.layers.Dense(4, activity_regularizer="l2",
                                                kernel_regularizer=lib.regularizers.L1(0.01)),
                               lib.layers.Dense(1)])

    ours, theirs = build(lamina), build(keras)
    theirs.set_weights(ours.get_weights())
    for model in (ours, theirs):
        model.compile(optimizer="sgd", loss="mse")
    h1 = ours.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0).history
    h2 = theirs.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0).history
    np.testing.assert_allclose(h1["loss"], h2["loss"], rtol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_data_sized_and_vector_metrics_in_fit_match_keras():
    x, _ = regression_data(rows=80)
    y = np.eye(3, dtype="float32")[(x[:, 0] > 0).astype(int) + (x[:, 1] > 0)]

    def build(lib):
        model = lib.Sequential([lib.Input((8,)), lib.layers.Dense(3, activation="softmax")])
        model.compile("adam", "categorical_crossentropy",
                      metrics=[lib.metrics.F1Score(average="macro", name="f1_score"),
                               lib.metrics.TruePositives(thresholds=[0.3, 0.7], name="tp"),
                               lib.metrics.AUC(name="auc")])
        return model

    ours, theirs = build(lamina), build(keras)
    theirs.set_weights(ours.get_weights())
    h1 = ours.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0).history
    h2 = theirs.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0).history
    for key in ("loss", "f1_score", "auc"):
        np.testing.assert_allclose(h1[key], h2[key], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.stack(h1["tp"]), np.stack(h2["tp"]))


@pytest.mark.parametrize("steps_per_epoch, epochs", [(2, 4), (9, 2), (7, 2)])
def test_steps_per_epoch_with_arrays_continues_the_pass_as_keras_does(steps_per_epoch, epochs):
    # 200 rows at batch 32: 7 steps per pass, the last partial. Keras takes `steps_per_epoch`
    # steps of the pass per epoch, goes on where it stopped, and ends an epoch early (with a
    # warning) where the pass ends.
    x, y = regression_data(rows=200)
    ours = seed_sequential()
    theirs = keras_seed_model(ours.get_weights())
    histories = []
    for model in (ours, theirs):
        model.compile(optimizer="sgd", loss="mse")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            histories.append(model.fit(x, y, batch_size=32, epochs=epochs, shuffle=False,
                                       steps_per_epoch=steps_per_epoch, verbose=0).history)
        ran_out = [w for w in caught if "ran out of data" in str(w.message)]
        assert bool(ran_out) == (steps_per_epoch != 7), model
    np.testing.assert_allclose(histories[0]["loss"], histories[1]["loss"], rtol=2e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=2e-6)


def test_evaluate_and_predict_steps_with_arrays_take_the_first_batches_as_keras_does():
    x, y = regression_data(rows=200)
    ours = seed_sequential()
    theirs = keras_seed_model(ours.get_weights())
    for model in (ours, theirs):
        model.compile(optimizer="sgd", loss="mse")
    np.testing.assert_allclose(ours.evaluate(x, y, batch_size=32, steps=2, verbose=0),
                               theirs.evaluate(x, y, batch_size=32, steps=2, verbose=0), rtol=1e-5)
    assert ours.evaluate(x, y, batch_size=32, steps=2, verbose=0) != pytest.approx(
        ours.evaluate(x, y, batch_size=32, verbose=0))
    predicted = ours.predict(x, batch_size=32, steps=2, verbose=0)
    assert predicted.shape == (64, 1)
    np.testing.assert_allclose(predicted, theirs.predict(x, batch_size=32, steps=2, verbose=0),
                               rtol=1e-5, atol=1e-6)
