"""Normalization layers: batch, layer, group, unit-norm and RMS normalization.

Statistics are computed in at least float32 and the output is cast back to the input's dtype.
``BatchNormalization`` keeps its moving statistics as non-trainable variables written with
``assign``, so the compiled training step carries them like any other state.
"""

import jax
import jax.numpy as jnp

from lamina.core.call_context import current_padding_mask
from lamina.core.errors import describe
from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer


def _axes(layer, axis, ndim):
    """``axis`` (an int or a list) as sorted non-negative ints, checked against ``ndim``."""
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    for a in axes:
        if not isinstance(a, int) or not -ndim <= a < ndim:
            raise ValueError(f"{describe(layer)}: axis {a!r} is out of bounds for an input of "
                             f"rank {ndim} (axis={axis!r}).")
    return sorted(a % ndim for a in axes)


def _param_shape(layer, input_shape, axes):
    shape = tuple(input_shape[a] for a in axes)
    if None in shape:
        raise ValueError(f"{describe(layer)}: the normalized axes {axes} of the input must be "
                         f"known, received input shape {tuple(input_shape)}.")
    return shape


def _add_affine(layer, shape):
    """Creates ``gamma`` (if ``scale``) and ``beta`` (if ``center``), Keras's names and order.

    They are read in their stored dtype (no autocast): statistics are computed in float32.
    """
    layer.gamma = layer.add_weight(shape, layer.gamma_initializer, name="gamma",
                                   regularizer=layer.gamma_regularizer,
                                   constraint=layer.gamma_constraint,
                                   autocast=False) if layer.scale else None
    layer.beta = layer.add_weight(shape, layer.beta_initializer, name="beta",
                                  regularizer=layer.beta_regularizer,
                                  constraint=layer.beta_constraint,
                                  autocast=False) if layer.center else None


def _normalize(x, mean, variance, epsilon, gamma=None, beta=None):
    """``gamma * (x - mean) / sqrt(variance + epsilon) + beta``, folded into one multiply-add."""
    inv = jax.lax.rsqrt(variance + epsilon)
    if gamma is not None:
        inv = inv * gamma
    shift = -mean * inv
    if beta is not None:
        shift = shift + beta
    return x * inv + shift


def _moments(x, axes, weights=None):
    """Mean and (biased) variance over ``axes``, keeping dims; ``weights`` (0/1, broadcastable
    to ``x``) drops entries from both."""
    if weights is None:
        return jnp.mean(x, axes, keepdims=True), jnp.var(x, axes, keepdims=True)
    weights = jnp.broadcast_to(weights.astype(x.dtype), x.shape)
    count = jnp.sum(weights, axes, keepdims=True)
    count = jnp.where(count > 0, count, 1.0)
    mean = jnp.sum(x * weights, axes, keepdims=True) / count
    variance = jnp.sum(jnp.square((x - mean) * weights), axes, keepdims=True) / count
    return mean, variance


def _compute_dtype(x):
    return jnp.result_type(x.dtype, jnp.float32)


class _Affine(Layer):
    """Shared constructor arguments of the layers with a learned ``gamma`` and ``beta``."""

    supports_masking = True

    def __init__(self, epsilon, center, scale, beta_initializer, gamma_initializer,
                 beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint, **kwargs):
        super().__init__(**kwargs)
        self.epsilon, self.center, self.scale = epsilon, center, scale
        self.beta_initializer, self.gamma_initializer = beta_initializer, gamma_initializer
        self.beta_regularizer, self.gamma_regularizer = beta_regularizer, gamma_regularizer
        self.beta_constraint, self.gamma_constraint = beta_constraint, gamma_constraint


class BatchNormalization(_Affine):
    """Normalizes each feature with the batch's statistics in training, moving averages otherwise.

    Training (``fit``, or ``training=True``): ``gamma * (x - mean) / sqrt(var + epsilon) + beta``
    with the batch's mean and variance over every axis but ``axis``, and
    ``moving = moving * momentum + batch_statistic * (1 - momentum)``. Inference uses the moving
    statistics. A ``trainable=False`` layer always runs in inference mode, as in Keras.

    Entries where ``mask`` (shape: the input's without the last axis) is false, and the padded
    rows of a partial batch in ``fit``, are left out of the statistics.

    Args:
        axis: the feature axis (``1`` after a channels-first convolution).
        momentum, epsilon: moving-average momentum; variance offset.
        center, scale: whether to learn ``beta`` and ``gamma``.
        beta_initializer, gamma_initializer, moving_mean_initializer,
        moving_variance_initializer, beta_regularizer, gamma_regularizer, beta_constraint,
        gamma_constraint: as in Keras.

    >>> bn = BatchNormalization()
    >>> x = jnp.array([[0.0, 1.0], [2.0, 3.0]])
    >>> bn(x, training=True).round(2).tolist()
    [[-1.0, -1.0], [1.0, 1.0]]
    >>> [round(float(m), 4) for m in bn.moving_mean.numpy()]
    [0.01, 0.02]
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None, renorm_momentum=0.99,
                 synchronized=False, **kwargs):
        super().__init__(float(epsilon), center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint,
                         **kwargs)
        if renorm:
            raise NotImplementedError("BatchNormalization: batch renormalization (`renorm=True`) "
                                      "is not implemented in lamina.")
        if synchronized:
            raise ValueError("BatchNormalization: `synchronized=True` is only supported with "
                             "the TensorFlow backend of Keras; lamina runs on one device.")
        self.axis = int(axis)
        self.momentum = float(momentum)
        self.moving_mean_initializer = moving_mean_initializer
        self.moving_variance_initializer = moving_variance_initializer

    def build(self, input_shape):
        ndim = len(input_shape)
        (axis,) = _axes(self, self.axis, ndim)
        shape = _param_shape(self, input_shape, [axis])
        _add_affine(self, shape)
        self.moving_mean = self.add_weight(shape, self.moving_mean_initializer, trainable=False,
                                           name="moving_mean", autocast=False)
        self.moving_variance = self.add_weight(shape, self.moving_variance_initializer,
                                               trainable=False, name="moving_variance",
                                               autocast=False)
        self._feature_axis = axis
        self.input_spec = InputSpec(ndim=ndim, axes={axis: shape[0]})

    def call(self, inputs, training=False, mask=None):
        if mask is not None and mask.ndim != inputs.ndim - 1:
            raise ValueError(f"{describe(self)}: the mask must have one axis less than the "
                             f"inputs; received mask.shape={mask.shape}, "
                             f"inputs.shape={inputs.shape}.")
        x = inputs.astype(_compute_dtype(inputs))
        axis = self._feature_axis
        reduce = tuple(a for a in range(x.ndim) if a != axis)
        broadcast = [1] * x.ndim
        broadcast[axis] = x.shape[axis]

        def param(variable):
            return None if variable is None else variable.value.astype(x.dtype).reshape(broadcast)

        if training and self.trainable:
            mean, variance = _moments(x, reduce, self._statistics_weights(x, mask))
            momentum = self.momentum
            self.moving_mean.assign(self.moving_mean.value.astype(x.dtype) * momentum
                                    + mean.reshape(-1) * (1.0 - momentum))
            self.moving_variance.assign(self.moving_variance.value.astype(x.dtype) * momentum
                                        + variance.reshape(-1) * (1.0 - momentum))
        else:
            mean, variance = param(self.moving_mean), param(self.moving_variance)
        outputs = _normalize(x, mean, variance, self.epsilon, param(self.gamma), param(self.beta))
        return outputs.astype(inputs.dtype)

    def _statistics_weights(self, x, mask):
        """0/1 weights of the entries that count: the user's mask times the real rows."""
        weights = None if mask is None else jnp.expand_dims(mask, -1).astype(x.dtype)
        padding = current_padding_mask()
        if padding is not None:
            rows = jnp.asarray(padding, x.dtype).reshape((-1,) + (1,) * (x.ndim - 1))
            weights = rows if weights is None else weights * rows
        return weights


class LayerNormalization(_Affine):
    """Normalizes each sample over ``axis``: ``gamma * (x - mean) / sqrt(var + epsilon) + beta``.

    Args:
        axis: an int or a list of ints, the axes normalized together (and the shape of
            ``gamma``/``beta``).
        epsilon, center, scale and the initializers, regularizers, constraints: as in Keras.
        rms_scaling: Keras's deprecated variant (``x / sqrt(var + epsilon) * gamma``, no
            ``beta``); use :class:`RMSNormalization` instead.

    >>> LayerNormalization()(jnp.array([[1.0, 3.0]])).round(2).tolist()
    [[-1.0, 1.0]]
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, rms_scaling=False, **kwargs):
        super().__init__(epsilon, center and not rms_scaling, scale or rms_scaling,
                         beta_initializer, gamma_initializer, beta_regularizer,
                         gamma_regularizer, beta_constraint, gamma_constraint, **kwargs)
        if not isinstance(axis, (int, list, tuple)):
            raise TypeError(f"LayerNormalization: `axis` must be an int or a list of ints, "
                            f"received {axis!r}.")
        self.axis = axis
        self.rms_scaling = rms_scaling

    def build(self, input_shape):
        self._norm_axes = _axes(self, self.axis, len(input_shape))
        _add_affine(self, _param_shape(self, input_shape, self._norm_axes))

    def call(self, inputs):
        x = inputs.astype(_compute_dtype(inputs))
        axes = tuple(self._norm_axes)
        broadcast = [d if a in axes else 1 for a, d in enumerate(x.shape)]
        gamma = None if self.gamma is None else self.gamma.value.astype(x.dtype).reshape(broadcast)
        beta = None if self.beta is None else self.beta.value.astype(x.dtype).reshape(broadcast)
        mean, variance = _moments(x, axes)
        if self.rms_scaling:
            mean = jnp.zeros_like(mean)
        return _normalize(x, mean, variance, self.epsilon, gamma, beta).astype(inputs.dtype)


class GroupNormalization(_Affine):
    """Splits the channels on ``axis`` into ``groups`` and normalizes each group of each sample.

    ``groups=-1`` normalizes each channel on its own (instance normalization); ``groups=1``
    is layer normalization over all non-batch axes.

    >>> GroupNormalization(groups=2)(jnp.array([[1.0, 3.0, 5.0, 9.0]])).round(2).tolist()
    [[-1.0, 1.0, -1.0, 1.0]]
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        if not isinstance(groups, int) or (groups <= 0 and groups != -1):
            raise ValueError("GroupNormalization: `groups` must be a positive integer (or -1 for "
                             f"instance normalization), received groups={groups!r}.")
        super().__init__(epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint,
                         **kwargs)
        self.groups = groups
        self.axis = axis

    def build(self, input_shape):
        ndim = len(input_shape)
        (axis,) = _axes(self, self.axis, ndim)
        (channels,) = _param_shape(self, input_shape, [axis])
        groups = channels if self.groups == -1 else self.groups
        if channels % groups:
            raise ValueError(f"{describe(self)}: the {channels} channels on axis {self.axis} "
                             f"cannot be split into {groups} groups of equal size; choose "
                             f"`groups` that divides {channels}.")
        self._channel_axis, self._groups = axis, groups
        _add_affine(self, (channels,))
        self.input_spec = InputSpec(ndim=ndim, axes={axis: channels})

    def call(self, inputs):
        x = inputs.astype(_compute_dtype(inputs))
        axis, groups = self._channel_axis, self._groups
        split = x.shape[:axis] + (groups, x.shape[axis] // groups) + x.shape[axis + 1:]
        grouped = x.reshape(split)
        reduce = tuple(a for a in range(1, grouped.ndim) if a != axis)
        broadcast = [1] * grouped.ndim
        broadcast[axis:axis + 2] = split[axis:axis + 2]
        gamma = None if self.gamma is None else self.gamma.value.astype(x.dtype).reshape(broadcast)
        beta = None if self.beta is None else self.beta.value.astype(x.dtype).reshape(broadcast)
        mean, variance = _moments(grouped, reduce)
        out = _normalize(grouped, mean, variance, self.epsilon, gamma, beta)
        return out.reshape(x.shape).astype(inputs.dtype)


class UnitNormalization(Layer):
    """Scales each sample to unit L2 norm over ``axis`` (an int or a list of ints).

    >>> UnitNormalization()(jnp.array([[3.0, 4.0]])).tolist()
    [[0.6000000238418579, 0.800000011920929]]
    """

    supports_masking = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axis, (int, list, tuple)):
            raise TypeError(f"UnitNormalization: `axis` must be an int or a list of ints, "
                            f"received {axis!r}.")
        self.axis = axis

    def call(self, inputs):
        axes = tuple(_axes(self, self.axis, inputs.ndim))
        inv_norm = jax.lax.rsqrt(jnp.sum(jnp.square(inputs), axes, keepdims=True))
        return inputs * jnp.minimum(inv_norm, 1e12)


class RMSNormalization(Layer):
    """``x / sqrt(mean(x**2, axis) + epsilon) * scale``, with a learned ``scale`` (Keras 3.9+).

    >>> [round(float(v), 4) for v in RMSNormalization()(jnp.array([[3.0, 4.0]]))[0]]
    [0.8485, 1.1314]
    """

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.epsilon = epsilon

    def build(self, input_shape):
        self._norm_axes = _axes(self, self.axis, len(input_shape))
        self.scale = self.add_weight(_param_shape(self, input_shape, self._norm_axes), "ones",
                                     name="scale")

    def call(self, inputs):
        x = inputs.astype(_compute_dtype(inputs))
        axes = tuple(self._norm_axes)
        broadcast = [d if a in axes else 1 for a, d in enumerate(x.shape)]
        inv = jax.lax.rsqrt(jnp.mean(jnp.square(x), axes, keepdims=True) + self.epsilon)
        scale = self.scale.value.astype(x.dtype).reshape(broadcast)
        return (x * inv * scale).astype(inputs.dtype)
