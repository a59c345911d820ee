"""A Transformer encoder block written as a subclassed lamina Layer, trained in a small model.

The block is the one from "Attention is all you need": self-attention and a feed-forward
network, each followed by dropout, a residual connection and layer normalization. It passes
the padding mask of its input on (so ``Embedding(mask_zero=True)`` works before it and masked
pooling after it); ``examples/text_classifier.py`` uses it on token sequences.

Here it learns a task that needs attention: each sequence of random vectors has one "marked"
step (its first feature is 1), and the target is the second feature of that step.

    python examples/transformer_encoder.py
"""

import numpy as np

import lamina
from lamina.layers import Dense, Dropout, LayerNormalization
from lamina.layers.attention import MultiHeadAttention


class TransformerEncoder(lamina.Layer):
    """``LayerNorm(x + Dropout(MHA(x, x)))`` then ``LayerNorm(h + Dropout(FFN(h)))``.

    Args:
        embed_dim: size of the input's last axis (kept by the block).
        num_heads: attention heads (each of size ``embed_dim // num_heads``).
        ff_dim: hidden size of the feed-forward network.
        rate: dropout rate.
    """

    supports_masking = True

    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1, **kwargs):
        super().__init__(**kwargs)
        self.embed_dim, self.num_heads, self.ff_dim, self.rate = embed_dim, num_heads, ff_dim, rate
        self.attention = MultiHeadAttention(num_heads, key_dim=embed_dim // num_heads)
        self.ffn_hidden = Dense(ff_dim, activation="relu")
        self.ffn_out = Dense(embed_dim)
        self.norm1 = LayerNormalization(epsilon=1e-6)
        self.norm2 = LayerNormalization(epsilon=1e-6)
        self.dropout1 = Dropout(rate)
        self.dropout2 = Dropout(rate)

    def call(self, inputs, training=None, mask=None):
        attended = self.attention(inputs, inputs, query_mask=mask, value_mask=mask,
                                  training=training)
        hidden = self.norm1(inputs + self.dropout1(attended, training=training))
        fed = self.ffn_out(self.ffn_hidden(hidden))
        return self.norm2(hidden + self.dropout2(fed, training=training))


class MarkedStepRegressor(lamina.Model):
    """Dense embedding, one encoder block, mean over the steps, one output."""

    def __init__(self, embed_dim=16, num_heads=2, ff_dim=32, **kwargs):
        super().__init__(**kwargs)
        self.embed = Dense(embed_dim)
        self.encoder = TransformerEncoder(embed_dim, num_heads, ff_dim)
        self.head = Dense(1)

    def call(self, inputs, training=None):
        hidden = self.encoder(self.embed(inputs), training=training)
        return self.head(hidden.mean(axis=1))


def marked_step_data(rows, steps=8, features=4, seed=0):
    """Random sequences with one marked step; the target is that step's second feature."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, steps, features)).astype("float32")
    x[:, :, 0] = 0.0
    marked = rng.integers(0, steps, size=rows)
    x[np.arange(rows), marked, 0] = 1.0
    y = x[np.arange(rows), marked, 1:2]
    return x, y


def main(rows=2048, epochs=8, verbose=2, seed=0):
    """Trains the model; returns ``(first epoch loss, last epoch loss, test loss)``."""
    lamina.utils.set_random_seed(seed)
    x, y = marked_step_data(rows, seed=seed)
    x_test, y_test = marked_step_data(512, seed=seed + 1)
    model = MarkedStepRegressor()
    model.compile(optimizer=lamina.optimizers.Adam(3e-3), loss="mse")
    history = model.fit(x, y, batch_size=64, epochs=epochs, verbose=verbose)
    test_loss = model.evaluate(x_test, y_test, verbose=0)
    if verbose:
        print(f"test mse {test_loss:.4f} (predicting the mean: {float(np.var(y_test)):.4f})")
    return history.history["loss"][0], history.history["loss"][-1], test_loss


if __name__ == "__main__":
    main()
