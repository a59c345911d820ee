"""A variational autoencoder on scikit-learn's 8x8 digits, with a custom train_step and test_step.

The encoder maps an image to the mean and log-variance of a Gaussian over a small latent space;
a ``Sampling`` layer draws ``z`` from it with ``lamina.random.normal`` and no seed (the global
seed generator is part of the compiled state, so each step draws new noise); the decoder maps
``z`` back to pixel intensities. The loss is the reconstruction cross-entropy plus the KL
divergence of the latent Gaussian from a standard normal, each logged by its own tracker.

    python examples/vae.py            # needs scikit-learn for the digits
"""

import numpy as np

import lamina
from lamina import ops
from lamina.layers import Dense

LATENT_DIM = 2
IMAGE_SIZE = 64  # 8x8 pixels, flattened


def load_digits(rows=None):
    """The 1,797 digits as flat ``(rows, 64)`` float32 intensities in [0, 1]."""
    from sklearn.datasets import load_digits as sklearn_digits

    return (sklearn_digits().data.astype("float32") / 16.0)[:rows]


class Sampling(lamina.layers.Layer):
    """``(z_mean, z_log_var)`` -> ``z = z_mean + exp(z_log_var / 2) * eps``, ``eps ~ N(0, 1)``.

    Written as the reparameterization trick, so gradients flow to the mean and variance. It
    samples while training; otherwise ``z`` is the mean, so evaluation and encoding are
    deterministic.
    """

    def call(self, inputs, training=None):
        z_mean, z_log_var = inputs
        if not training:
            return z_mean
        eps = lamina.random.normal(ops.shape(z_mean))
        return z_mean + ops.exp(0.5 * z_log_var) * eps


class Encoder(lamina.Model):
    """Images ``(batch, 64)`` -> ``(z_mean, z_log_var, z)``, each ``(batch, latent_dim)``."""

    def __init__(self, latent_dim=LATENT_DIM, hidden=128, **kwargs):
        super().__init__(**kwargs)
        self.hidden = Dense(hidden, activation="relu")
        self.z_mean = Dense(latent_dim)
        self.z_log_var = Dense(latent_dim)
        self.sampling = Sampling()

    def call(self, images):
        h = self.hidden(images)
        z_mean, z_log_var = self.z_mean(h), self.z_log_var(h)
        return z_mean, z_log_var, self.sampling((z_mean, z_log_var))


class Decoder(lamina.Model):
    """Latent vectors ``(batch, latent_dim)`` -> pixel intensities ``(batch, 64)`` in (0, 1)."""

    def __init__(self, hidden=128, **kwargs):
        super().__init__(**kwargs)
        self.hidden = Dense(hidden, activation="relu")
        self.pixels = Dense(IMAGE_SIZE, activation="sigmoid")

    def call(self, z):
        return self.pixels(self.hidden(z))


class VAE(lamina.Model):
    """``fit(images)`` trains encoder and decoder; ``predict(images)`` reconstructs them from
    the latent means."""

    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.total_loss_tracker = lamina.metrics.Mean(name="total_loss")
        self.reconstruction_loss_tracker = lamina.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = lamina.metrics.Mean(name="kl_loss")

    @property
    def metrics(self):
        return [self.total_loss_tracker, self.reconstruction_loss_tracker, self.kl_loss_tracker]

    def call(self, images):
        z_mean, _, _ = self.encoder(images)
        return self.decoder(z_mean)

    def losses_of(self, images, training):
        """``(total, reconstruction, kl)``, each a mean over the batch."""
        z_mean, z_log_var, z = self.encoder(images, training=training)
        reconstruction = self.decoder(z, training=training)
        pixel_losses = ops.binary_crossentropy(images, reconstruction)
        reconstruction_loss = ops.mean(ops.sum(pixel_losses, axis=1))
        kl = -0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
        kl_loss = ops.mean(ops.sum(kl, axis=1))
        return reconstruction_loss + kl_loss, reconstruction_loss, kl_loss

    def update_trackers(self, rows, total, reconstruction, kl):
        """Adds a batch's losses, weighted by its ``rows`` (a short last batch counts less);
        returns the logs."""
        for tracker, value in zip(self.metrics, (total, reconstruction, kl)):
            tracker.update_state(value, sample_weight=rows)
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, data):
        images, _, _ = lamina.utils.unpack_x_y_sample_weight(data)
        weights = self.trainable_variables

        def loss_fn():
            total, reconstruction, kl = self.losses_of(images, training=True)
            return total, (reconstruction, kl)

        (total, (reconstruction, kl)), grads = lamina.value_and_grad(
            loss_fn, weights, has_aux=True)()
        self.optimizer.apply(grads, weights)
        return self.update_trackers(images.shape[0], total, reconstruction, kl)

    def test_step(self, data):
        images, _, _ = lamina.utils.unpack_x_y_sample_weight(data)
        return self.update_trackers(images.shape[0], *self.losses_of(images, training=False))


def build_vae(latent_dim=LATENT_DIM, hidden=128, learning_rate=3e-3):
    """A compiled VAE (Adam)."""
    vae = VAE(Encoder(latent_dim, hidden), Decoder(hidden))
    vae.compile(optimizer=lamina.optimizers.Adam(learning_rate))
    return vae


def main(epochs=30, rows=None, batch_size=32, verbose=2, seed=0):
    """Trains the VAE on the digits; returns the History (the VAE is ``history.model``)."""
    lamina.utils.set_random_seed(seed)
    images = load_digits(rows)
    vae = build_vae()
    return vae.fit(images, batch_size=batch_size, epochs=epochs, verbose=verbose)


if __name__ == "__main__":
    vae = main().model
    images = load_digits(4)
    print("reconstruction error per pixel:",
          float(np.mean(np.abs(vae.predict(images, verbose=0) - images))))
    samples = np.asarray(vae.decoder(lamina.random.normal((2, LATENT_DIM))))
    for image in samples.reshape(2, 8, 8):  # two new digits drawn from the prior, as text
        print("\n".join("".join(" .:-=+*#%@"[int(v * 9.99)] for v in row) for row in image), "\n")
