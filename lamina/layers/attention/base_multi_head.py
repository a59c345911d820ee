"""The machinery shared by MultiHeadAttention and GroupQueryAttention.

Inputs are projected per head with :class:`EinsumDense` sub-layers named ``query``, ``key``,
(``gate``), ``value`` and ``attention_output``, created in that order: Keras's weight layout,
so ``set_weights(keras_layer.get_weights())`` works. Attention can run over any set of axes:
the score and combination einsum equations are written for the projected rank.
"""

import math
import string

import jax.numpy as jnp

from lamina import random
from lamina.core import symbolic
from lamina.core.errors import describe
from lamina.core.layer import Layer
from lamina.layers.attention import masks
from lamina.layers.attention.einsum_dense import EinsumDense

# The call arguments that may hold tensors, in `call`'s order.
_TENSOR_ARGUMENTS = ("query", "value", "key", "query_mask", "value_mask", "key_mask",
                     "attention_mask")


def projection_equation(free, bound, out):
    """Einsum ``free`` passed-through axes, ``bound`` contracted ones, ``out`` produced ones;
    also the letters of the produced axes (the bias axes).

    >>> projection_equation(2, 1, 2)
    ('abc,cde->abde', 'de')
    """
    letters = string.ascii_lowercase
    kept, summed = letters[:free], letters[free:free + bound]
    made = letters[free + bound:free + bound + out]
    return f"{kept}{summed},{summed}{made}->{kept}{made}", made


def attention_equations(rank, axes):
    """Einsum equations for ``scores = q . k`` and ``output = scores . v`` on projected tensors
    of ``rank`` (``(batch, <positions>, heads, channels)``), attending over ``axes``.

    Scores are laid out ``(<other position axes>, heads, <query axes>, <key axes>)``.

    >>> attention_equations(4, (1,))
    ('abcd,aecd->acbe', 'acbe,aecd->abcd')
    """
    q = string.ascii_lowercase[:rank]
    k = list(q)
    for i, axis in enumerate(axes):
        k[axis] = string.ascii_lowercase[rank + i]
    k = "".join(k)
    others = [a for a in range(rank - 2) if a not in axes]
    scores = ("".join(q[a] for a in others) + q[rank - 2] + "".join(q[a] for a in axes)
              + "".join(k[a] for a in axes))
    return f"{q},{k}->{scores}", f"{scores},{k}->{q}"


class BaseMultiHeadAttention(Layer):
    """Projected dot-product attention with ``heads`` query heads sharing ``kv_heads`` key and
    value heads (each used by ``heads // kv_heads`` query heads). Subclasses give the public
    constructor; see :class:`MultiHeadAttention` for the call arguments."""

    supports_masking = True

    def __init__(self, *, heads, kv_heads, key_dim, value_dim, dropout, use_bias, out_shape,
                 attention_axes, sliding_window, use_gate, seed, kernel_initializer,
                 bias_initializer, kernel_regularizer, bias_regularizer, activity_regularizer,
                 kernel_constraint, bias_constraint, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= dropout < 1:
            raise ValueError(f"{describe(self)}: `dropout` must be in [0, 1), "
                             f"received {dropout!r}.")
        if sliding_window is not None and (not isinstance(sliding_window, int)
                                           or sliding_window <= 0):
            raise ValueError(f"{describe(self)}: `sliding_window` must be None or a positive "
                             f"integer, received {sliding_window!r}.")
        self._heads, self._kv_heads = heads, kv_heads
        self._key_dim, self._value_dim = key_dim, value_dim
        self._rate, self._use_bias, self._use_gate = dropout, use_bias, use_gate
        self._out_shape = None if not out_shape else (
            (out_shape,) if isinstance(out_shape, int) else tuple(out_shape))
        self._axes = (attention_axes,) if isinstance(attention_axes, int) else attention_axes
        self._window = sliding_window
        self._sublayer_args = dict(
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint)
        self.seed_generator = random.SeedGenerator(seed, name=f"{self.name}_seed_generator") \
            if dropout > 0 else None

    # -- building ------------------------------------------------------------------------------
    def _projection(self, name, input_rank, bound, produced, activation=None):
        equation, made = projection_equation(input_rank - 1, bound, len(produced))
        return EinsumDense(equation, [None] * (input_rank - 2) + list(produced), name=name,
                           activation=activation, bias_axes=made if self._use_bias else None,
                           dtype=self.dtype_policy, **self._sublayer_args)

    def _check_shapes(self, query_shape, value_shape, key_shape):
        """Raises if the three input shapes cannot be attended together (subclasses add rules)."""
        if not len(query_shape) == len(value_shape) == len(key_shape) or len(query_shape) < 3:
            raise ValueError(f"{describe(self)}: `query`, `value` and `key` must have the same "
                             "rank, at least 3 (batch, positions..., features); received shapes "
                             f"query={query_shape}, value={value_shape}, key={key_shape}.")
        if not _same(value_shape[1:-1], key_shape[1:-1]):
            raise ValueError(f"{describe(self)}: all dimensions of `value` and `key`, except the "
                             f"last one, must be equal; received value={value_shape}, "
                             f"key={key_shape}.")
        others = [a for a in range(len(query_shape) - 1)
                  if a not in self._attention_axes_for(len(query_shape) + 1)]
        if not _same([query_shape[a] for a in others], [value_shape[a] for a in others]):
            raise ValueError(f"{describe(self)}: `query` and `value` must agree on the axes "
                             f"{others} that attention does not run over; received "
                             f"query={query_shape}, value={value_shape}.")

    def build(self, query_shape, value_shape=None, key_shape=None):
        query_shape = tuple(query_shape)
        value_shape = query_shape if value_shape is None else tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        rank = len(query_shape)
        self._check_shapes(query_shape, value_shape, key_shape)
        for arg, shape in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if shape[-1] is None:
                raise ValueError(f"{describe(self)}: the last axis of `{arg}` must be known, "
                                 f"received shape {shape}.")
        self._query_dense = self._projection("query", rank, 1, (self._heads, self._key_dim))
        self._query_dense.build(query_shape)
        self._key_dense = self._projection("key", rank, 1, (self._kv_heads, self._key_dim))
        self._key_dense.build(key_shape)
        if self._use_gate:
            self._gate_dense = self._projection("gate", rank, 1, (self._heads, self._value_dim),
                                                activation="sigmoid")
            self._gate_dense.build(query_shape)
        self._value_dense = self._projection("value", rank, 1, (self._kv_heads, self._value_dim))
        self._value_dense.build(value_shape)
        self._output_dense = self._projection("attention_output", rank, 2,
                                              self._out_shape or (query_shape[-1],))
        self._output_dense.build(query_shape[:-1] + (self._heads, self._value_dim))
        self._score_axes = self._attention_axes_for(rank + 1)
        self._dot_equation, self._combine_equation = attention_equations(rank + 1,
                                                                         self._score_axes)
        self._built_shapes = (query_shape, value_shape, key_shape)

    def _attention_axes_for(self, rank):
        """``attention_axes`` as non-negative axes of the projected tensors (Keras: negative
        axes count from the end of the input)."""
        if self._axes is None:
            return tuple(range(1, rank - 2))
        axes = tuple(a if a >= 0 else rank - 1 + a for a in self._axes)
        if not all(1 <= a <= rank - 3 for a in axes) or len(set(axes)) != len(axes):
            raise ValueError(f"{describe(self)}: `attention_axes` must be distinct axes between "
                             f"the batch and the feature axis of an input of rank {rank - 1}; "
                             f"received {self._axes}.")
        return axes

    # -- calling -------------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        # Every tensor argument goes positionally, so that symbolic masks given by keyword
        # are traced too, and the layer is built from all three input shapes.
        as_called = (args, dict(kwargs))
        if len(args) > len(_TENSOR_ARGUMENTS):
            raise TypeError(f"{describe(self)}: too many positional arguments ({len(args)}).")
        bound = dict(zip(_TENSOR_ARGUMENTS, args))
        for name in _TENSOR_ARGUMENTS:
            if name in kwargs:
                if name in bound:
                    raise TypeError(f"{describe(self)}: got two values for `{name}`.")
                bound[name] = kwargs.pop(name)
        if bound.get("query") is None or bound.get("value") is None:
            raise TypeError(f"{describe(self)}: call it on `query` and `value` tensors (and "
                            "optionally `key`), e.g. `layer(query, value)`.")
        model_mask = kwargs.pop("mask", None)
        if model_mask is not None:  # the query's mask, handed over by a model
            for name in ("query", "value", "key"):
                if bound.get(f"{name}_mask") is None and bound.get(name) is bound["query"]:
                    bound[f"{name}_mask"] = model_mask
        last = max(i for i, name in enumerate(_TENSOR_ARGUMENTS) if bound.get(name) is not None)
        args = tuple(bound.get(name) for name in _TENSOR_ARGUMENTS[:last + 1])
        if symbolic.is_symbolic(args):
            outputs = super().__call__(*args, **kwargs)
            # The graph keeps the call as written (Keras reads its masks as keywords).
            node = self._inbound_nodes[-1]
            node.args, node.kwargs = as_called
            return outputs
        if not self.built:
            self.build(*(symbolic.known_shape(jnp.shape(x)) if x is not None else None
                         for x in args[:3]))
        return super().__call__(*args, **kwargs)

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False, mask=None):
        # `mask` is never set here (`__call__` turns it into the query/value/key masks); it is
        # in the signature so that models hand the query's mask over.
        value = self._convert_inputs(value)
        key = value if key is None else self._convert_inputs(key)
        self._check_call_shapes(query.shape, value.shape, key.shape)
        full_mask = masks.combine(query.shape[1], value.shape[1], query_mask, value_mask,
                                  key_mask, attention_mask, use_causal_mask, self._window)
        gate = self._gate_dense(query) if self._use_gate else None
        q = self._query_dense(query)
        k, v = self._key_dense(key), self._value_dense(value)
        if self._kv_heads != self._heads:
            k = jnp.repeat(k, self._heads // self._kv_heads, axis=-2)
            v = jnp.repeat(v, self._heads // self._kv_heads, axis=-2)
        q = q * jnp.asarray(1.0 / math.sqrt(self._key_dim), q.dtype)
        scores = jnp.einsum(self._dot_equation, q, k)
        if full_mask is not None:
            full_mask = self._broadcastable(masks.expand_to(full_mask, scores.ndim,
                                                            len(self._score_axes)), scores.shape)
        n = len(self._score_axes)
        probs = masks.masked_softmax(scores, full_mask, tuple(range(-n, 0)))
        kept = probs
        if training and self._rate > 0:
            kept = random.dropout(probs, self._rate, seed=self.seed_generator)
        outputs = jnp.einsum(self._combine_equation, kept, v)
        if gate is not None:
            outputs = outputs * gate
        outputs = self._output_dense(outputs)
        return (outputs, probs) if return_attention_scores else outputs

    def _check_call_shapes(self, query_shape, value_shape, key_shape):
        self._check_shapes(query_shape, value_shape, key_shape)
        for arg, built, got in zip(("query", "value", "key"), self._built_shapes,
                                   (query_shape, value_shape, key_shape)):
            if len(got) != len(built) or not _same(built[-1:], got[-1:]):
                raise ValueError(f"{describe(self)}: it was built for `{arg}` of shape {built}; "
                                 f"received shape {tuple(got)}.")

    def _broadcastable(self, mask, scores_shape):
        if not all(_same((m,), (s,)) or m == 1 for m, s in zip(mask.shape, scores_shape)):
            raise ValueError(f"{describe(self)}: the attention mask must broadcast to the scores "
                             f"of shape {tuple(scores_shape)} (batch, heads, queries, keys); "
                             f"received a mask of shape {tuple(mask.shape)}.")
        return mask

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        """The output shape: ``query_shape`` with its last axis replaced by ``output_shape``."""
        query_shape = tuple(query_shape)
        value_shape = query_shape if value_shape is None else tuple(value_shape)
        self._check_shapes(query_shape, value_shape,
                           value_shape if key_shape is None else tuple(key_shape))
        return query_shape[:-1] + (self._out_shape or query_shape[-1:])


def _same(a, b):
    """Whether two shapes agree where both sizes are known integers."""
    return len(a) == len(b) and all(not isinstance(x, int) or not isinstance(y, int) or x == y
                                    for x, y in zip(a, b))
