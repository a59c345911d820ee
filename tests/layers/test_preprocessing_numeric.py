"""Numeric preprocessing layers against Keras (same inputs, same outputs) and inside compiled
models: Normalization, Rescaling, CenterCrop, Resizing, CategoryEncoding, Discretization."""

import jax
import keras
import numpy as np
import pytest

import lamina
from lamina.layers import preprocessing as P
from lamina.layers.preprocessing import quantiles


def close(a, b, tol=1e-5):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=tol, atol=tol)


def round_trip(layer):
    cfg = layer.get_config()
    again = type(layer).from_config(cfg)
    assert again.get_config() == cfg
    return again


@pytest.fixture
def image(rng):
    return rng.uniform(0, 255, size=(2, 7, 9, 3)).astype("float32")


# -- Normalization ---------------------------------------------------------------------------------
def test_normalization_adapt_matches_numpy_and_keras(rng):
    data = rng.normal(3.0, 2.0, size=(50, 4)).astype("float32")
    x = rng.normal(size=(5, 4)).astype("float32")
    ours, theirs = P.Normalization(), keras.layers.Normalization()
    ours.adapt(data)
    theirs.adapt(data)
    close(ours.adapt_mean.numpy(), data.mean(0))
    close(ours.adapt_variance.numpy(), data.var(0))
    close(ours(x), theirs(x))
    assert [v.name for v in ours.weights] == ["mean", "variance", "count"]
    assert all(not v.trainable for v in ours.weights) and ours.trainable_weights == []


def test_normalization_adapt_on_batches_equals_whole_data(rng):
    data = rng.normal(size=(30, 3, 2)).astype("float32")
    layer = P.Normalization(axis=(1, 2))
    layer.adapt([data[:7], data[7:20], (data[20:], None)])  # (x, y) batches use x
    close(layer.adapt_mean.numpy(), data.mean(0))
    close(layer.adapt_variance.numpy(), data.var(0))
    layer = P.Normalization(axis=None)
    layer.adapt(iter([data[:10], data[10:]]))
    close(layer.adapt_mean.numpy(), data.mean())
    close(layer.adapt_variance.numpy(), data.var())


def test_normalization_given_statistics_and_invert_match_keras(rng):
    x = rng.normal(size=(3, 2, 4)).astype("float32")
    for kwargs in [dict(mean=3.0, variance=2.0), dict(mean=[1.0, 2, 3, 4], variance=[4.0, 1, 2, 9]),
                   dict(axis=(1, 2), mean=[1.0, 2, 3, 4], variance=[4.0, 1, 2, 9], invert=True),
                   dict(axis=None, mean=2.0, variance=0.0)]:
        close(P.Normalization(**kwargs)(x), keras.layers.Normalization(**kwargs)(x))
    data = rng.normal(size=(20, 4)).astype("float32")
    inverse = P.Normalization(invert=True)
    inverse.adapt(data)
    forward = P.Normalization()
    forward.adapt(data)
    close(inverse(forward(x[:, 0])), x[:, 0], 1e-4)


def test_normalization_config_round_trip_and_weights_carry_statistics(rng):
    layer = P.Normalization(axis=-1, mean=np.array([1.0, 2.0]), variance=np.array([4.0, 1.0]))
    cfg = round_trip(layer).get_config()
    assert cfg["mean"] == [1.0, 2.0] and cfg["axis"] == [-1]
    adapted = P.Normalization()
    adapted.adapt(rng.normal(size=(10, 3)))
    clone = P.Normalization.from_config(adapted.get_config())
    clone.build((None, 3))
    clone.set_weights(adapted.get_weights())
    x = rng.normal(size=(2, 3)).astype("float32")
    close(clone(x), adapted(x))


def test_normalization_errors_name_the_layer(rng):
    with pytest.raises(ValueError, match="both `mean` and `variance`"):
        P.Normalization(mean=1.0)
    layer = P.Normalization(name="norm")
    layer.adapt(rng.normal(size=(4, 3)))
    with pytest.raises(ValueError, match="Normalization 'norm'.*shape"):
        layer.adapt(rng.normal(size=(4, 5)))
    with pytest.raises(ValueError, match="Normalization 'fixed'.*cannot adapt"):
        P.Normalization(mean=0.0, variance=1.0, name="fixed").adapt(np.ones((2, 2)))


def test_normalization_statistics_are_model_state_after_compiling(rng):
    norm = P.Normalization()
    model = lamina.Sequential([lamina.layers.Input((3,)), norm])
    x = rng.normal(size=(4, 3)).astype("float32")
    close(model(x), x)  # compiled once with mean 0, variance 1
    data = rng.normal(5.0, 3.0, size=(100, 3))
    norm.adapt(data)  # the same compiled program must see the new statistics
    close(model(x), (x - data.mean(0)) / data.std(0), 1e-4)
    close(model.predict(x, verbose=0), (x - data.mean(0)) / data.std(0), 1e-4)


def test_normalization_in_a_trained_model_stays_fixed(rng):
    x = rng.normal(10.0, 4.0, size=(64, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    norm = P.Normalization()
    norm.adapt(x)
    before = norm.get_weights()
    model = lamina.Sequential([lamina.layers.Input((3,)), norm, lamina.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    for a, b in zip(norm.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    assert len(model.trainable_weights) == 2


# -- Rescaling -------------------------------------------------------------------------------------
def test_rescaling_matches_keras_on_ints_and_arrays(image):
    pixels = image.astype("uint8")
    for kwargs in [dict(scale=1 / 255), dict(scale=1 / 127.5, offset=-1),
                   dict(scale=np.array([1.0, 0.5, 0.25]), offset=np.array([0.0, 1.0, 2.0]))]:
        ours = P.Rescaling(**kwargs)
        out = ours(pixels)
        assert out.dtype == np.float32
        close(out, keras.layers.Rescaling(**kwargs)(pixels))
    cfg = round_trip(P.Rescaling(scale=np.array([1.0, 0.5]), offset=0.5)).get_config()
    assert cfg["scale"] == [1.0, 0.5] and cfg["offset"] == 0.5


# -- Resizing and CenterCrop -----------------------------------------------------------------------
RESIZE_CASES = [
    dict(height=4, width=5), dict(height=10, width=13),
    dict(height=4, width=5, interpolation="nearest"),
    dict(height=11, width=4, interpolation="nearest"),
    dict(height=5, width=5, crop_to_aspect_ratio=True),
    dict(height=5, width=5, pad_to_aspect_ratio=True, fill_value=3.0),
    dict(height=3, width=4, antialias=True), dict(height=4, width=4, data_format="channels_first"),
]


def test_resizing_matches_keras(image):
    for kwargs in RESIZE_CASES:
        close(P.Resizing(**kwargs)(image), keras.layers.Resizing(**kwargs)(image))
    close(P.Resizing(6, 6, "bicubic")(image[0]), keras.layers.Resizing(6, 6, "bicubic")(image[0]))


def test_resizing_antialias_is_off_by_default_like_keras(image):
    ours = np.asarray(P.Resizing(3, 4)(image))
    jax_default = np.asarray(jax.image.resize(image, (2, 3, 4, 3), "bilinear"))  # antialias=True
    assert np.abs(ours - jax_default).max() > 1.0
    close(ours, jax.image.resize(image, (2, 3, 4, 3), "bilinear", antialias=False))


def test_resizing_keeps_integer_dtype_rounding_like_keras(image):
    pixels = image.astype("uint8")
    ours = P.Resizing(4, 5)(pixels)
    assert ours.dtype == np.uint8
    np.testing.assert_array_equal(ours, keras.layers.Resizing(4, 5)(pixels))


def test_resizing_errors_and_config():
    with pytest.raises(ValueError, match="Resizing 'r'.*interpolation"):
        P.Resizing(2, 2, interpolation="area", name="r")
    with pytest.raises(ValueError, match="at most one"):
        P.Resizing(2, 2, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)
    with pytest.raises(ValueError, match="Resizing 'r2'.*rank 3 or 4"):
        P.Resizing(2, 2, name="r2")(np.ones((4, 4)))
    cfg = round_trip(P.Resizing(3, 4, interpolation="nearest")).get_config()
    assert cfg["interpolation"] == "nearest" and cfg["antialias"] is False


def test_center_crop_matches_keras(image):
    pixels = image.astype("uint8")
    for size in [(4, 5), (7, 9), (8, 5), (10, 12)]:  # crop, identity, and the two resize paths
        out = P.CenterCrop(*size)(pixels)
        assert out.dtype == np.float32
        close(out, keras.layers.CenterCrop(*size)(pixels))
    close(P.CenterCrop(3, 4)(image[0]), keras.layers.CenterCrop(3, 4)(image[0]))
    close(P.CenterCrop(3, 3, data_format="channels_first")(image),
          keras.layers.CenterCrop(3, 3, data_format="channels_first")(image))


def test_image_layers_inside_a_compiled_model(image):
    model = lamina.Sequential([lamina.layers.Input((7, 9, 3)), P.Rescaling(1 / 255),
                               P.Resizing(6, 6), P.CenterCrop(4, 4)])
    assert model.compute_output_shape((None, 7, 9, 3)) == (None, 4, 4, 3)
    expected = keras.layers.CenterCrop(4, 4)(keras.layers.Resizing(6, 6)(image / 255))
    close(model.predict(image, verbose=0), expected)


# -- CategoryEncoding ------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count"])
@pytest.mark.parametrize("ids", [[3, 2, 0, 1], [[0, 1], [0, 0], [1, 2], [3, 1]], [[1], [3]], 2,
                                 [[[1, 2], [0, 0]]]],
                         ids=["rank1", "rank2", "col", "scalar", "rank3"])
def test_category_encoding_matches_keras(mode, ids):
    ids = np.asarray(ids)
    ours = P.CategoryEncoding(4, output_mode=mode)(ids)
    theirs = keras.layers.CategoryEncoding(4, output_mode=mode)(ids)
    assert ours.shape == theirs.shape and ours.dtype == np.float32
    close(ours, theirs)


def test_category_encoding_count_weights_config_and_errors():
    ids, weights = np.array([[0, 1], [1, 1]]), np.array([[0.5, 2.0], [1.0, 3.0]])
    layer = P.CategoryEncoding(3, output_mode="count", name="enc")
    close(layer(ids, count_weights=weights),
          keras.layers.CategoryEncoding(3, output_mode="count")(ids, count_weights=weights))
    assert round_trip(layer).get_config()["num_tokens"] == 3
    with pytest.raises(ValueError, match="CategoryEncoding 'enc2'.*count_weights"):
        P.CategoryEncoding(3, name="enc2")(ids, count_weights=weights)
    with pytest.raises(ValueError, match="num_tokens"):
        P.CategoryEncoding()
    with pytest.raises(ValueError, match="output_mode"):
        P.CategoryEncoding(3, output_mode="tf_idf")
    with pytest.raises(NotImplementedError, match="sparse"):
        P.CategoryEncoding(3, sparse=True)


def test_category_encoding_inside_jit():
    layer = P.CategoryEncoding(5, output_mode="multi_hot")
    out = jax.jit(lambda x: layer(x))(np.array([[4, 0, 4]]))
    np.testing.assert_array_equal(out, [[1, 0, 0, 0, 1]])


# -- Discretization --------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["int", "one_hot", "multi_hot", "count"])
def test_discretization_with_boundaries_matches_keras(mode):
    x = np.array([[-1.5, 0.0, 0.5, 1.0, 2.5], [3.0, 3.0, -9.0, 1.99, 2.0]], "float32")
    ours = P.Discretization(bin_boundaries=[0.0, 1.0, 2.0], output_mode=mode)(x)
    theirs = keras.layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0], output_mode=mode)(x)
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


def test_discretization_adapt_matches_keras_quantile_summary(rng):
    batches = [rng.normal(size=(400, 2)), rng.exponential(size=(37,)), rng.normal(2, 1, (900,))]
    ours = P.Discretization(num_bins=5, epsilon=0.01)
    ours.adapt(iter(batches))
    theirs = keras.layers.Discretization(num_bins=5, epsilon=0.01)
    theirs.reset_state()  # Keras's adapt() needs tensorflow; its numpy steps do not
    for batch in batches:
        theirs.update_state(batch)
    theirs.finalize_state()
    close(ours.bin_boundaries, theirs.bin_boundaries, 1e-6)
    whole = np.concatenate([b.ravel() for b in batches])
    close(ours.bin_boundaries, np.quantile(whole, [0.2, 0.4, 0.6, 0.8]), 0.05)


def test_discretization_learned_boundaries_are_in_the_config(rng):
    layer = P.Discretization(num_bins=4)
    layer.adapt(np.arange(100.0))
    close(layer.bin_boundaries, [24.0, 49.0, 74.0])
    clone = round_trip(layer)
    assert clone.bin_boundaries == layer.bin_boundaries and clone.num_bins == 4
    np.testing.assert_array_equal(clone(np.array([10.0, 60.0])), [0, 2])
    keras_clone = keras.layers.Discretization.from_config(
        {k: v for k, v in layer.get_config().items() if k != "trainable"})
    assert keras_clone.bin_boundaries == layer.bin_boundaries


def test_discretization_errors_name_the_layer():
    with pytest.raises(ValueError, match="Discretization 'd'.*adapt"):
        P.Discretization(num_bins=3, name="d")(np.ones(3))
    with pytest.raises(ValueError, match="not both"):
        P.Discretization(num_bins=3, bin_boundaries=[0.0])
    with pytest.raises(ValueError, match="Discretization 'e'.*num_bins"):
        P.Discretization(bin_boundaries=[0.0], name="e").adapt(np.ones(3))


def test_discretization_inside_a_compiled_model():
    model = lamina.Sequential([lamina.layers.Input((3,)),
                               P.Discretization(bin_boundaries=[0.0, 1.0], output_mode="one_hot")])
    out = model.predict(np.array([[-1.0, 0.5, 7.0]], "float32"), verbose=0)
    np.testing.assert_array_equal(out, np.eye(3)[None])


def test_discretization_adapted_after_the_model_ran():
    layer = P.Discretization(num_bins=3)
    model = lamina.Sequential([lamina.layers.Input((4,)), layer])  # built before adapt
    x = np.array([[-5.0, 1.5, 3.5, 9.0]], "float32")
    model(x)
    layer.adapt(np.arange(9.0))
    np.testing.assert_array_equal(model(x), keras.layers.Discretization(
        bin_boundaries=layer.bin_boundaries)(x))
    assert layer.weights == []


def test_quantile_helpers_reduce_to_exact_quantiles_on_small_data():
    summary = quantiles.merge(quantiles.summarize(np.arange(10.0), 0.01), quantiles.empty_summary(),
                              0.01)
    assert quantiles.bin_boundaries(summary, 2).tolist() == [4.0]
