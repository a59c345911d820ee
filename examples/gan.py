"""A GAN on scikit-learn's 8x8 digits: two subclassed models, two optimizers, one custom step.

The step is written the way a tf.keras user writes it (call the models, differentiate with
``lamina.value_and_grad``, apply each optimizer to its own model's weights); lamina compiles it
once and runs whole epochs of it in one device call. The latent vectors come from
``lamina.random.normal`` without a seed: the global seed generator is part of the compiled
state, so every step draws new ones.

    python examples/gan.py            # needs scikit-learn for the digits
"""

import numpy as np

import lamina
from lamina.layers import Dense, LeakyReLU

LATENT_DIM = 16
IMAGE_SIZE = 64  # 8x8 pixels, flattened


def load_digits(rows=None):
    """The 1,797 digits as flat ``(rows, 64)`` float32 images scaled to [-1, 1]."""
    from sklearn.datasets import load_digits as sklearn_digits

    images = sklearn_digits().data.astype("float32") / 8.0 - 1.0  # pixels are 0..16
    return images[:rows]


class Generator(lamina.Model):
    """A latent vector ``(batch, LATENT_DIM)`` -> an image ``(batch, 64)`` in [-1, 1]."""

    def __init__(self, hidden=128, **kwargs):
        super().__init__(**kwargs)
        self.hidden = Dense(hidden)
        self.act = LeakyReLU(0.2)
        self.image = Dense(IMAGE_SIZE, activation="tanh")

    def call(self, z):
        return self.image(self.act(self.hidden(z)))


class Discriminator(lamina.Model):
    """An image ``(batch, 64)`` -> one logit per image: high for real, low for generated."""

    def __init__(self, hidden=128, **kwargs):
        super().__init__(**kwargs)
        self.hidden = Dense(hidden)
        self.act = LeakyReLU(0.2)
        self.logit = Dense(1)

    def call(self, images):
        return self.logit(self.act(self.hidden(images)))


class GAN(lamina.Model):
    """Trains ``generator`` against ``discriminator``; ``fit(images)`` logs d_loss and g_loss."""

    def __init__(self, discriminator, generator, latent_dim=LATENT_DIM, **kwargs):
        super().__init__(**kwargs)
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.d_loss_tracker = lamina.metrics.Mean(name="d_loss")
        self.g_loss_tracker = lamina.metrics.Mean(name="g_loss")

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def build(self, input_shape):
        """``input_shape`` is the latent vectors' ``(batch, latent_dim)``, as ``call`` takes."""
        self.generator.build(input_shape)
        self.discriminator.build((None, IMAGE_SIZE))

    def call(self, z):
        return self.generator(z)

    def train_step(self, data):
        real, _, _ = lamina.utils.unpack_x_y_sample_weight(data)
        batch = real.shape[0]

        # The discriminator learns to tell real images (label 1) from generated ones (label 0).
        fake = self.generator(lamina.random.normal((batch, self.latent_dim)))
        images = lamina.ops.concatenate([real, fake], axis=0)
        labels = lamina.ops.concatenate([lamina.ops.ones((batch, 1)), lamina.ops.zeros((batch, 1))])
        d_weights = self.discriminator.trainable_variables

        def d_loss_fn():
            return self.loss_fn(labels, self.discriminator(images, training=True))

        d_loss, grads = lamina.value_and_grad(d_loss_fn, d_weights)()
        self.d_optimizer.apply(grads, d_weights)

        # The generator learns to make the (updated) discriminator say "real".
        z = lamina.random.normal((batch, self.latent_dim))
        g_weights = self.generator.trainable_variables

        def g_loss_fn():
            fake = self.generator(z, training=True)
            return self.loss_fn(lamina.ops.ones((batch, 1)), self.discriminator(fake))

        g_loss, grads = lamina.value_and_grad(g_loss_fn, g_weights)()
        self.g_optimizer.apply(grads, g_weights)

        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}


def build_gan(latent_dim=LATENT_DIM):
    """A built and compiled GAN, each side with its own Adam (``beta_1=0.5``, as GANs use).

    ``fit`` gets images, which ``call`` does not take, so the GAN is built here rather than
    from the first batch (Keras asks the same of a GAN whose ``call`` takes latent vectors).
    """
    gan = GAN(Discriminator(), Generator(), latent_dim)
    gan.build((None, latent_dim))
    gan.compile(d_optimizer=lamina.optimizers.Adam(1e-3, beta_1=0.5),
                g_optimizer=lamina.optimizers.Adam(1e-3, beta_1=0.5),
                loss_fn=lamina.losses.BinaryCrossentropy(from_logits=True))
    return gan


def main(epochs=30, rows=None, batch_size=32, verbose=2, seed=0):
    """Trains the GAN on the digits; returns the History (the GAN is ``history.model``)."""
    lamina.utils.set_random_seed(seed)
    images = load_digits(rows)
    gan = build_gan()
    history = gan.fit(images, batch_size=batch_size, epochs=epochs, verbose=verbose)
    return history


if __name__ == "__main__":
    gan = main().model
    samples = np.asarray(gan.generator(lamina.random.normal((2, LATENT_DIM))))
    for image in samples.reshape(2, 8, 8):  # two generated digits, as text
        print("\n".join("".join(" .:-=+*#%@"[int(v)] for v in (row + 1) * 4.99) for row in image),
              "\n")
