"""GroupQueryAttention: query heads in groups that share one key and value head each."""

from lamina.core.errors import describe
from lamina.layers.attention.base_multi_head import BaseMultiHeadAttention


class GroupQueryAttention(BaseMultiHeadAttention):
    """Grouped-query attention (Ainslie et al., 2023) on ``(batch, steps, features)`` inputs.

    ``num_query_heads`` query heads share ``num_key_value_heads`` key/value heads: each key and
    value head serves ``num_query_heads // num_key_value_heads`` consecutive query heads. One
    key/value head is multi-query attention; as many as query heads is multi-head attention.
    The call arguments are those of :class:`MultiHeadAttention`; scores have shape
    ``(batch, num_query_heads, T, S)``.

    Args:
        head_dim: size of each head.
        num_query_heads, num_key_value_heads: the head counts (the first a multiple of the second).
        dropout, use_bias, sliding_window, flash_attention, kernel_initializer, bias_initializer,
        kernel_regularizer, bias_regularizer, activity_regularizer, kernel_constraint,
        bias_constraint, use_gate, seed: as in :class:`MultiHeadAttention`.

    >>> import jax.numpy as jnp
    >>> layer = GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2)
    >>> layer(jnp.ones((2, 3, 8)), jnp.ones((2, 5, 8))).shape
    (2, 3, 8)
    """

    _keras_class_name = "GroupedQueryAttention"  # names and weight-file paths, as in Keras

    def __init__(self, head_dim, num_query_heads, num_key_value_heads, dropout=0.0,
                 use_bias=True, sliding_window=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None,
                 **kwargs):
        for arg, value in (("head_dim", head_dim), ("num_query_heads", num_query_heads),
                           ("num_key_value_heads", num_key_value_heads)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"GroupQueryAttention: `{arg}` must be a positive integer, "
                                 f"received {value!r}.")
        if num_query_heads % num_key_value_heads:
            raise ValueError("GroupQueryAttention: `num_query_heads` must be divisible by "
                             f"`num_key_value_heads`, received {num_query_heads} and "
                             f"{num_key_value_heads}.")
        super().__init__(heads=num_query_heads, kv_heads=num_key_value_heads, key_dim=head_dim,
                         value_dim=head_dim, dropout=dropout, use_bias=use_bias, out_shape=None,
                         attention_axes=None, sliding_window=sliding_window, use_gate=use_gate,
                         seed=seed, kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         **kwargs)
        self.head_dim, self.num_query_heads = head_dim, num_query_heads
        self.num_key_value_heads = num_key_value_heads
        self.num_repeats = num_query_heads // num_key_value_heads
        self.dropout, self.use_bias, self.use_gate = dropout, use_bias, use_gate
        self.sliding_window, self.seed = sliding_window, seed

    def _check_shapes(self, query_shape, value_shape, key_shape):
        super()._check_shapes(query_shape, value_shape, key_shape)
        if len(query_shape) != 3:
            raise ValueError(f"{describe(self)}: inputs must have shape (batch, steps, features); "
                             f"received query shape {query_shape}.")
        if query_shape[-1] != value_shape[-1]:
            raise ValueError(f"{describe(self)}: the last dimension of `query` and `value` must "
                             f"be equal; received query={query_shape}, value={value_shape}.")


GroupedQueryAttention = GroupQueryAttention
