"""Losses: per-sample functions (``mean_squared_error``, ...) and ``Loss`` classes that reduce them.

The functions map ``(y_true, y_pred)`` to one value per sample (they reduce the last axis). A
:class:`Loss` turns those values into one number: it applies ``sample_weight`` and an optional
``mask`` (a lamina extension: rows with mask 0 count as absent, so a padded batch gives exactly
the loss of the unpadded one) and then the ``reduction``.

>>> MeanSquaredError()([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]]).item()
0.5
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina.core import config, naming

EPSILON = 1e-7  # keras.backend.epsilon(): keeps logs and divisions of probabilities finite
REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


# -- helpers -------------------------------------------------------------------------------------
def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Makes ranks equal when they differ by one trailing axis of size 1 (Keras's rule)."""
    if x1.ndim == x2.ndim + 1 and x1.shape[-1] == 1:
        return (x1, x2[..., None]) if x2.ndim == 1 and expand_rank_1 else (x1[..., 0], x2)
    if x2.ndim == x1.ndim + 1 and x2.shape[-1] == 1:
        return (x1[..., None], x2) if x1.ndim == 1 and expand_rank_1 else (x1, x2[..., 0])
    return x1, x2


def _pair(y_true, y_pred):
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true, dtype=y_pred.dtype)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def _divide_no_nan(x, y):
    return jnp.where(y == 0, 0.0, x / jnp.where(y == 0, 1.0, y)).astype(x.dtype)


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
    if mask is not None:
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
    elif mask is not None:
        count = jnp.sum(mask_b.astype(values.dtype))
    else:
        count = jnp.asarray(values.size, values.dtype)
    return _divide_no_nan(total, count.astype(values.dtype))


# -- per-sample loss functions -------------------------------------------------------------------
def mean_squared_error(y_true, y_pred):
    """``mean(square(y_true - y_pred), axis=-1)``.

    >>> mean_squared_error([[0.0, 1.0]], [[1.0, 1.0]]).tolist()
    [0.5]
    """
    y_true, y_pred = _pair(y_true, y_pred)
    return jnp.mean(jnp.square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """``mean(abs(y_true - y_pred), axis=-1)``."""
    y_true, y_pred = _pair(y_true, y_pred)
    return jnp.mean(jnp.abs(y_true - y_pred), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """``100 * mean(abs((y_true - y_pred) / max(abs(y_true), 1e-7)), axis=-1)``."""
    y_true, y_pred = _pair(y_true, y_pred)
    return 100.0 * jnp.mean(jnp.abs((y_true - y_pred) / jnp.maximum(jnp.abs(y_true), EPSILON)), -1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """``mean(square(log1p(y_pred) - log1p(y_true)), axis=-1)``, inputs floored at 1e-7."""
    y_true, y_pred = _pair(y_true, y_pred)
    diff = jnp.log(jnp.maximum(y_pred, EPSILON) + 1.0) - jnp.log(jnp.maximum(y_true, EPSILON) + 1.0)
    return jnp.mean(jnp.square(diff), axis=-1)


def huber(y_true, y_pred, delta=1.0):
    """Squared error below ``delta``, linear above it, averaged over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    error = jnp.abs(y_pred - y_true)
    delta = jnp.asarray(delta, y_pred.dtype)
    loss = jnp.where(error <= delta, 0.5 * error**2, delta * error - 0.5 * delta**2)
    return jnp.mean(loss, axis=-1)


def log_cosh(y_true, y_pred):
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``, computed without overflow."""
    y_true, y_pred = _pair(y_true, y_pred)
    x = y_pred - y_true
    return jnp.mean(x + jax.nn.softplus(-2.0 * x) - jnp.log(2.0).astype(x.dtype), axis=-1)


def kl_divergence(y_true, y_pred):
    """``sum(y_true * log(y_true / y_pred), axis=-1)``, both clipped to ``[1e-7, 1]``."""
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.clip(jnp.asarray(y_true, y_pred.dtype), EPSILON, 1)
    y_pred = jnp.clip(y_pred, EPSILON, 1)
    return jnp.sum(y_true * jnp.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    """``mean(y_pred - y_true * log(y_pred + 1e-7), axis=-1)``."""
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true, y_pred.dtype)
    return jnp.mean(y_pred - y_true * jnp.log(y_pred + EPSILON), axis=-1)


def _l2_normalize(x, axis):
    inv_norm = jnp.minimum(jax.lax.rsqrt(jnp.sum(x * x, axis=axis, keepdims=True)), 1.0 / EPSILON)
    return x * inv_norm


def cosine_similarity(y_true, y_pred, axis=-1):
    """Negative cosine similarity along ``axis``: -1 for parallel vectors, 0 if either is zero.

    >>> cosine_similarity([[1.0, 0.0]], [[2.0, 0.0]]).tolist()
    [-1.0]
    """
    y_true, y_pred = _pair(y_true, y_pred)
    return -jnp.sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), axis=axis)


def _hinge_labels(y_true):
    """Maps 0/1 labels to -1/1; leaves other labels as they are."""
    binary = jnp.all((y_true == 0) | (y_true == 1))
    return jnp.where(binary, 2.0 * y_true - 1.0, y_true)


def hinge(y_true, y_pred):
    """``mean(maximum(1 - y_true * y_pred, 0), axis=-1)`` with labels in {-1, 1} (0/1 converted)."""
    y_pred = jnp.asarray(y_pred)
    y_true = _hinge_labels(jnp.asarray(y_true, y_pred.dtype))
    return jnp.mean(jnp.maximum(1.0 - y_true * y_pred, 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    """``mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)``, labels as in :func:`hinge`."""
    y_pred = jnp.asarray(y_pred)
    y_true = _hinge_labels(jnp.asarray(y_true, y_pred.dtype))
    return jnp.mean(jnp.square(jnp.maximum(1.0 - y_true * y_pred, 0.0)), axis=-1)


def categorical_hinge(y_true, y_pred):
    """``maximum(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)`` over the last axis."""
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true, y_pred.dtype)
    pos = jnp.sum(y_true * y_pred, axis=-1)
    neg = jnp.max((1.0 - y_true) * y_pred, axis=-1)
    return jnp.maximum(neg - pos + 1.0, 0.0)


def _log_probs(y_pred, from_logits, axis):
    if from_logits:
        return jax.nn.log_softmax(y_pred, axis=axis)
    probs = y_pred / jnp.sum(y_pred, axis=axis, keepdims=True)
    return jnp.log(jnp.clip(probs, EPSILON, 1.0 - EPSILON))


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy, averaged over ``axis``; labels smoothed toward 0.5.

    >>> round(binary_crossentropy([[1.0]], [[0.5]]).item(), 4)
    0.6931
    """
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true, y_pred.dtype)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        bce = -y_true * jax.nn.log_sigmoid(y_pred) - (1.0 - y_true) * jax.nn.log_sigmoid(-y_pred)
    else:
        p = jnp.clip(y_pred, EPSILON, 1.0 - EPSILON)
        bce = -(y_true * jnp.log(p) + (1.0 - y_true) * jnp.log(1.0 - p))
    return jnp.mean(bce, axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Cross-entropy between one-hot (or soft) labels and class probabilities (or logits)."""
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be an int, received axis={axis!r}.")
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true, y_pred.dtype)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[axis]
    return -jnp.sum(y_true * _log_probs(y_pred, from_logits, axis), axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Cross-entropy with integer labels; entries labelled ``ignore_class`` give 0.

    >>> round(sparse_categorical_crossentropy([1], [[0.5, 0.5]]).item(), 4)
    0.6931
    """
    y_pred = jnp.asarray(y_pred)
    labels = jnp.asarray(y_true)
    if labels.ndim == y_pred.ndim and labels.shape[axis] == 1:
        labels = jnp.squeeze(labels, axis=axis)
    labels = labels.astype("int32")
    if ignore_class is not None:
        valid = labels != ignore_class
        labels = jnp.where(valid, labels, 0)
    one_hot = jax.nn.one_hot(labels, y_pred.shape[axis], axis=axis, dtype=y_pred.dtype)
    loss = -jnp.sum(one_hot * _log_probs(y_pred, from_logits, axis), axis=axis)
    return loss if ignore_class is None else jnp.where(valid, loss, 0.0)


_FUNCTIONS = [mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
              mean_squared_logarithmic_error, huber, log_cosh, kl_divergence, poisson,
              cosine_similarity, hinge, squared_hinge, categorical_hinge, binary_crossentropy,
              categorical_crossentropy, sparse_categorical_crossentropy]
for _fn in _FUNCTIONS:
    config.register_function(_fn)
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kl_divergence
bce = BCE = binary_crossentropy


# -- classes -------------------------------------------------------------------------------------
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
        values = self.call(y_true, y_pred)
        out_mask = self._output_mask(y_true, y_pred)
        if out_mask is not None:
            if mask is not None:
                out_mask = _pad_rank(jnp.asarray(mask), out_mask.ndim) * out_mask
            mask = out_mask
        return reduce_weighted_values(values, sample_weight, mask, self.reduction)

    def call(self, y_true, y_pred):
        """Per-sample loss values; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement `call(y_true, y_pred)`.")

    def _output_mask(self, y_true, y_pred):
        """Entries of ``call``'s output to leave out of the reduction, or ``None``."""
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

    >>> total_mae = LossFunctionWrapper(mean_absolute_error, reduction="sum")
    >>> total_mae([[1.0], [2.0]], [[0.0], [0.0]]).item()
    3.0
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        if isinstance(fn, dict):  # Keras writes functions as {"class_name": "function", ...}
            fn = fn["config"]
        if isinstance(fn, str):
            fn = _lookup_function(fn)
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)


class MeanSquaredError(LossFunctionWrapper):
    """Mean of squared errors (:func:`mean_squared_error`), reduced over the batch."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, reduction, name, dtype)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute errors (:func:`mean_absolute_error`)."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, reduction, name, dtype)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """Mean absolute percentage error (:func:`mean_absolute_percentage_error`)."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error",
                 dtype=None):
        super().__init__(mean_absolute_percentage_error, reduction, name, dtype)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """Mean squared logarithmic error (:func:`mean_squared_logarithmic_error`)."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error",
                 dtype=None):
        super().__init__(mean_squared_logarithmic_error, reduction, name, dtype)


class Huber(LossFunctionWrapper):
    """Huber loss (:func:`huber`): quadratic below ``delta``, linear above."""

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(huber, reduction, name, dtype, delta=delta)


class LogCosh(LossFunctionWrapper):
    """Log of the hyperbolic cosine of the error (:func:`log_cosh`)."""

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, reduction, name, dtype)


class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence (:func:`kl_divergence`)."""

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, reduction, name, dtype)


class Poisson(LossFunctionWrapper):
    """Poisson negative log-likelihood, up to a constant (:func:`poisson`)."""

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, reduction, name, dtype)


class CosineSimilarity(LossFunctionWrapper):
    """Negative cosine similarity along ``axis`` (:func:`cosine_similarity`)."""

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(cosine_similarity, reduction, name, dtype, axis=axis)


class Hinge(LossFunctionWrapper):
    """Hinge loss (:func:`hinge`)."""

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, reduction, name, dtype)


class SquaredHinge(LossFunctionWrapper):
    """Squared hinge loss (:func:`squared_hinge`)."""

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, reduction, name, dtype)


class CategoricalHinge(LossFunctionWrapper):
    """Categorical hinge loss (:func:`categorical_hinge`)."""

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, reduction, name, dtype)


class BinaryCrossentropy(LossFunctionWrapper):
    """Binary cross-entropy (:func:`binary_crossentropy`) for 0/1 labels."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, reduction, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy for one-hot labels (:func:`categorical_crossentropy`)."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, reduction, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy for integer labels (:func:`sparse_categorical_crossentropy`).

    Entries labelled ``ignore_class`` are left out, and out of the mean's denominator too.

    >>> loss = SparseCategoricalCrossentropy(ignore_class=-1)
    >>> round(loss([1, -1], [[0.5, 0.5], [0.9, 0.1]]).item(), 4)
    0.6931
    """

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 axis=-1, name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, reduction, name, dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)
        self.ignore_class = ignore_class

    def _output_mask(self, y_true, y_pred):
        if self.ignore_class is None:
            return None
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        if y_true.ndim == y_pred.ndim and y_true.shape[self._fn_kwargs["axis"]] == 1:
            y_true = jnp.squeeze(y_true, axis=self._fn_kwargs["axis"])
        return y_true.astype("int32") != self.ignore_class


# -- lookup --------------------------------------------------------------------------------------
_CLASSES = [Loss, LossFunctionWrapper, MeanSquaredError, MeanAbsoluteError,
            MeanAbsolutePercentageError, MeanSquaredLogarithmicError, Huber, LogCosh, KLDivergence,
            Poisson, CosineSimilarity, Hinge, SquaredHinge, CategoricalHinge, BinaryCrossentropy,
            CategoricalCrossentropy, SparseCategoricalCrossentropy]
ALL_OBJECTS = {obj.__name__: obj for obj in _CLASSES + _FUNCTIONS}
ALL_OBJECTS.update(mse=mse, MSE=mse, mae=mae, MAE=mae, mape=mape, MAPE=mape, msle=msle, MSLE=msle,
                   kld=kld, KLD=kld, bce=bce, BCE=bce)


def _lookup_function(name):
    fn = ALL_OBJECTS.get(name) or config.lookup_function(name)
    if fn is None or isinstance(fn, type):
        raise ValueError(f"Unknown loss function {name!r}. Valid names: {sorted(ALL_OBJECTS)}.")
    return fn


def get(identifier):
    """A loss from a name, a config dict, an instance or a callable.

    Function names (``"mse"``, ``"binary_crossentropy"``) give the function; class names give an
    instance with default arguments, as in Keras.

    >>> get("mse") is mean_squared_error, type(get("Huber")).__name__
    (True, 'Huber')
    """
    if identifier is None:
        return None
    obj = identifier
    if isinstance(identifier, dict):
        name, cfg = identifier.get("class_name"), identifier.get("config")
        if name == "function":
            return _lookup_function(cfg)
        cls = ALL_OBJECTS.get(name)
        if not isinstance(cls, type):
            classes = sorted(k for k, v in ALL_OBJECTS.items() if isinstance(v, type))
            raise ValueError(f"Unknown loss class {name!r} in {identifier!r}. "
                             f"Valid names: {classes}.")
        return cls.from_config(cfg or {})
    if isinstance(identifier, str):
        obj = ALL_OBJECTS.get(identifier) or config.lookup_function(identifier)
        if obj is None:
            raise ValueError(f"Unknown loss {identifier!r}. Valid names: {sorted(ALL_OBJECTS)}.")
    if isinstance(obj, type):
        return obj()
    if callable(obj):
        return obj
    raise ValueError(f"Could not interpret loss identifier {identifier!r}: expected a name, a "
                     "config dict, a Loss instance or a callable.")
