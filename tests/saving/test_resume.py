"""Training resumed from a saved file continues exactly as one uninterrupted run."""

import numpy as np

import lamina
from tests.helpers import regression_data


def build():
    model = lamina.Sequential([lamina.layers.Dense(16, input_dim=8, activation="relu"),
                               lamina.layers.Dropout(0.2), lamina.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return model


def test_fit_two_save_load_fit_two_equals_fit_four(tmp_path):
    x, y = regression_data(rows=100)
    lamina.utils.set_random_seed(11)
    straight = build()
    initial = straight.get_weights()
    full = straight.fit(x, y, batch_size=16, epochs=4, verbose=0).history["loss"]

    lamina.utils.set_random_seed(11)
    first = build()
    first.set_weights(initial)
    head = first.fit(x, y, batch_size=16, epochs=2, verbose=0).history["loss"]
    first.save(tmp_path / "half.keras")
    lamina.utils.set_random_seed(999)  # the random streams move on before the reload
    resumed = lamina.models.load_model(tmp_path / "half.keras")
    tail = resumed.fit(x, y, batch_size=16, epochs=2, verbose=0).history["loss"]
    assert head + tail == full
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)
