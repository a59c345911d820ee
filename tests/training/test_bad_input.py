"""Bad input fails early with an error naming the layer or argument, expected and received."""

import numpy as np
import pytest

import lamina
from tests.helpers import SeedSubclass, regression_data, seed_sequential


def compiled(model=None):
    model = model or seed_sequential()
    model.compile(optimizer="adam", loss="mse")
    return model


@pytest.mark.parametrize("make_model", [seed_sequential, SeedSubclass])
def test_wrong_feature_count_names_the_layer_and_both_sizes(make_model):
    x, y = regression_data(rows=64)
    model = compiled(make_model())
    model.fit(x, y, epochs=1, verbose=0)
    weights = model.get_weights()
    with pytest.raises(ValueError, match=r"Dense 'dense\w*'.*size 8.*size 5"):
        model.fit(x[:, :5], y, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"size 8.*size 5"):
        model.predict(x[:, :5], verbose=0)
    for before, after in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(before, after)


def test_length_mismatch_names_both_arguments():
    x, y = regression_data(rows=64)
    with pytest.raises(ValueError, match=r"x has 64, y has 60 rows"):
        compiled().fit(x, y[:60], verbose=0)


def test_unknown_names_are_refused_at_construction_or_compile():
    with pytest.raises(ValueError, match="relux"):
        lamina.layers.Dense(3, activation="relux")
    with pytest.raises(ValueError, match="mean_squared_errr"):
        seed_sequential().compile(optimizer="adam", loss="mean_squared_errr")
    with pytest.raises(ValueError, match="adamm"):
        seed_sequential().compile(optimizer="adamm", loss="mse")


def test_non_numeric_arrays_are_refused():
    x = np.array([["a"] * 8] * 4)
    with pytest.raises(TypeError, match=r"`x` must hold numbers.*<U1"):
        compiled().fit(x, np.zeros((4, 1)), verbose=0)


def test_nan_in_inputs_is_refused_with_its_position():
    x, y = regression_data(rows=32)
    x[3, 2] = np.nan
    with pytest.raises(ValueError, match=r"`x` contains NaN \(first at index \[3, 2\]"):
        compiled().fit(x, y, verbose=0)


def test_fit_before_compile_and_bad_batch_size():
    x, y = regression_data(rows=32)
    with pytest.raises(RuntimeError, match="compile"):
        seed_sequential().fit(x, y)
    with pytest.raises(ValueError, match="batch_size"):
        compiled().fit(x, y, batch_size=0)


def test_validation_split_out_of_range():
    x, y = regression_data(rows=32)
    with pytest.raises(ValueError, match="validation_split"):
        compiled().fit(x, y, validation_split=1.5, verbose=0)
