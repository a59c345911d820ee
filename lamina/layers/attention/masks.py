"""Attention masks and the masked softmax shared by the attention layers.

A mask is boolean, true where a query position may attend to a key position. Keras's rules:
a query mask ``(B, T)`` masks rows, a value or key mask ``(B, S)`` masks columns, a causal
mask ``(1, T, S)`` is lower triangular; all of them are combined with ``&``.
"""

import jax
import jax.numpy as jnp


def causal_mask(query_length, value_length):
    """``(1, T, S)``: position ``i`` may attend to positions ``j <= i``.

    >>> causal_mask(2, 3).astype(int).tolist()
    [[[1, 0, 0], [1, 1, 0]]]
    """
    return jnp.tril(jnp.ones((query_length, value_length), bool))[None]


def sliding_window_mask(query_length, value_length, window):
    """``(1, T, S)``: position ``i`` may attend to positions with ``|i - j| < window``.

    >>> sliding_window_mask(3, 3, 2).astype(int).tolist()
    [[[1, 1, 0], [1, 1, 1], [0, 1, 1]]]
    """
    rows = jnp.arange(query_length)[:, None]
    cols = jnp.arange(value_length)[None, :]
    return (jnp.abs(rows - cols) < window)[None]


def _bool(mask):
    return jnp.asarray(mask).astype(bool)  # nonzero is true, as Keras's cast


def combine(query_length, value_length, query_mask=None, value_mask=None, key_mask=None,
            attention_mask=None, causal=False, sliding_window=None):
    """The ``(B, T, S)`` (or broadcastable) mask from all the given parts, or ``None``.

    >>> combine(2, 2, value_mask=jnp.array([[True, False]]), causal=True).astype(int).tolist()
    [[[1, 0], [1, 0]]]
    """
    parts = []
    if query_mask is not None:
        parts.append(_bool(query_mask)[..., :, None])
    for mask in (value_mask, key_mask):
        if mask is not None:
            parts.append(_bool(mask)[..., None, :])
    if causal:
        parts.append(causal_mask(query_length, value_length))
    if sliding_window is not None:
        parts.append(sliding_window_mask(query_length, value_length, sliding_window))
    if attention_mask is not None:
        parts.append(_bool(attention_mask))
    if not parts:
        return None
    out = parts[0]
    for part in parts[1:]:
        out = out & part
    return out


def expand_to(mask, rank, score_axes):
    """``mask`` with size-1 axes inserted before its last ``2 * score_axes`` axes (Keras's
    expansion from the heads axis on) until it has ``rank`` axes."""
    keep = max(mask.ndim - 2 * score_axes, 0)
    return mask.reshape(mask.shape[:keep] + (1,) * (rank - mask.ndim) + mask.shape[keep:])


def masked_softmax(scores, mask, axes):
    """Softmax over ``axes``; masked entries get probability 0 (Keras's ``Softmax`` layer).

    >>> masked_softmax(jnp.zeros((1, 3)), jnp.array([[True, True, False]]), (-1,)).tolist()
    [[0.5, 0.5, 0.0]]
    """
    if mask is None:
        return jax.nn.softmax(scores, axis=axes)
    low = jnp.asarray(-3e4 if scores.dtype == jnp.float16 else -1e9, scores.dtype)
    probs = jax.nn.softmax(jnp.where(mask, scores, low), axis=axes)
    return jnp.where(mask, probs, jnp.zeros((), probs.dtype))
