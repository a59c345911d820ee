"""IntegerLookup: integer tokens to vocabulary indices (or back, with ``invert``)."""

import jax
import jax.numpy as jnp
import numpy as np

from lamina.core.errors import describe
from lamina.layers.preprocessing.adapted_state import refreshed
from lamina.layers.preprocessing.hash_functions import fingerprint64, siphash64
from lamina.layers.preprocessing.index_lookup import IndexLookup

_INT32 = np.iinfo(np.int32)


class IntegerLookup(IndexLookup):
    """Maps integer tokens to contiguous indices of a vocabulary given or learned by
    :meth:`adapt`.

    Index layout: ``[mask_token][OOV indices][vocabulary...]`` as in :class:`StringLookup`.
    Out-of-vocabulary values go to the OOV index; with ``num_oov_indices > 1`` to
    ``value % num_oov_indices`` (``oov_method="floormod"``) or a FarmHash64 of the value's
    decimal text (``"farmhash"``, eager only).

    Works inside compiled models: the vocabulary tables are model state (not weights, as in
    Keras), so a model that ran before ``adapt`` sees the new vocabulary on its next call. JAX
    computes in 32 bits: tokens must fit in int32. With ``num_oov_indices=0`` OOV inputs raise
    in eager calls and map to -1 in compiled code, which cannot raise.

    Args: as :class:`StringLookup`, with integer ``mask_token`` and ``oov_token`` (default
    -1), plus ``vocabulary_dtype`` (only ``"int64"``) and ``oov_method``.

    >>> IntegerLookup(vocabulary=[12, 36, 1138])(jnp.array([[12, 1138], [42, 36]])).tolist()
    [[1, 3], [0, 2]]
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
                 output_mode="int", sparse=False, pad_to_max_tokens=False, oov_method="floormod",
                 salt=None, name=None, **kwargs):
        if vocabulary_dtype != "int64":
            raise ValueError(f"IntegerLookup: only vocabulary_dtype='int64' is supported, "
                             f"received {vocabulary_dtype!r}.")
        if salt is not None and oov_method != "farmhash":
            raise ValueError(f"IntegerLookup: `salt` needs oov_method='farmhash', received "
                             f"oov_method={oov_method!r}.")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token,
                         vocabulary_dtype=vocabulary_dtype, vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         sparse=sparse, pad_to_max_tokens=pad_to_max_tokens,
                         oov_method=oov_method, salt=salt, name=name, **kwargs)

    def _as_token(self, value):
        return int(value)

    def _as_token_array(self, data):
        return np.asarray(data).astype(np.int64)

    def _check_tokens(self, tokens):
        keys = np.asarray(tokens, np.int64)
        if keys.size and (keys.min() < _INT32.min or keys.max() > _INT32.max):
            raise ValueError(f"{describe(self)}: vocabulary values must fit in int32 (JAX runs "
                             "without 64-bit integers).")

    _state = None

    def _on_vocabulary_set(self):
        arrays = dict(zip(("keys", "positions", "tokens"), self._host_tables()))
        if self.output_mode == "tf_idf" and self.idf_weights is not None:
            arrays["idf"] = np.asarray(self.idf_weights, "float32")
        self._state = refreshed(self._state, f"{self.name}_vocabulary", arrays)

    def _host_tables(self):
        """Sorted keys, their indices, and every index's token (specials included)."""
        keys = np.asarray(self._tokens or [], np.int64)
        order = np.argsort(keys, kind="stable")
        specials = [-1 if t is None else t for t in self._special_tokens()]
        return (keys[order].astype(np.int32), (order + self._token_start).astype(np.int32),
                np.asarray(specials + list(self._tokens or []), np.int32))

    def _tables(self):
        """The tables as read by the running code: model state once a vocabulary is set."""
        if self._state is None:
            return self._host_tables()
        return self._state["keys"], self._state["positions"], self._state["tokens"]

    def _idf(self):
        return self._state["idf"] if self._state is not None else jnp.asarray(self.idf_weights)

    def _oov_buckets(self, values):
        if self.oov_method == "floormod":
            return jnp.mod(values, self.num_oov_indices)
        if isinstance(values, jax.core.Tracer):
            raise ValueError(f"{describe(self)}: oov_method='farmhash' hashes values on the host "
                             "and cannot run in compiled code; use it eagerly or use "
                             "oov_method='floormod'.")
        hash_fn = ((lambda s: siphash64(self.salt, s)) if self.salt is not None else fingerprint64)
        flat = [hash_fn(str(v)) % self.num_oov_indices for v in np.asarray(values).ravel()]
        return jnp.asarray(np.asarray(flat, np.int32).reshape(values.shape))

    def _lookup(self, x):
        keys, positions, _ = self._tables()
        if keys.size:
            at = jnp.clip(jnp.searchsorted(keys, x), 0, keys.size - 1)
            found = jnp.asarray(keys)[at] == x
            ids = jnp.where(found, jnp.asarray(positions)[at], -1)
        else:
            found = jnp.zeros(x.shape, bool)
            ids = jnp.full(x.shape, -1, "int32")
        masked = (x == self.mask_token) if self.mask_token is not None else jnp.zeros_like(found)
        if self.num_oov_indices == 1:
            ids = jnp.where(found, ids, self._oov_start)
        elif self.num_oov_indices > 1:
            ids = jnp.where(found, ids, self._oov_buckets(x) + self._oov_start)
        elif not isinstance(x, jax.core.Tracer) and bool(jnp.any(~found & ~masked)):
            values = sorted(set(np.asarray(x)[np.asarray(~found & ~masked)].tolist()))[:10]
            raise ValueError(f"{describe(self)}: with num_oov_indices=0 every input must be in "
                             f"the vocabulary; found out-of-vocabulary values {values}. Set "
                             "num_oov_indices=1 to map them to an OOV index.")
        return jnp.where(masked, self._mask_id(), ids).astype("int32")

    def _invert(self, ids):
        table = self._tables()[2]
        if not table.size:
            return jnp.full(ids.shape, self.oov_token, "int32")
        inside = (ids >= 0) & (ids < table.size)
        return jnp.where(inside, jnp.asarray(table)[jnp.clip(ids, 0, table.size - 1)],
                         self.oov_token)

    def call(self, inputs):
        if self._tokens is None and not isinstance(inputs, jax.core.Tracer):
            self._require_vocabulary()  # traced (building a model) before adapt is allowed
        x = inputs if jnp.issubdtype(inputs.dtype, jnp.integer) else inputs.astype("int32")
        if self.invert:
            return self._invert(x.astype("int32"))
        ids = self._lookup(x.astype("int32"))
        return ids if self.output_mode == "int" else self._encode(ids)

    def get_config(self):
        cfg = super().get_config()
        for key in ("oov_token", "mask_token"):
            if cfg[key] is not None:
                cfg[key] = int(cfg[key])
        return cfg
