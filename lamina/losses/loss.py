"""The ``Loss`` base: per-sample values, weighted, masked and reduced to one number.

The loss functions map ``(y_true, y_pred)`` to one value per sample. A :class:`Loss` applies
``sample_weight`` and an optional ``mask`` (a lamina extension: rows with mask 0 count as absent,
so a padded batch gives exactly the loss of the unpadded one) and then the ``reduction``.

>>> from lamina.losses import MeanSquaredError
>>> MeanSquaredError()([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]]).item()
0.5
"""

from __future__ import annotations

import jax.numpy as jnp

from lamina.core import config, naming

EPSILON = 1e-7  # keras.backend.epsilon(): keeps logs and divisions of probabilities finite
REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Makes ranks equal when they differ by one trailing axis of size 1 (Keras's rule)."""
    if x1.ndim == x2.ndim + 1 and x1.shape[-1] == 1:
        return (x1, x2[..., None]) if x2.ndim == 1 and expand_rank_1 else (x1[..., 0], x2)
    if x2.ndim == x1.ndim + 1 and x2.shape[-1] == 1:
        return (x1[..., None], x2) if x1.ndim == 1 and expand_rank_1 else (x1, x2[..., 0])
    return x1, x2


def pair(y_true, y_pred):
    """``y_pred`` as an array and ``y_true`` cast to its dtype, ranks matched."""
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true, dtype=y_pred.dtype)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def divide_no_nan(x, y):
    """``x / y``, with 0 where ``y == 0``."""
    x, y = jnp.asarray(x), jnp.asarray(y)
    return jnp.where(y == 0, jnp.zeros((), x.dtype), x / jnp.where(y == 0, 1, y)).astype(x.dtype)


def _pad_rank(w, ndim):
    """``w`` with trailing axes added so it broadcasts over ``ndim``-rank values from the left."""
    return w.reshape(w.shape + (1,) * (ndim - w.ndim)) if w.ndim < ndim else w


def standardize_reduction(reduction):
    """Checks ``reduction`` against the names Keras accepts."""
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"Invalid `reduction`: expected one of {REDUCTIONS}, received {reduction!r}.")
    return reduction


def reduce_weighted_values(values, sample_weight=None, mask=None, reduction="sum_over_batch_size"):
    """Weights per-sample ``values`` and reduces them, as ``Loss.__call__`` does.

    ``mask`` (0/1 over the leading axes) removes entries: they add nothing, and the
    ``sum_over_batch_size``/``mean`` denominator counts only the valid ones.

    >>> reduce_weighted_values(jnp.array([1.0, 2.0, 9.0]), mask=jnp.array([1, 1, 0])).item()
    1.5
    """
    reduction = standardize_reduction(reduction)
    values = jnp.asarray(values)
    weights = None
    if sample_weight is not None:
        weights = jnp.asarray(sample_weight, values.dtype)
        values, weights = squeeze_or_expand_to_same_rank(values, weights)
        values = values * _pad_rank(weights, values.ndim)
    if mask is not None and values.ndim > 0:  # a 0-d value has already been computed masked
        mask = jnp.asarray(mask).astype(bool)
        mask_b = jnp.broadcast_to(_pad_rank(mask, values.ndim), values.shape)
        # `where`, not a product: a padded row may hold inf or nan.
        values = jnp.where(mask_b, values, jnp.zeros((), values.dtype))
        float_mask = mask.astype(values.dtype)
        weights = float_mask if weights is None else _pad_rank(weights, mask.ndim) * _pad_rank(
            float_mask, weights.ndim)
    if reduction in (None, "none") or values.ndim == 0:
        return values
    total = jnp.sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and weights is not None:
        count = jnp.sum(weights)
    elif mask is not None and values.ndim > 0:
        count = jnp.sum(mask_b.astype(values.dtype))
    else:
        count = jnp.asarray(values.size, values.dtype)
    return divide_no_nan(total, count.astype(values.dtype))


class Loss:
    """Base class: subclasses write ``call(y_true, y_pred)`` returning per-sample values.

    ``__call__(y_true, y_pred, sample_weight=None, mask=None)`` casts the inputs to ``dtype``,
    calls ``call``, then weights and reduces (see :func:`reduce_weighted_values`).

    >>> class Abs(Loss):
    ...     def call(self, y_true, y_pred):
    ...         return jnp.abs(y_true - y_pred)
    >>> Abs(reduction="sum")(jnp.zeros(3), jnp.ones(3)).item()
    3.0
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        config.capture_init(cls)

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or naming.unique_name(naming.to_snake_case(type(self).__name__))
        self.reduction = standardize_reduction(reduction)
        self.dtype = jnp.dtype(dtype or "float32").name

    def __call__(self, y_true, y_pred, sample_weight=None, mask=None):
        y_true = jnp.asarray(y_true, self.dtype)
        y_pred = jnp.asarray(y_pred, self.dtype)
        values = self.call(y_true, y_pred) if mask is None else self._call_masked(
            y_true, y_pred, jnp.asarray(mask).astype(bool))
        out_mask = self._output_mask(y_true, y_pred, values)
        if out_mask is not None:
            if mask is not None:
                out_mask = _pad_rank(jnp.asarray(mask), out_mask.ndim) * out_mask
            mask = out_mask
        return reduce_weighted_values(values, sample_weight, mask, self.reduction)

    def call(self, y_true, y_pred):
        """Per-sample loss values; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement `call(y_true, y_pred)`.")

    def _call_masked(self, y_true, y_pred, mask):
        """``call`` for a batch whose rows with ``mask`` False are padding.

        Losses that mix rows (a sum over the whole batch, pairs of samples) override it so the
        padding rows do not change the real rows' values; the reduction then drops their rows.
        """
        return self.call(y_true, y_pred)

    def _output_mask(self, y_true, y_pred, values):
        """Entries of ``values`` (``call``'s output) to leave out of the reduction, or ``None``."""
        return None

    def get_config(self):
        """The constructor arguments: ``name``, ``reduction`` and any others."""
        args = dict(getattr(self, "_init_args", {}))
        if args.get("dtype") is None:
            args.pop("dtype", None)
        args.update(name=self.name, reduction=self.reduction)
        return {k: config.serialize(v, k) for k, v in args.items()}

    @classmethod
    def from_config(cls, cfg):
        """Builds the loss from :meth:`get_config` output."""
        return cls(**cfg)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


class LossFunctionWrapper(Loss):
    """A :class:`Loss` around a per-sample function ``fn(y_true, y_pred, **kwargs)``.

    >>> from lamina.losses import mean_absolute_error
    >>> total_mae = LossFunctionWrapper(mean_absolute_error, reduction="sum")
    >>> total_mae([[1.0], [2.0]], [[0.0], [0.0]]).item()
    3.0
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        if isinstance(fn, dict):  # Keras writes functions as {"class_name": "function", ...}
            fn = fn["config"]
        if isinstance(fn, str):
            from lamina.losses.lookup import function  # the lookup module imports this one

            fn = function(fn)
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)
