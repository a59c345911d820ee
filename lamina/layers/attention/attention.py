"""Attention: dot-product (Luong-style) attention of a query over values, without projections."""

import jax
import jax.numpy as jnp

from lamina import random
from lamina.core import symbolic
from lamina.core.errors import describe
from lamina.core.layer import Layer
from lamina.layers.attention import masks


_PACKED = "__inputs_and_mask__"  # marks the structure a symbolic call traces (see `__call__`)


class Attention(Layer):
    """Dot-product attention on ``[query, value]`` or ``[query, value, key]``.

    ``scores = query @ key^T`` (times a learned ``scale`` with ``use_scale``), or with
    ``score_mode="concat"`` ``concat_score_weight * sum(tanh(query + key))``; the softmax of
    the scores over the keys weighs ``value``. Shapes: query ``(B, Tq, dim)``, value and key
    ``(B, Tv, dim)``; output ``(B, Tq, dim)``.

    Args:
        use_scale: learn a scalar multiplying the scores.
        score_mode: ``"dot"`` or ``"concat"``.
        dropout: rate of dropout on the attention distribution, in training.
        seed: seed of the dropout.

    Call arguments:
        inputs: ``[query, value]`` or ``[query, value, key]`` (key defaults to value).
        mask: ``[query_mask, value_mask]`` (``(B, Tq)``, ``(B, Tv)``; false at padding): the
            output is zero at masked queries, masked values get no weight. A single array
            (a model's mask of the query) is the query mask, and the value mask too when the
            value is the query tensor itself.
        return_attention_scores: also return the distribution ``(B, Tq, Tv)`` (after dropout).
        training: applies the dropout when true.
        use_causal_mask: position ``i`` attends only to positions ``j <= i``.

    >>> q, v = jnp.ones((2, 3, 4)), jnp.ones((2, 5, 4))
    >>> Attention()([q, v]).shape
    (2, 3, 4)
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"{describe(self)}: `score_mode` must be 'dot' or 'concat', "
                             f"received {score_mode!r}.")
        if not 0 <= dropout < 1:
            raise ValueError(f"{describe(self)}: `dropout` must be in [0, 1), "
                             f"received {dropout!r}.")
        self.use_scale, self.score_mode = use_scale, score_mode
        self.dropout, self.seed = dropout, seed
        self.seed_generator = random.SeedGenerator(seed, name=f"{self.name}_seed_generator") \
            if dropout > 0 else None

    def __call__(self, inputs, **kwargs):
        if isinstance(inputs, dict) and _PACKED in inputs:  # inside the shape trace below
            return super().__call__(inputs["inputs"], mask=inputs["mask"], **kwargs)
        mask = kwargs.get("mask")
        if mask is None or not symbolic.is_symbolic(mask):
            return super().__call__(inputs, **kwargs)
        kwargs.pop("mask")
        # A symbolic mask given by keyword is traced along with the inputs; the graph keeps
        # the call as written.
        outputs = super().__call__({_PACKED: None, "inputs": inputs, "mask": mask}, **kwargs)
        node = self._inbound_nodes[-1]
        node.args, node.kwargs = (inputs,), {**kwargs, "mask": mask}
        return outputs

    def _unpack(self, inputs):
        if (not isinstance(inputs, (list, tuple)) or len(inputs) not in (2, 3)
                or any(x is None or isinstance(x, int) for x in inputs)):  # one tensor's shape
            raise ValueError(f"{describe(self)}: call it on a list [query, value] or "
                             "[query, value, key] of tensors.")
        query, value = inputs[0], inputs[1]
        return query, value, inputs[2] if len(inputs) == 3 else value

    def _check_shapes(self, query_shape, value_shape, key_shape):
        if _differ(query_shape[-1], key_shape[-1]):
            raise ValueError(f"{describe(self)}: `query` and `key` (default: `value`) must have "
                             f"the same last dimension; received query shape {tuple(query_shape)}"
                             f" and key shape {tuple(key_shape)}.")
        if _differ(value_shape[-2], key_shape[-2]):
            raise ValueError(f"{describe(self)}: `value` and `key` must have the same number of "
                             f"steps; received value shape {tuple(value_shape)} and key shape "
                             f"{tuple(key_shape)}.")

    def build(self, input_shape):
        self._check_shapes(*self._unpack(input_shape))
        self.scale = self.add_weight((), "ones", name="scale") if self.use_scale else None
        self.concat_score_weight = self.add_weight(
            (), "ones", name="concat_score_weight") if self.score_mode == "concat" else None

    def _scores(self, query, key):
        """``(B, Tq, Tv)`` scores of every query against every key."""
        if self.score_mode == "dot":
            scores = query @ jnp.swapaxes(key, -1, -2)
            return scores * self.scale.value if self.scale is not None else scores
        pairs = query[..., :, None, :] + key[..., None, :, :]
        if self.scale is not None:
            pairs = pairs * self.scale.value
        return self.concat_score_weight.value * jnp.sum(jnp.tanh(pairs), axis=-1)

    def _masks(self, mask, inputs):
        """``(query_mask, value_mask)`` from Keras's list or from a model's single mask."""
        if mask is None:
            return None, None
        if not isinstance(mask, (list, tuple)):
            return mask, mask if inputs[1] is inputs[0] else None
        if len(mask) not in (2, 3):
            raise ValueError(f"{describe(self)}: `mask` must be a list [query_mask, value_mask]; "
                             f"received a list of length {len(mask)}.")
        return mask[0], mask[1]

    def call(self, inputs, mask=None, training=False, return_attention_scores=False,
             use_causal_mask=False):
        query, value, key = self._unpack(inputs)
        self._check_shapes(query.shape, value.shape, key.shape)
        query_mask, value_mask = self._masks(mask, inputs)
        scores = self._scores(query, key)
        keep = masks.combine(scores.shape[-2], scores.shape[-1], value_mask=value_mask,
                             causal=use_causal_mask)
        if keep is not None:
            # Keras subtracts a large number (it does not replace the score).
            big = jnp.asarray(65504.0 if scores.dtype == jnp.float16 else 1e9, scores.dtype)
            scores = jnp.where(keep, scores, scores - big)
        weights = jax.nn.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            weights = random.dropout(weights, self.dropout, seed=self.seed_generator)
        outputs = weights @ value
        if query_mask is not None:
            outputs = jnp.where(jnp.asarray(query_mask).astype(bool)[..., None], outputs,
                                jnp.zeros((), outputs.dtype))
        return (outputs, weights) if return_attention_scores else outputs

    def compute_mask(self, inputs, previous_mask=None):
        """The query's mask (the output has the query's steps)."""
        return self._masks(previous_mask, inputs)[0]


def _differ(a, b):
    """Whether two axis sizes are known and different (``None`` or symbolic: unknown)."""
    return isinstance(a, int) and isinstance(b, int) and a != b
