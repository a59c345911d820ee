"""A small text classifier: token ids -> Embedding(mask_zero) -> Transformer encoder -> pooling.

The data are synthetic variable-length "sentences" of token ids (0 pads the end); the label
says whether the sentence contains the token ``KEY``. Padding is masked all the way: the
attention ignores padded keys and the pooling averages only the real tokens.

    python examples/text_classifier.py
"""

import os
import sys

import numpy as np

import lamina
from lamina.layers import Dense, Embedding
from lamina.layers.pooling import GlobalAveragePooling1D

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from transformer_encoder import TransformerEncoder  # noqa: E402

KEY = 7


def sentences(rows, vocab=50, length=16, seed=0):
    """Token ids ``(rows, length)`` padded with 0, and labels (1: the sentence holds ``KEY``).

    Half the sentences get ``KEY`` at a random position, so the classes are balanced.
    """
    rng = np.random.default_rng(seed)
    lengths = rng.integers(4, length + 1, size=rows)
    tokens = rng.integers(1, vocab, size=(rows, length))
    tokens[tokens == KEY] = KEY + 1
    labels = rng.random(rows) < 0.5
    where = (rng.random(rows) * lengths).astype(int)
    tokens[labels, where[labels]] = KEY
    tokens[np.arange(length)[None, :] >= lengths[:, None]] = 0
    return tokens.astype("int32"), labels.astype("float32")[:, None]


def build_model(vocab=50, length=16, embed_dim=32, num_heads=2, ff_dim=32):
    """A functional model: the encoder block between a masking embedding and masked pooling."""
    tokens = lamina.Input((length,), dtype="int32", name="tokens")
    x = Embedding(vocab, embed_dim, mask_zero=True)(tokens)
    x = TransformerEncoder(embed_dim, num_heads, ff_dim)(x)
    x = GlobalAveragePooling1D()(x)
    return lamina.Model(tokens, Dense(1, activation="sigmoid")(x))


def main(rows=4096, epochs=6, verbose=2, seed=0):
    """Trains the classifier; returns ``(first epoch accuracy, test accuracy)``."""
    lamina.utils.set_random_seed(seed)
    x, y = sentences(rows, seed=seed)
    x_test, y_test = sentences(1024, seed=seed + 1)
    model = build_model()
    model.compile(optimizer=lamina.optimizers.Adam(3e-3), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, batch_size=64, epochs=epochs, verbose=verbose)
    accuracy = model.evaluate(x_test, y_test, verbose=0, return_dict=True)["accuracy"]
    if verbose:
        print(f"test accuracy {accuracy:.3f}")
    return history.history["accuracy"][0], accuracy


if __name__ == "__main__":
    main()
