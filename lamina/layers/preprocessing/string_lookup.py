"""StringLookup: strings to vocabulary indices (or back, with ``invert``)."""

import jax.numpy as jnp
import numpy as np

from lamina.core.errors import describe
from lamina.layers.preprocessing.hash_functions import fingerprint64, siphash64
from lamina.layers.preprocessing.host_layer import HostLayer
from lamina.layers.preprocessing.index_lookup import IndexLookup


class StringLookup(HostLayer, IndexLookup):
    """Maps strings to integer indices of a vocabulary given or learned by :meth:`adapt`.

    Index layout: ``[mask_token][OOV indices][vocabulary...]``; the mask slot exists only in
    ``"int"`` mode when ``mask_token`` is set. Out-of-vocabulary strings go to the OOV index,
    hashed (FarmHash64, or SipHash with ``salt``) over several when ``num_oov_indices > 1``.

    Runs eagerly on numpy strings (see :mod:`~lamina.layers.preprocessing.host_layer`): use it
    in the data pipeline. Integer outputs are int32 jax arrays; other modes float32;
    ``invert=True`` returns a numpy array of strings.

    Args:
        max_tokens: cap on the vocabulary size, special tokens included.
        num_oov_indices: number of OOV indices (0: OOV inputs raise an error).
        mask_token: string mapped to index 0 in ``"int"`` mode (dropped in other modes).
        oov_token: string returned for OOV indices by ``invert=True``.
        vocabulary: list, array or path of a text file with one token per line.
        idf_weights: with ``"tf_idf"`` and a given vocabulary, one weight per token.
        invert: map indices back to strings.
        output_mode: ``"int"``, ``"one_hot"``, ``"multi_hot"``, ``"count"`` or ``"tf_idf"``.
        pad_to_max_tokens: encoded outputs have ``max_tokens`` slots.
        sparse: not supported.
        encoding: text encoding of byte-string inputs.
        salt: integer or pair: hash OOV strings with SipHash keyed by it.

    >>> layer = StringLookup(vocabulary=["a", "b", "c"])
    >>> layer([["a", "c"], ["d", "b"]]).tolist()
    [[1, 3], [0, 2]]
    >>> StringLookup(vocabulary=["a", "b"], invert=True)([1, 2, 7]).tolist()
    ['a', 'b', '[UNK]']
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, encoding="utf-8", name=None, salt=None,
                 **kwargs):
        self.encoding = encoding
        kwargs.pop("vocabulary_dtype", None)
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary_dtype="string",
                         vocabulary=vocabulary, idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, pad_to_max_tokens=pad_to_max_tokens,
                         sparse=sparse, name=name, salt=salt, **kwargs)

    def _as_token(self, value):
        if isinstance(value, bytes):
            return value.decode(self.encoding)
        return str(value)

    def _as_token_array(self, data):
        data = np.asarray(data)
        if data.dtype.kind in "SO":
            return np.vectorize(self._as_token, otypes=[object])(data) if data.size else \
                data.astype(object)
        return data.astype(str).astype(object)

    def _on_vocabulary_set(self):
        self._vocab.index = {t: i for i, t in enumerate(self._tokens, self._token_start)}

    def _oov_bucket(self, token):
        if self.salt is not None:
            return siphash64(self.salt, token) % self.num_oov_indices
        return fingerprint64(token) % self.num_oov_indices

    def token_ids(self, tokens):
        """Vocabulary indices (int64 numpy) of a numpy array of tokens; masked tokens get 0 in
        ``"int"`` mode and -1 otherwise."""
        self._require_vocabulary()
        flat = tokens.ravel()
        ids = np.fromiter((self._vocab.index.get(t, -1) for t in flat), np.int64, flat.size)
        masked = np.fromiter((t == self.mask_token for t in flat), bool, flat.size)
        missing = (ids < 0) & ~masked
        if missing.any():
            if self.num_oov_indices == 0:
                found = sorted(set(flat[missing].tolist()))[:10]
                raise ValueError(f"{describe(self)}: with num_oov_indices=0 every input must be "
                                 f"in the vocabulary; found out-of-vocabulary values {found}. "
                                 "Set num_oov_indices=1 to map them to an OOV index.")
            if self.num_oov_indices == 1:
                ids[missing] = self._oov_start
            else:
                ids[missing] = [self._oov_bucket(t) + self._oov_start for t in flat[missing]]
        ids[masked] = self._mask_id()
        return ids.reshape(tokens.shape)

    def call(self, inputs):
        if self.invert:
            self._require_vocabulary()
            vocabulary = np.asarray(self.get_vocabulary(), dtype=object)
            ids = inputs.astype(np.int64)
            inside = (ids >= 0) & (ids < len(vocabulary))
            out = np.where(inside, vocabulary[np.clip(ids, 0, len(vocabulary) - 1)],
                           self.oov_token)
            return out.astype(str)
        ids = self.token_ids(self._as_token_array(inputs))
        if self.output_mode == "int":
            return jnp.asarray(ids, "int32")
        return self._encode(ids)

    def get_config(self):
        cfg = super().get_config()
        del cfg["vocabulary_dtype"]
        cfg["encoding"] = self.encoding
        return cfg
