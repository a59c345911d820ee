"""Connectionist Temporal Classification loss, computed by ``optax.ctc_loss``."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

from lamina.losses.loss import LossFunctionWrapper


def ctc(y_true, y_pred):
    """CTC loss per sample between integer label sequences and per-step logits.

    ``y_true``: ``(batch, max_label_length)`` integer labels, padded with 0, which is also the
    blank class. ``y_pred``: ``(batch, steps, classes)`` unnormalized logits; every step counts.

    >>> ctc([[1, 2]], jnp.zeros((1, 4, 3))).shape
    (1,)
    """
    y_true, y_pred = jnp.asarray(y_true), jnp.asarray(y_pred)
    if y_true.ndim != 2:
        raise ValueError("ctc: `y_true` must be integer labels of shape (batch_size, "
                         f"max_length); received shape {y_true.shape}.")
    if y_pred.ndim != 3:
        raise ValueError("ctc: `y_pred` must be logits of shape (batch_size, max_length, "
                         f"num_classes); received shape {y_pred.shape}.")
    return _ctc(y_true.astype("int32"), y_pred)


@jax.jit  # the loss is a scan over time steps: compiled once per shape even when called eagerly
def _ctc(labels, y_pred):
    label_length = jnp.sum(labels != 0, axis=-1)
    # As in Keras: the first `label_length` entries are the labels, whatever follows is padding.
    label_paddings = jnp.arange(labels.shape[1]) >= label_length[:, None]
    logit_paddings = jnp.zeros(y_pred.shape[:2], y_pred.dtype)
    return optax.ctc_loss(y_pred, logit_paddings, labels, label_paddings.astype(y_pred.dtype),
                          blank_id=0)


FUNCTIONS = [ctc]


class CTC(LossFunctionWrapper):
    """CTC loss (:func:`ctc`) reduced over the batch."""

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(ctc, reduction, name, dtype)
