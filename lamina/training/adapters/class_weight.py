"""``class_weight``: a weight per class, turned into one sample weight per row (Keras's rule)."""

from __future__ import annotations

import numpy as np


def class_weight_to_sample_weight(y, class_weight):
    """Sample weights from ``class_weight`` (class index -> weight; missing classes weigh 1).

    The class of a row is its label for 1-D or ``(n, 1)`` targets (rounded, so float labels
    work), and the argmax for one-hot targets.

    >>> class_weight_to_sample_weight(np.array([0, 2, 1]), {2: 5.0, 0: 0.5})
    array([0.5, 5. , 1. ], dtype=float32)
    >>> class_weight_to_sample_weight(np.eye(3)[[1, 1, 0]], {1: 2.0})
    array([2., 2., 1.], dtype=float32)
    """
    check_single_output(y)
    if not isinstance(class_weight, dict):
        raise TypeError(f"`class_weight` must be a dict mapping class indices to weights; "
                        f"received {type(class_weight).__name__}.")
    bad = [k for k in class_weight if not isinstance(k, (int, np.integer))]
    if bad:
        raise TypeError(f"`class_weight` keys must be integer class indices; received {bad}.")
    y = np.asarray(y)
    if y.ndim == 2:
        y = y[:, 0] if y.shape[1] == 1 else np.argmax(y, axis=-1)
    elif y.ndim != 1:
        raise ValueError(f"`class_weight` needs targets of shape (n,), (n, 1) or one-hot "
                         f"(n, classes); received shape {y.shape}. Use `sample_weight` instead.")
    labels = np.round(y).astype(np.int64)
    weights = np.ones(labels.shape[0], np.float32)
    for label, weight in class_weight.items():
        weights[labels == label] = weight
    return weights


def check_single_output(y):
    if isinstance(y, (dict, list, tuple)):
        raise ValueError("`class_weight` is only supported for models with a single output; "
                         "for several outputs pass `sample_weight` per output instead.")


def apply_class_weight(y, sample_weight, class_weight):
    """The sample weights to train with: ``sample_weight``, or those of ``class_weight``."""
    if class_weight is None:
        return sample_weight
    if sample_weight is not None:
        raise ValueError("You cannot use `class_weight` and `sample_weight` at the same time.")
    if y is None:
        raise ValueError("`class_weight` needs targets `y`.")
    return class_weight_to_sample_weight(y, class_weight)
