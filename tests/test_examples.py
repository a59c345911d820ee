"""The custom-training examples (GAN, VAE) train at small sizes and learn what they should."""

import importlib.util
from pathlib import Path

import jax
import numpy as np
import pytest

import lamina

pytest.importorskip("sklearn")  # the examples train on scikit-learn's bundled digits

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(f"lamina_example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gan_trains_both_sides_with_their_own_optimizers():
    example = load("gan")
    epochs, rows, batch_size = 15, 384, 32
    history = example.main(epochs=epochs, rows=rows, batch_size=batch_size, verbose=0, seed=0)
    gan = history.model
    assert set(history.history) == {"d_loss", "g_loss"}  # the `metrics` property, not "loss"
    for key in ("d_loss", "g_loss"):
        assert len(history.history[key]) == epochs and np.all(np.isfinite(history.history[key]))
    assert 0.3 < history.history["d_loss"][-1] < 1.0  # neither side has won outright

    steps = epochs * rows // batch_size
    assert int(gan.d_optimizer.iterations.numpy()) == steps
    assert int(gan.g_optimizer.iterations.numpy()) == steps
    assert int(gan.optimizer.iterations.numpy()) == 0  # compile()'s default is never applied
    # The seedless latent draws advanced the global generator inside the compiled steps.
    initial = jax.random.key_data(jax.random.key(0))
    assert not np.array_equal(lamina.random.global_generator().state.numpy(), initial)

    z = np.random.default_rng(1).normal(size=(1000, example.LATENT_DIM)).astype("float32")
    fake = np.asarray(gan.generator(z))
    assert fake.shape == (1000, example.IMAGE_SIZE)
    assert np.all(np.abs(fake) <= 1.0)
    # The generator moved towards the data: its mean image is far closer to the digits' mean
    # image than an untrained generator's.
    held_out = example.load_digits()[rows:]
    untrained = np.asarray(example.Generator()(z))
    gap = np.abs(fake.mean(0) - held_out.mean(0)).mean()
    assert gap < 0.5 * np.abs(untrained.mean(0) - held_out.mean(0)).mean()
    # The discriminator tells held-out digits from generated ones better than chance, without
    # calling everything one class.
    real_acc = float((np.asarray(gan.discriminator(held_out))[:, 0] > 0).mean())
    fake_acc = float((np.asarray(gan.discriminator(fake))[:, 0] < 0).mean())
    assert real_acc > 0.3 and fake_acc > 0.3
    assert 0.55 < (real_acc + fake_acc) / 2 < 0.97


def test_vae_learns_an_informative_code():
    example = load("vae")
    epochs, rows, batch_size = 15, 400, 32  # 400 rows: a partial last batch of 16 each epoch
    x = example.load_digits(rows)
    history = example.main(epochs=epochs, rows=rows, batch_size=batch_size, verbose=0, seed=0)
    vae = history.model
    assert set(history.history) == {"total_loss", "reconstruction_loss", "kl_loss"}
    total = np.asarray(history.history["total_loss"])
    assert len(total) == epochs and np.all(np.isfinite(total))
    np.testing.assert_allclose(total, np.add(history.history["reconstruction_loss"],
                                             history.history["kl_loss"]), rtol=1e-4)
    assert total[-1] < 0.7 * total[0]
    assert total[-5:].mean() < total[:5].mean()
    assert int(vae.optimizer.iterations.numpy()) == epochs * -(-rows // batch_size)

    trained = vae.evaluate(x, batch_size=32, verbose=0, return_dict=True)  # custom test_step
    # The partial last batch ran at its real size, weighted by its rows: the same numbers as
    # the whole data in one eager pass.
    whole = [float(v) for v in vae.losses_of(x, training=False)]
    np.testing.assert_allclose([trained[k] for k in ("total_loss", "reconstruction_loss",
                                                     "kl_loss")], whole, rtol=1e-5)
    # An untrained decoder answers about 0.5 for every pixel: 64 ln 2 nats per image.
    assert trained["total_loss"] < 0.6 * 64 * np.log(2.0)
    # Better than the best image that ignores the code (the mean image): the code is used.
    mean_image = np.clip(x.mean(0), 1e-7, 1 - 1e-7)
    blind = -np.mean(np.sum(x * np.log(mean_image) + (1 - x) * np.log(1 - mean_image), axis=1))
    assert trained["reconstruction_loss"] < blind - 2.0
    assert 0.3 < trained["kl_loss"] < 10.0

    reconstructed = vae.predict(x, verbose=0)
    assert reconstructed.shape == x.shape and np.all((reconstructed > 0) & (reconstructed < 1))
    np.testing.assert_array_equal(reconstructed, vae.predict(x, verbose=0))  # no noise at inference


def test_vae_sampling_layer_draws_fresh_noise_with_the_right_scale():
    example = load("vae")
    sampling = example.Sampling()
    z_mean = np.full((4000, 2), 3.0, "float32")
    z_log_var = np.full((4000, 2), np.log(4.0), "float32")  # standard deviation 2
    first = np.asarray(sampling((z_mean, z_log_var), training=True))
    second = np.asarray(sampling((z_mean, z_log_var), training=True))
    assert not np.allclose(first, second)  # no seed, yet a new draw each call
    np.testing.assert_allclose(first.mean(0), 3.0, atol=0.15)
    np.testing.assert_allclose(first.std(0), 2.0, atol=0.1)
    np.testing.assert_array_equal(np.asarray(sampling((z_mean, z_log_var), training=False)), z_mean)


def test_keras_vae_sampling_that_draws_at_inference_too():
    # Shape traces (building the model) run `call`; their seed draws must not leak tracers.
    example = load("vae")

    class KerasSampling(lamina.layers.Layer):  # as in Keras's VAE example: always draws
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seed_generator = lamina.random.SeedGenerator(1337)

        def call(self, inputs):
            z_mean, z_log_var = inputs
            eps = lamina.random.normal(lamina.ops.shape(z_mean), seed=self.seed_generator)
            return z_mean + lamina.ops.exp(0.5 * z_log_var) * eps

    class Encoder(example.Encoder):
        def __init__(self):
            super().__init__()
            self.sampling = KerasSampling()

    vae = example.VAE(Encoder(), example.Decoder())
    vae.compile(optimizer="adam")
    history = vae.fit(example.load_digits(64), batch_size=32, epochs=1, verbose=0)
    assert np.isfinite(history.history["total_loss"][0])
