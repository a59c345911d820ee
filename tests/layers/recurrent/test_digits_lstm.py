"""Real data: scikit-learn's handwritten digits read row by row (8 steps of 8 pixels) by an
LSTM classifier reach over 90% test accuracy."""

import time

import numpy as np
from sklearn.datasets import load_digits

import lamina
from lamina.layers import Dense
from lamina.layers.recurrent import LSTM


def test_lstm_reads_digits_row_by_row():
    images, labels = load_digits(return_X_y=True)
    x = (images / 16.0).reshape(-1, 8, 8).astype("float32")  # 8 steps of 8 features in [0, 1]
    order = np.random.default_rng(0).permutation(len(x))
    train, test = order[:1400], order[1400:]
    lamina.utils.set_random_seed(0)
    model = lamina.Sequential([lamina.Input((8, 8)), LSTM(32), Dense(10, activation="softmax")])
    model.compile(lamina.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x[train], labels[train], epochs=12, batch_size=32, verbose=0)
    seconds = time.perf_counter() - start
    accuracy = model.evaluate(x[test], labels[test], verbose=0, return_dict=True)["accuracy"]
    print(f"digits: test accuracy {accuracy:.3f} after {seconds:.1f} s of fit")
    assert accuracy > 0.90
