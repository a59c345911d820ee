"""Intersection-over-union metrics from a running confusion matrix over classes."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.losses.loss import EPSILON
from lamina.metrics.metric import Metric


def _int_dtype(dtype):
    # Keras defaults these metrics to integer counts ("int"); under JAX that is int32.
    return "int32" if dtype in (None, "int") else dtype


class IoU(Metric):
    """Mean intersection-over-union of the classes in ``target_class_ids``.

    For each class, ``IoU = TP / (TP + FP + FN)``, from a ``num_classes x num_classes``
    confusion matrix accumulated over batches (rows: true class, columns: predicted class).
    Labels and predictions are class ids, or scores along ``axis`` when ``sparse_y_true`` /
    ``sparse_y_pred`` is False. Entries labelled ``ignore_class`` and ids outside
    ``[0, num_classes)`` are skipped; classes never seen are left out of the mean. The counts
    have the metric's ``dtype``, integer by default, so fractional sample weights are truncated.
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=_int_dtype(dtype))
        if max(target_class_ids) >= num_classes:
            raise ValueError(f"Target class id {max(target_class_ids)} is out of range, which is "
                             f"[0, {num_classes}).")
        self.num_classes, self.target_class_ids = num_classes, list(target_class_ids)
        self.ignore_class, self.axis = ignore_class, axis
        self.sparse_y_true, self.sparse_y_pred = sparse_y_true, sparse_y_pred
        self.total_cm = self.add_variable((num_classes, num_classes),
                                          name="total_confusion_matrix")

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds the batch's (weighted) class-pair counts to the confusion matrix."""
        y_true, y_pred = jnp.asarray(y_true), jnp.asarray(y_pred)
        if not self.sparse_y_true:
            y_true = jnp.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = jnp.argmax(y_pred, axis=self.axis)
        y_true = y_true.astype(self.dtype).reshape(-1)
        y_pred = y_pred.astype(self.dtype).reshape(-1)
        weight = jnp.ones((), self.dtype) if sample_weight is None else jnp.asarray(
            sample_weight).astype(self.dtype).reshape(-1)
        n = self.num_classes
        valid = (y_true >= 0) & (y_true < n) & (y_pred >= 0) & (y_pred < n)
        if self.ignore_class is not None:
            valid = valid & (y_true != self.ignore_class)
        weight = jnp.where(valid, jnp.broadcast_to(weight, y_true.shape), 0)
        rows = jnp.where(valid, y_true, 0).astype("int32")
        cols = jnp.where(valid, y_pred, 0).astype("int32")
        batch_cm = jnp.zeros((n, n), self.dtype).at[rows, cols].add(weight.astype(self.dtype))
        self.total_cm.assign(self.total_cm.value + batch_cm)

    def result(self):
        cm = self.total_cm.value.astype("float32")
        tp = jnp.diagonal(cm)
        union = jnp.sum(cm, axis=0) + jnp.sum(cm, axis=1) - tp
        ids = jnp.asarray(self.target_class_ids, "int32")
        tp, union = tp[ids], union[ids]
        present = union > 1e-9
        iou = jnp.where(present, tp / (union + EPSILON), 0.0)
        return jnp.sum(iou) / (jnp.sum(present.astype("float32")) + EPSILON)


class MeanIoU(IoU):
    """:class:`IoU` averaged over all ``num_classes`` classes.

    >>> round(MeanIoU(num_classes=2)([0, 0, 1, 1], [0, 1, 0, 1]).item(), 4)
    0.3333
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, list(range(num_classes)), name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)


class BinaryIoU(IoU):
    """:class:`IoU` of a binary problem: predictions ``>= threshold`` are class 1."""

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(2, target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        predicted = jnp.asarray(y_pred, "float32") >= self.threshold
        super().update_state(jnp.asarray(y_true).astype(self.dtype), predicted.astype(self.dtype),
                             sample_weight)


class OneHotIoU(IoU):
    """:class:`IoU` for one-hot labels and class scores (``sparse_y_pred=False``)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)


class OneHotMeanIoU(MeanIoU):
    """:class:`MeanIoU` for one-hot labels and class scores (``sparse_y_pred=False``)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False,
                 axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)
