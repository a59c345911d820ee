"""MultiHeadAttention: scaled dot-product attention over projected heads (Vaswani et al.)."""

from lamina.core.errors import describe
from lamina.layers.attention.base_multi_head import BaseMultiHeadAttention


class MultiHeadAttention(BaseMultiHeadAttention):
    """Multi-head attention: ``query`` attends to ``key``; the result mixes ``value``.

    ``query`` ``(B, T, dim)``, ``value`` ``(B, S, dim_v)`` and the optional ``key`` (default:
    ``value``) are projected to ``num_heads`` heads, the scaled dot products are softmaxed over
    the key positions, the values averaged with those weights, and the heads projected back
    to ``query``'s last size (or ``output_shape``). Inputs of higher rank attend over
    ``attention_axes`` (default: every axis but the batch and the features).

    Args:
        num_heads: number of attention heads.
        key_dim: size of each head for query and key.
        value_dim: size of each head for value (default: ``key_dim``).
        dropout: rate of dropout on the attention probabilities, in training.
        use_bias: whether the projections have biases.
        output_shape: the output's shape after the batch and position axes (default: the
            query's last size).
        attention_axes: the axes attention runs over (an int or a tuple).
        sliding_window: if set, position ``i`` only attends to ``j`` with ``|i - j| < window``.
        flash_attention: accepted for compatibility; lamina always computes explicit scores.
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: for the projections.
        use_gate: gate the heads with ``sigmoid(query projection)`` before the output
            projection (gated attention).
        seed: seed of the dropout.

    Call arguments:
        query, value, key: the tensors above.
        query_mask ``(B, T)``, value_mask / key_mask ``(B, S)``: false at padding. A model
            hands the query's mask over (and uses it for ``value``/``key`` when they are the
            query tensor itself).
        attention_mask: ``(B, T, S)`` (broadcastable), true where a query may attend to a key.
        return_attention_scores: also return the probabilities ``(B, heads, T, S)``.
        training: applies the dropout when true.
        use_causal_mask: position ``i`` attends only to positions ``j <= i``.

    >>> import jax.numpy as jnp
    >>> layer = MultiHeadAttention(num_heads=2, key_dim=4)
    >>> out, scores = layer(jnp.ones((1, 3, 8)), jnp.ones((1, 5, 6)), return_attention_scores=True)
    >>> out.shape, scores.shape
    ((1, 3, 8), (1, 2, 3, 5))
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, sliding_window=None,
                 flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 use_gate=False, seed=None, **kwargs):
        for arg, value in (("num_heads", num_heads), ("key_dim", key_dim),
                           ("value_dim", 1 if value_dim is None else value_dim)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"MultiHeadAttention: `{arg}` must be a positive integer, "
                                 f"received {value!r}.")
        if attention_axes is not None and not isinstance(attention_axes, (int, list, tuple)):
            raise ValueError("MultiHeadAttention: `attention_axes` must be an int, a list or a "
                             f"tuple, received {attention_axes!r}.")
        super().__init__(heads=num_heads, kv_heads=num_heads, key_dim=key_dim,
                         value_dim=value_dim or key_dim, dropout=dropout, use_bias=use_bias,
                         out_shape=output_shape, attention_axes=attention_axes,
                         sliding_window=sliding_window, use_gate=use_gate, seed=seed,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         **kwargs)
        if output_shape is not None and not isinstance(output_shape, (int, list, tuple)):
            raise ValueError(f"{describe(self)}: `output_shape` must be an int, a list or a "
                             f"tuple, received {output_shape!r}.")

    num_heads = property(lambda self: self._heads, doc="Number of attention heads.")
    key_dim = property(lambda self: self._key_dim, doc="Size of each query/key head.")
    value_dim = property(lambda self: self._value_dim, doc="Size of each value head.")
    dropout = property(lambda self: self._rate, doc="Dropout rate on the attention scores.")
    use_bias = property(lambda self: self._use_bias, doc="Whether the projections have biases.")

    @property
    def attention_axes(self):
        """The axes attention runs over (normalized once built)."""
        return getattr(self, "_score_axes", self._axes)

    query_dense = property(lambda self: self._query_dense, doc="The query projection.")
    key_dense = property(lambda self: self._key_dense, doc="The key projection.")
    value_dense = property(lambda self: self._value_dense, doc="The value projection.")
    output_dense = property(lambda self: self._output_dense, doc="The output projection.")
