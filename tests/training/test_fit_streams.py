"""fit/evaluate/predict on generators, PyDataset and class weights, against array inputs and Keras."""

import keras
import numpy as np
import pytest

import lamina
from tests.helpers import regression_data, seed_sequential


def compiled(model=None, optimizer="sgd"):
    model = model or seed_sequential()
    model.compile(optimizer=optimizer, loss="mse", metrics=["mae"])
    return model


def batches(x, y, batch_size):
    for start in range(0, len(x), batch_size):
        yield x[start:start + batch_size], y[start:start + batch_size]


class Rows(lamina.utils.PyDataset):
    def __init__(self, x, y, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size = x, y, batch_size

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index):
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[part], self.y[part]


@pytest.mark.parametrize("make_source", [
    lambda x, y: (lambda: batches(x, y, 32)),
    lambda x, y: (lambda: Rows(x, y, 32, workers=2)),
])
def test_streams_train_like_arrays_including_a_partial_batch(make_source):
    x, y = regression_data(rows=100)  # 3 full batches and one of 4 rows
    reference, streamed = compiled(), compiled()
    streamed.set_weights(reference.get_weights())
    make = make_source(x, y)
    h_ref = reference.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0).history
    h_stream = {"loss": [], "mae": []}
    for _ in range(2):  # a plain generator is consumed: give one per epoch
        h = streamed.fit(make(), epochs=1, verbose=0, shuffle=False).history
        for key in h_stream:
            h_stream[key] += h[key]
    np.testing.assert_allclose(h_stream["loss"], h_ref["loss"], rtol=1e-5)
    for a, b in zip(reference.get_weights(), streamed.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(streamed.evaluate(make(), verbose=0),
                               reference.evaluate(x, y, verbose=0), rtol=1e-5)
    np.testing.assert_allclose(streamed.predict(make(), verbose=0),
                               reference.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_generator_with_steps_per_epoch_and_validation_generator():
    x, y = regression_data(rows=96)

    def forever():
        while True:
            yield from batches(x, y, 32)

    model = compiled()
    history = model.fit(forever(), steps_per_epoch=3, epochs=3, verbose=0,
                        validation_data=forever(), validation_steps=2)
    assert len(history.history["loss"]) == 3 and len(history.history["val_loss"]) == 3
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_class_weight_matches_keras():
    x, _ = regression_data(rows=64)
    y = (x[:, 0] > 0.5).astype("int32")
    ours = lamina.Sequential([lamina.layers.Dense(2, activation="softmax", input_dim=8)])
    theirs = keras.Sequential([keras.Input((8,)), keras.layers.Dense(2, activation="softmax")])
    theirs.set_weights(ours.get_weights())
    histories = []
    for model in (ours, theirs):
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        histories.append(model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0,
                                   class_weight={0: 1.0, 1: 3.0}).history)
    np.testing.assert_allclose(histories[0]["loss"], histories[1]["loss"], rtol=1e-5)
