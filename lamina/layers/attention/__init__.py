"""Attention layers: multi-head, grouped-query, dot-product and additive attention."""

from lamina.layers.attention.additive_attention import AdditiveAttention
from lamina.layers.attention.attention import Attention
from lamina.layers.attention.einsum_dense import EinsumDense
from lamina.layers.attention.grouped_query_attention import (GroupedQueryAttention,
                                                             GroupQueryAttention)
from lamina.layers.attention.multi_head_attention import MultiHeadAttention
