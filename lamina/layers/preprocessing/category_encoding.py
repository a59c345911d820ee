"""CategoryEncoding: integer ids to one-hot, multi-hot or count vectors."""

import jax
import jax.numpy as jnp

from lamina.core.errors import describe
from lamina.core.layer import Layer

OUTPUT_MODES = ("one_hot", "multi_hot", "count")


def encode_categorical(ids, output_mode, depth, dtype="float32", count_weights=None):
    """Encodes integer ``ids`` over ``depth`` slots, the way every Keras preprocessing layer does.

    ``one_hot`` adds an axis (replacing a trailing axis of size 1); ``multi_hot`` and ``count``
    reduce axis 1 of a batch (axis 0 of a single sample). Ids outside ``[0, depth)`` are dropped,
    which is how masked tokens disappear.

    >>> encode_categorical(jnp.array([[0, 2, 2]]), "count", 4).tolist()
    [[1.0, 0.0, 2.0, 0.0]]
    """
    ids = jnp.asarray(ids)
    if output_mode == "int":
        return ids.astype(dtype)
    if ids.ndim == 0:
        ids = ids[None]
    if output_mode == "one_hot":
        if ids.ndim > 1 and ids.shape[-1] == 1:
            ids = ids[..., 0]
        return jax.nn.one_hot(ids, depth, dtype=dtype)
    axis = 1 if ids.ndim > 1 else 0
    if output_mode == "multi_hot":
        return jnp.max(jax.nn.one_hot(ids.astype("int32"), depth, dtype=dtype), axis=axis)
    if count_weights is not None:
        weights = jnp.asarray(count_weights)
        hot = jax.nn.one_hot(ids, depth, dtype=weights.dtype) * weights[..., None]
        return jnp.sum(hot, axis=axis)
    return jnp.sum(jax.nn.one_hot(ids, depth, dtype=dtype), axis=axis)


class CategoryEncoding(Layer):
    """Encodes integer features of known range as one-hot, multi-hot or count vectors.

    Works inside compiled models. Inputs must be integers in ``[0, num_tokens)``; values outside
    encode to zeros.

    Args:
        num_tokens: size of the encoding axis.
        output_mode: ``"multi_hot"`` (default: 1 for every id present in a sample),
            ``"one_hot"`` (one vector per id; a trailing axis of size 1 is replaced) or
            ``"count"`` (how often each id occurs, optionally weighted by ``count_weights``).
        sparse: not supported (lamina outputs are dense).

    Call arguments:
        inputs: integer ids, rank 0 to 2.
        count_weights: same shape as ``inputs``; only with ``output_mode="count"``.

    >>> CategoryEncoding(4, output_mode="one_hot")(jnp.array([3, 0])).tolist()
    [[0.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.0, 0.0]]
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in OUTPUT_MODES:
            raise ValueError(f"{describe(self)}: `output_mode` must be one of {OUTPUT_MODES}, "
                             f"received {output_mode!r}.")
        if num_tokens is None or num_tokens < 1:
            raise ValueError(f"{describe(self)}: `num_tokens` must be an integer >= 1 (use "
                             f"IntegerLookup when the number of tokens is not known), received "
                             f"num_tokens={num_tokens!r}.")
        if sparse:
            raise NotImplementedError(f"{describe(self)}: `sparse=True` is not supported; "
                                      "lamina returns dense arrays.")
        self.num_tokens = num_tokens
        self.output_mode = output_mode
        self.sparse = sparse

    def call(self, inputs, count_weights=None):
        if count_weights is not None and self.output_mode != "count":
            raise ValueError(f"{describe(self)}: `count_weights` is only used when "
                             f"output_mode='count', received output_mode={self.output_mode!r}.")
        if count_weights is not None:
            count_weights = jnp.asarray(count_weights, self.dtype)
        return encode_categorical(inputs, self.output_mode, self.num_tokens, self.dtype,
                                  count_weights)
