"""Circle loss (Sun et al., 2020): metric learning on L2-normalized embeddings."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp

from lamina.losses.loss import LossFunctionWrapper


def _logsumexp_where(x, where):
    """``log(sum(exp(x)))`` over the entries ``where`` holds, per row; -inf for an empty row."""
    return jax.nn.logsumexp(jnp.where(where, x, -jnp.inf), axis=1)


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True, gamma=80,
           margin=0.4):
    """Circle loss per sample: pulls same-label pairs together, pushes others apart.

    ``y_true``: ``(batch,)`` integer labels; ``y_pred``: ``(batch, dim)`` unit-norm embeddings,
    compared with ``ref_embeddings`` (labels ``ref_labels``), by default the batch itself.
    A sample without a positive pair gets 0 (``Circle`` leaves it out of the mean).

    >>> emb = jnp.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    >>> circle(jnp.array([0, 0, 1]), emb).tolist()[2]
    0.0
    """
    return _circle(y_true, y_pred, ref_labels, ref_embeddings, remove_diagonal, gamma, margin)


# Compiled as one program: run op by op, its many small ops cost more than the math.
@functools.partial(jax.jit, static_argnames=("remove_diagonal",))
def _circle(y_true, y_pred, ref_labels, ref_embeddings, remove_diagonal, gamma, margin,
            valid_refs=None):
    """:func:`circle`; references where ``valid_refs`` is False (padding) take no part."""
    y_pred = jnp.asarray(y_pred)
    labels = jnp.asarray(y_true).astype("int32").reshape(-1, 1)
    refs = y_pred if ref_embeddings is None else jnp.asarray(ref_embeddings)
    ref_labels = labels if ref_labels is None else jnp.asarray(ref_labels).astype("int32")
    positive = labels == ref_labels.reshape(1, -1)
    negative = ~positive
    if remove_diagonal:
        positive = positive & ~jnp.eye(positive.shape[0], positive.shape[1], dtype=bool)
    if valid_refs is not None:
        positive, negative = positive & valid_refs[None, :], negative & valid_refs[None, :]
    distance = jnp.maximum(1.0 - y_pred @ refs.T, 0.0)
    # Each pair is weighted by how far it is from its optimum (margin for positives).
    pos_weight = jnp.maximum((margin + distance) * positive, 0.0)
    neg_weight = jnp.maximum((1.0 + margin - distance) * negative, 0.0)
    pos_logits = -gamma * pos_weight * (margin - distance)
    neg_logits = gamma * neg_weight * (1.0 - margin - distance)
    return jax.nn.softplus(_logsumexp_where(pos_logits, positive)
                           + _logsumexp_where(neg_logits, negative))


FUNCTIONS = [circle]


class Circle(LossFunctionWrapper):
    """Circle loss (:func:`circle`); samples with a loss of 0 (no positive pair) are left out.

    >>> loss = Circle()(jnp.array([0, 0, 1]), jnp.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]]))
    >>> round(loss.item(), 3)
    19.2
    """

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True,
                 reduction="sum_over_batch_size", name="circle", dtype=None):
        super().__init__(circle, reduction, name, dtype, gamma=gamma, margin=margin,
                         remove_diagonal=remove_diagonal)

    def _call_masked(self, y_true, y_pred, mask):
        kwargs = self._fn_kwargs
        return _circle(y_true, y_pred, None, None, kwargs["remove_diagonal"], kwargs["gamma"],
                       kwargs["margin"], valid_refs=mask)

    def _output_mask(self, y_true, y_pred, values):
        return values > 0

