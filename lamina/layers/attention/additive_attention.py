"""AdditiveAttention: Bahdanau-style attention, scores from ``tanh(query + key)``."""

import jax.numpy as jnp

from lamina.layers.attention.attention import Attention


class AdditiveAttention(Attention):
    """Additive attention on ``[query, value]`` or ``[query, value, key]``.

    ``scores = sum(scale * tanh(query + key), axis=-1)`` for every query/key pair, ``scale``
    being a learned vector of the feature size (with ``use_scale``); the rest, masks and call
    arguments included, is :class:`Attention`'s.

    Args:
        use_scale: learn the ``scale`` vector (else it is 1).
        dropout: rate of dropout on the attention distribution, in training.
        seed: seed of the dropout.

    >>> q, v = jnp.ones((2, 3, 4)), jnp.ones((2, 5, 4))
    >>> AdditiveAttention()([q, v]).shape
    (2, 3, 4)
    """

    def __init__(self, use_scale=True, dropout=0.0, seed=None, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, seed=seed, **kwargs)

    def build(self, input_shape):
        query_shape, value_shape, key_shape = self._unpack(input_shape)
        self._check_shapes(query_shape, value_shape, key_shape)
        self.scale = self.add_weight((query_shape[-1],), "glorot_uniform",
                                     name="scale") if self.use_scale else None
        self.concat_score_weight = None

    def _scores(self, query, key):
        pairs = jnp.tanh(query[..., :, None, :] + key[..., None, :, :])
        if self.scale is not None:
            pairs = pairs * self.scale.value
        return jnp.sum(pairs, axis=-1)
