"""Normalization: ``(x - mean) / sqrt(variance)`` with statistics given or learned by ``adapt``."""

import itertools
import math

import jax.numpy as jnp
import numpy as np

from lamina.core.errors import describe
from lamina.core.layer import Layer
from lamina.layers.preprocessing.adapt_data import batches
from lamina.layers.preprocessing.config_arrays import listify_init_args

_EPSILON = 1e-7  # Keras's backend.epsilon(): floor of the standard deviation


class Normalization(Layer):
    """Shifts and scales inputs to mean 0 and variance 1, per index of the kept ``axis``.

    Statistics come from ``mean``/``variance`` or from :meth:`adapt`, which stores them in the
    non-trainable weights ``mean``, ``variance`` and ``count`` (Keras's names, so they are saved
    with the model and read inside compiled steps). Works inside compiled models.

    Args:
        axis: axis or axes that keep their own statistics (default ``-1``, the features);
            ``None`` for one scalar mean and variance.
        mean, variance: the statistics, broadcastable to the kept axes; give both or neither.
        invert: apply the inverse, ``mean + x * sqrt(variance)``.

    >>> layer = Normalization(axis=None)
    >>> layer.adapt(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    >>> [round(v, 4) for v in layer(np.array([1.0, 3.0])).tolist()]
    [-1.4142, 0.0]
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = () if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)
        self.input_mean, self.input_variance = mean, variance
        self.invert = invert
        self.supports_masking = True
        self._build_input_shape = None
        listify_init_args(self, "mean", "variance")
        if (mean is None) != (variance is None):
            raise ValueError(f"{describe(self)}: give both `mean` and `variance` or neither; "
                             f"received mean={mean!r}, variance={variance!r}.")
        if mean is not None and np.shape(mean) != np.shape(variance):
            raise ValueError(f"{describe(self)}: `mean` and `variance` must have the same shape; "
                             f"received {np.shape(mean)} and {np.shape(variance)}.")
        if mean is not None and np.ndim(mean) > len(self.axis):
            raise ValueError(f"{describe(self)}: the rank of `mean` must be at most the number of "
                             f"kept axes ({len(self.axis)}); received shape {np.shape(mean)} for "
                             f"axis={axis!r}.")

    def build(self, input_shape):
        ndim = len(input_shape)
        if any(not -ndim <= a < ndim for a in self.axis):
            raise ValueError(f"{describe(self)}: `axis` {self.axis} is out of range for inputs "
                             f"of rank {ndim} (shape {tuple(input_shape)}).")
        self._build_input_shape = tuple(input_shape)
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        unknown = [a for a in self._keep_axis if input_shape[a] is None]
        if unknown:
            raise ValueError(f"{describe(self)}: kept axes must have a known size; axis "
                             f"{unknown[0]} of input shape {tuple(input_shape)} is unknown.")
        self._reduce_axis = tuple(a for a in range(ndim) if a not in self._keep_axis)
        self._broadcast_shape = tuple(input_shape[a] if a in self._keep_axis else 1
                                      for a in range(ndim))
        stats_shape = tuple(input_shape[a] for a in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(stats_shape, "zeros", trainable=False, name="mean")
            self.adapt_variance = self.add_weight(stats_shape, "ones", trainable=False,
                                                  name="variance")
            self.count = self.add_weight((), "zeros", dtype="int32", trainable=False, name="count")
        else:
            self._given = tuple(self._place(np.asarray(v, self.dtype), ndim)
                                for v in (self.input_mean, self.input_variance))
        self.built = True  # also when `build` is called directly, before `set_weights`

    def _place(self, value, ndim):
        """Aligns a given statistic's axes with the kept axes, right to left, then broadcasts."""
        shape = [1] * ndim
        for i in range(1, value.ndim + 1):
            shape[self._keep_axis[-i]] = value.shape[-i]
        return np.broadcast_to(value.reshape(shape), self._broadcast_shape)

    def adapt(self, data):
        """Computes the mean and variance of ``data``: one numpy array, or an iterable of batches
        (a list of arrays, a generator; ``(x, y)`` batches use ``x``)."""
        if self.input_mean is not None:
            raise ValueError(f"{describe(self)}: cannot adapt a layer given fixed `mean` and "
                             "`variance`.")
        stream = batches(data, layer_name=describe(self))
        first = next(stream)
        if not self.built:
            self.build(first.shape)
        total = 0
        for batch in itertools.chain([first], stream):
            batch = batch.astype("float64")
            if batch.ndim != len(self._build_input_shape) or any(
                    batch.shape[a] != self._build_input_shape[a] for a in self._keep_axis):
                raise ValueError(f"{describe(self)} was built for input shape "
                                 f"{self._build_input_shape}; adapt() received a batch of shape "
                                 f"{batch.shape}.")
            n = math.prod(batch.shape[a] for a in self._reduce_axis)
            b_mean = batch.mean(axis=self._reduce_axis)
            b_var = batch.var(axis=self._reduce_axis)
            if total == 0:
                mean, var = b_mean, b_var
            else:  # pooled variance of two groups (Chan et al.)
                w = n / (total + n)
                new_mean = mean * (1 - w) + b_mean * w
                var = ((var + (mean - new_mean) ** 2) * (1 - w)
                       + (b_var + (b_mean - new_mean) ** 2) * w)
                mean = new_mean
            total += n
        self.adapt_mean.assign(mean.astype(self.dtype))
        self.adapt_variance.assign(var.astype(self.dtype))

    def _statistics(self):
        if self.input_mean is not None:
            return jnp.asarray(self._given[0]), jnp.asarray(self._given[1])
        return (jnp.reshape(self.adapt_mean.value, self._broadcast_shape),
                jnp.reshape(self.adapt_variance.value, self._broadcast_shape))

    def call(self, inputs):
        mean, variance = self._statistics()
        inputs = inputs.astype(self.dtype)
        std = jnp.maximum(jnp.sqrt(variance), _EPSILON)
        return mean + inputs * std if self.invert else (inputs - mean) / std

    def get_config(self):
        cfg = super().get_config()
        cfg["axis"] = list(self.axis)
        return cfg

