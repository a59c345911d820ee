"""Cropping, ZeroPadding, UpSampling (1D/2D/3D, both data formats) against Keras 3."""

import keras
import numpy as np
import pytest

import lamina
from lamina.layers import resampling as R
from tests.layers.layer_checks import assert_config_round_trip, assert_matches_keras

rng = np.random.default_rng(0)
X1, X2, X3 = (rng.normal(size=s).astype("float32") for s in
              [(2, 7, 3), (2, 6, 5, 3), (1, 4, 5, 3, 2)])

CASES = [
    (R.Cropping1D, {}, X1, (2, 5, 3)),
    (R.Cropping1D, {"cropping": (2, 0)}, X1, (2, 5, 3)),
    (R.Cropping1D, {"cropping": 3}, X1, (2, 1, 3)),
    (R.Cropping2D, {}, X2, (2, 6, 5, 3)),
    (R.Cropping2D, {"cropping": ((1, 2), (0, 1))}, X2, (2, 3, 4, 3)),
    (R.Cropping2D, {"cropping": (1, 1), "data_format": "channels_first"}, X2, (2, 6, 3, 1)),
    (R.Cropping2D, {"cropping": 1}, X2, (2, 4, 3, 3)),
    (R.Cropping3D, {}, X3, (1, 2, 3, 1, 2)),
    (R.Cropping3D, {"cropping": ((0, 1), (1, 0), 0), "data_format": "channels_first"}, X3,
     (1, 4, 4, 2, 2)),
    (R.ZeroPadding1D, {}, X1, (2, 9, 3)),
    (R.ZeroPadding1D, {"padding": (0, 2), "data_format": "channels_first"}, X1, (2, 7, 5)),
    (R.ZeroPadding2D, {}, X2, (2, 8, 7, 3)),
    (R.ZeroPadding2D, {"padding": ((1, 0), (2, 3))}, X2, (2, 7, 10, 3)),
    (R.ZeroPadding2D, {"padding": 2, "data_format": "channels_first"}, X2, (2, 6, 9, 7)),
    (R.ZeroPadding3D, {}, X3, (1, 6, 7, 5, 2)),
    (R.ZeroPadding3D, {"padding": (1, 0, 2), "data_format": "channels_first"}, X3,
     (1, 4, 7, 3, 6)),
    (R.UpSampling1D, {}, X1, (2, 14, 3)),
    (R.UpSampling1D, {"size": 3}, X1, (2, 21, 3)),
    (R.UpSampling2D, {}, X2, (2, 12, 10, 3)),
    (R.UpSampling2D, {"size": (1, 3), "data_format": "channels_first"}, X2, (2, 6, 5, 9)),
    (R.UpSampling2D, {"size": (2, 3), "interpolation": "bilinear"}, X2, (2, 12, 15, 3)),
    (R.UpSampling2D, {"size": 2, "interpolation": "bilinear", "data_format": "channels_first"},
     X2, (2, 6, 10, 6)),
    (R.UpSampling2D, {"interpolation": "bicubic"}, X2, (2, 12, 10, 3)),
    (R.UpSampling3D, {}, X3, (1, 8, 10, 6, 2)),
    (R.UpSampling3D, {"size": (1, 2, 3), "data_format": "channels_first"}, X3, (1, 4, 5, 6, 6)),
]


@pytest.mark.parametrize("cls,kwargs,x,expected", CASES,
                         ids=[f"{c.__name__}-{i}" for i, (c, *_) in enumerate(CASES)])
def test_matches_keras(cls, kwargs, x, expected):
    ours = cls(**kwargs)
    out, _ = assert_matches_keras(ours, x)
    assert out.shape == expected


@pytest.mark.parametrize("cls", [R.Cropping1D, R.Cropping2D, R.Cropping3D, R.ZeroPadding1D,
                                 R.ZeroPadding2D, R.ZeroPadding3D, R.UpSampling1D,
                                 R.UpSampling2D, R.UpSampling3D])
def test_defaults_and_config_match_keras(cls):
    ours, theirs = cls(), getattr(keras.layers, cls.__name__)()
    assert_config_round_trip(ours, theirs)
    keras_config = theirs.get_config()
    for key, resolved in (("cropping", "_pairs"), ("padding", "_pairs"), ("size", "_factors")):
        if key in keras_config:
            assert np.array_equal(np.ravel(getattr(ours, resolved)), np.ravel(keras_config[key]))
    assert getattr(ours, "data_format", "channels_last") == keras_config.get(
        "data_format", "channels_last")


def test_symbolic_shapes_in_a_model():
    model = lamina.Sequential([lamina.layers.Input((6, 5, 3)), R.ZeroPadding2D(1),
                               R.Cropping2D(((2, 0), (0, 1))), R.UpSampling2D(2)])
    assert model.compute_output_shape((None, 6, 5, 3)) == (None, 12, 12, 3)
    assert np.asarray(model(X2)).shape == (2, 12, 12, 3)
    # unknown spatial sizes stay unknown (no stand-in size leaks into the shape)
    assert R.Cropping1D((1, 2))(lamina.layers.Input((None, 3))).shape == (None, None, 3)
    assert R.UpSampling2D(interpolation="bilinear")(
        lamina.layers.Input((None, 4, 3))).shape == (None, None, 8, 3)


def test_errors_name_the_layer():
    with pytest.raises(ValueError, match=r"Cropping1D 'c'.*\(4, 4\).*size 7"):
        R.Cropping1D(4, name="c")(X1)
    with pytest.raises(ValueError, match="ZeroPadding2D 'z'.*rank 4.*rank 3"):
        R.ZeroPadding2D(name="z")(X1)
    with pytest.raises(ValueError, match="UpSampling2D.*interpolation"):
        R.UpSampling2D(interpolation="cubic")
    with pytest.raises(ValueError, match="Cropping2D.*data_format"):
        R.Cropping2D(data_format="nhwc")
    with pytest.raises(ValueError, match="ZeroPadding3D.*padding"):
        R.ZeroPadding3D(padding=(1, 2))
    with pytest.raises(TypeError, match="UpSampling1D.*integer"):
        R.UpSampling1D(size=(2,))
