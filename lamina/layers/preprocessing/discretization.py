"""Discretization: continuous values to bucket ids, with boundaries given or learned."""

import jax
import jax.numpy as jnp
import numpy as np

from lamina.core.errors import describe
from lamina.core.layer import Layer
from lamina.layers.preprocessing import quantiles
from lamina.layers.preprocessing.adapt_data import batches
from lamina.layers.preprocessing.adapted_state import refreshed
from lamina.layers.preprocessing.category_encoding import encode_categorical

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")


class Discretization(Layer):
    """Buckets values by ``bin_boundaries``: bucket ``i`` holds ``b[i-1] <= x < b[i]``.

    Give ``bin_boundaries``, or ``num_bins`` and call :meth:`adapt` to place them at
    approximate quantiles of the data (Keras's algorithm and numbers). Learned boundaries are
    part of ``get_config``, as in Keras, and model state (not weights), so a compiled model
    sees them after a later ``adapt``. Works inside compiled models.

    Args:
        bin_boundaries: sorted list of boundaries (``len + 1`` buckets).
        num_bins: number of buckets to learn with ``adapt``.
        epsilon: error tolerance of the learned quantiles.
        output_mode: ``"int"`` (bucket ids, int32), ``"one_hot"``, ``"multi_hot"`` or
            ``"count"`` (float vectors over the buckets).
        sparse: not supported.

    >>> Discretization(bin_boundaries=[0.0, 1.0])(jnp.array([-0.5, 0.0, 0.7, 3.0])).tolist()
    [0, 1, 1, 2]
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, dtype=None, name=None, **kwargs):
        super().__init__(name=name, dtype=dtype, **kwargs)
        if output_mode not in OUTPUT_MODES:
            raise ValueError(f"{describe(self)}: `output_mode` must be one of {OUTPUT_MODES}, "
                             f"received {output_mode!r}.")
        if sparse:
            raise NotImplementedError(f"{describe(self)}: `sparse=True` is not supported; "
                                      "lamina returns dense arrays.")
        if num_bins is not None and num_bins < 0:
            raise ValueError(f"{describe(self)}: `num_bins` must be >= 0, received {num_bins}.")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(f"{describe(self)}: set `num_bins` or `bin_boundaries`, not both; "
                             f"received num_bins={num_bins}, bin_boundaries={bin_boundaries}.")
        if num_bins is None and bin_boundaries is None:
            raise ValueError(f"{describe(self)}: set either `num_bins` (and call `adapt`) or "
                             "`bin_boundaries`.")
        self.bin_boundaries = bin_boundaries
        self.num_bins, self.epsilon = num_bins, epsilon
        self.output_mode, self.sparse = output_mode, sparse
        self.summary = None if self.bin_boundaries else quantiles.empty_summary()

    _state = None

    @property
    def bin_boundaries(self):
        return self._boundaries

    @bin_boundaries.setter
    def bin_boundaries(self, value):
        self._boundaries = None if value is None else [float(b) for b in value]
        if value is not None:
            self._state = refreshed(self._state, f"{self.name}_bins",
                                    {"boundaries": np.asarray(self._boundaries, "float32")})

    def adapt(self, data, steps=None):
        """Learns ``num_bins - 1`` boundaries at approximate quantiles of ``data`` (an array or
        an iterable of batches; at most ``steps`` batches)."""
        if self.num_bins is None:
            raise ValueError(f"{describe(self)} was given `bin_boundaries`; create it with "
                             "`num_bins` to adapt it.")
        self.reset_state()
        for batch in batches(data, steps, describe(self)):
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data):
        data = np.asarray(data, "float32")
        self.summary = quantiles.merge(quantiles.summarize(data, self.epsilon), self.summary,
                                       self.epsilon)

    def finalize_state(self):
        if self.num_bins is not None:
            self.bin_boundaries = quantiles.bin_boundaries(self.summary, self.num_bins).tolist()

    def reset_state(self):
        if self.num_bins is not None:
            self.summary = quantiles.empty_summary()

    def call(self, inputs):
        if self._state is not None:
            boundaries = self._state["boundaries"]
        elif self.bin_boundaries is not None:
            boundaries = jnp.asarray(self.bin_boundaries, "float32")
        elif isinstance(inputs, jax.core.Tracer):  # a model built before adapt: shapes only
            boundaries = jnp.zeros(max(self.num_bins - 1, 0), "float32")
        else:
            raise ValueError(f"{describe(self)} has no bin boundaries yet: pass `bin_boundaries` "
                             "or call `adapt(data)` before using it.")
        dtype = "int32" if self.output_mode == "int" else self.dtype
        ids = jnp.digitize(inputs, boundaries)
        return encode_categorical(ids, self.output_mode, boundaries.shape[0] + 1, dtype)

    def get_config(self):
        cfg = super().get_config()
        cfg["bin_boundaries"] = self.bin_boundaries
        return cfg

    @classmethod
    def from_config(cls, cfg):
        cfg = dict(cfg)
        boundaries = cfg.pop("bin_boundaries", None)
        if cfg.get("num_bins") is None:
            return cls(bin_boundaries=boundaries, **cfg)
        layer = cls(**cfg)  # adapted: both are set, which the constructor refuses
        layer.bin_boundaries = boundaries
        return layer
