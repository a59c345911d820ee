"""Weighted confusion-matrix counts at a list of thresholds: the state of Precision, AUC, ...

A prediction ``p`` counts as positive at threshold ``t`` when ``p > t``. Evenly spaced threshold
lists (AUC's 200) take a bucketed path: each prediction is dropped into the bucket of the highest
threshold below it and a reverse cumulative sum gives the counts at every threshold, in
O(thresholds + predictions) instead of O(thresholds * predictions). Both paths follow Keras's
arithmetic, so the counts agree with it exactly.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from lamina.losses import squeeze_or_expand_to_same_rank

NEG_INF = -1e10  # the threshold that makes every top-k prediction positive


def parse_thresholds(thresholds, default):
    """``thresholds`` as a list of floats in ``[0, 1]`` (``default`` when ``None``)."""
    if thresholds is None:
        return [default]
    values = list(thresholds) if isinstance(thresholds, (list, tuple)) else [thresholds]
    bad = [t for t in values if t is None or not 0 <= t <= 1]
    if bad:
        raise ValueError(f"Threshold values must be in [0, 1]. Received: {bad}")
    return values


def evenly_spaced(thresholds):
    """Whether ``thresholds`` are ``i / (n - 1)`` for ``i`` in ``0..n-1``, with ``n >= 3``."""
    n = len(thresholds)
    return n >= 3 and np.allclose(thresholds, np.arange(n, dtype="float32") / (n - 1), atol=1e-7)


def filter_top_k(x, k):
    """``x`` with everything but the ``k`` largest entries of the last axis set to ``NEG_INF``."""
    _, index = jax.lax.top_k(x, k)
    keep = jnp.sum(jax.nn.one_hot(index, x.shape[-1], dtype=x.dtype), axis=-2)
    return x * keep + NEG_INF * (1 - keep)


def confusion_counts(y_true, y_pred, thresholds, sample_weight=None, top_k=None, class_id=None,
                     multi_label=False, label_weights=None, evenly=False, dtype="float32"):
    """``(tp, fp, tn, fn)``, each of shape ``(thresholds,)``, or ``(thresholds, labels)`` with
    ``multi_label`` (each column of a 2-D ``y_pred`` is its own binary problem).

    ``top_k`` keeps only the ``k`` highest predictions of each row; ``class_id`` looks at one
    column only; ``label_weights`` weight the columns when they are pooled.

    >>> tp, fp, tn, fn = confusion_counts([1, 0, 1], [0.9, 0.6, 0.2], [0.5])
    >>> [tp.item(), fp.item(), tn.item(), fn.item()]
    [1.0, 1.0, 0.0, 1.0]
    """
    y_true = jnp.asarray(y_true).astype(dtype)
    y_pred = jnp.asarray(y_pred).astype(dtype)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = jnp.asarray(sample_weight).astype(dtype)[..., None]
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight,
                                                          expand_rank_1=False)
    if top_k is not None:
        y_pred = filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError("When class_id is provided, y_pred must be a 2D array with shape "
                             f"(num_samples, num_classes), found shape: {y_pred.shape}")
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]
    weights = jnp.ones((), dtype)
    if sample_weight is not None:
        weights = jnp.broadcast_to(sample_weight, y_pred.shape)
    if label_weights is not None and not multi_label:
        weights = weights * jnp.broadcast_to(jnp.asarray(label_weights, dtype), y_pred.shape)
    weights = jnp.broadcast_to(weights, y_pred.shape)
    if not multi_label:
        y_true, y_pred, weights = (a.reshape(-1, 1) for a in (y_true, y_pred, weights))
    elif y_pred.ndim == 1:
        y_true, y_pred, weights = y_true[:, None], y_pred[:, None], weights[:, None]
    else:
        y_true, y_pred, weights = (a.reshape(a.shape[0], -1) for a in (y_true, y_pred, weights))
    positive = (y_true != 0).astype(dtype)
    counter = _bucketed_counts if evenly else _compared_counts
    tp, fp, tn, fn = counter(positive * weights, (1 - positive) * weights, y_pred,
                             thresholds, dtype)
    return (tp, fp, tn, fn) if multi_label else (tp[:, 0], fp[:, 0], tn[:, 0], fn[:, 0])


def _compared_counts(true_w, false_w, y_pred, thresholds, dtype):
    """Counts from comparing every prediction with every threshold: (T, N, L) booleans."""
    above = y_pred[None] > jnp.asarray(thresholds, dtype).reshape(-1, 1, 1)
    tp = jnp.sum(jnp.where(above, true_w, 0), axis=1)
    fp = jnp.sum(jnp.where(above, false_w, 0), axis=1)
    tn = jnp.sum(jnp.where(above, 0, false_w), axis=1)
    fn = jnp.sum(jnp.where(above, 0, true_w), axis=1)
    return tp, fp, tn, fn


def _bucketed_counts(true_w, false_w, y_pred, thresholds, dtype):
    """Counts for evenly spaced thresholds from per-bucket sums and a reverse cumulative sum."""
    num = len(thresholds)
    bucket = jnp.ceil(jnp.clip(y_pred, 0.0, 1.0) * (num - 1)) - 1
    if thresholds[0] < 0 or thresholds[-1] > 1:
        # The end thresholds sit just outside [0, 1], so a prediction of exactly 0 counts at
        # the first; without them it counts at none (its bucket is -1 and gets dropped).
        bucket = jnp.maximum(bucket, 0)
    bucket = bucket.astype("int32")
    per_bucket = jax.vmap(lambda w, b: jax.ops.segment_sum(w, b, num_segments=num),
                          in_axes=1, out_axes=1)
    at_or_above = lambda w: jnp.flip(jnp.cumsum(jnp.flip(per_bucket(w, bucket), 0), 0), 0)  # noqa
    tp, fp = at_or_above(true_w), at_or_above(false_w)
    return tp, fp, jnp.sum(false_w, 0) - fp, jnp.sum(true_w, 0) - tp
