"""TextVectorization: raw strings to token-id sequences or bag-of-words vectors."""

import jax.numpy as jnp
import numpy as np

from lamina.core import config
from lamina.core.errors import describe
from lamina.layers.preprocessing import text_ops
from lamina.layers.preprocessing.adapt_data import batches, is_single_array
from lamina.layers.preprocessing.category_encoding import encode_categorical
from lamina.layers.preprocessing.host_layer import HostLayer
from lamina.layers.preprocessing.string_lookup import StringLookup

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


class TextVectorization(HostLayer):
    """Standardizes, splits and indexes text: one string per example in, ids or vectors out.

    Steps: standardize (``"lower_and_strip_punctuation"`` by default; ASCII lowercasing and
    punctuation, as in Keras), split (on whitespace by default), build n-grams, look tokens up in
    a vocabulary (given, or learned by :meth:`adapt`: most frequent first), then output:

    - ``"int"``: ids, 0 for padding and 1 for OOV, padded with 0 to the longest example or cut
      and padded to ``output_sequence_length``;
    - ``"multi_hot"`` / ``"count"`` / ``"tf_idf"`` (/ ``"one_hot"``): one vector per example over
      the vocabulary (``max_tokens`` long with ``pad_to_max_tokens``).

    Runs eagerly on numpy strings (see :mod:`~lamina.layers.preprocessing.host_layer`): use it in
    the data pipeline and feed its output (int32 or float32 jax arrays) to the model.

    Args:
        max_tokens: vocabulary cap, padding and OOV tokens included.
        standardize: ``None``, ``"lower_and_strip_punctuation"``, ``"lower"``,
            ``"strip_punctuation"`` or a callable taking and returning a numpy string array.
        split: ``None``, ``"whitespace"``, ``"character"`` or a callable taking a 1-D numpy string
            array and returning one sequence of tokens per string.
        ngrams: ``None``, an int ``n`` (all n-grams up to ``n``) or a tuple of widths.
        output_mode, output_sequence_length, pad_to_max_tokens: as above.
        vocabulary: list of tokens or path of a text file; idf_weights: for ``"tf_idf"``.
        sparse, ragged: not supported (lamina returns dense arrays).
        encoding: text encoding of byte-string inputs.

    >>> layer = TextVectorization(output_sequence_length=4)
    >>> layer.adapt(["foo bar", "bar baz", "baz bada boom"])
    >>> layer([["foo qux bar"], ["qux baz"]]).tolist()
    [[4, 1, 3, 0], [1, 2, 0, 0]]
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int", output_sequence_length=None,
                 pad_to_max_tokens=False, vocabulary=None, idf_weights=None, sparse=False,
                 ragged=False, encoding="utf-8", name=None, **kwargs):
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        super().__init__(name=name, **kwargs)
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        self._check_arguments(standardize, split, ngrams, output_mode, output_sequence_length,
                              sparse, ragged)
        self._standardize, self._split = standardize, split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._output_mode, self._output_sequence_length = output_mode, output_sequence_length
        self._ragged, self._encoding = ragged, encoding
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode,
            sparse=sparse, has_input_vocabulary=has_input_vocabulary, encoding=encoding,
            vocabulary_size=vocabulary_size, name=f"{self.name}_lookup")

    def _check_arguments(self, standardize, split, ngrams, output_mode, output_sequence_length,
                         sparse, ragged):
        me = describe(self)
        if not (standardize is None or callable(standardize)
                or standardize in text_ops.STANDARDIZERS):
            raise ValueError(f"{me}: `standardize` must be None, a callable or one of "
                             f"{tuple(text_ops.STANDARDIZERS)}, received {standardize!r}.")
        if not (split is None or callable(split) or split in text_ops.SPLITTERS):
            raise ValueError(f"{me}: `split` must be None, a callable or one of "
                             f"{tuple(text_ops.SPLITTERS)}, received {split!r}.")
        if output_mode not in OUTPUT_MODES:
            raise ValueError(f"{me}: `output_mode` must be one of {OUTPUT_MODES}, received "
                             f"{output_mode!r}.")
        if not (ngrams is None or isinstance(ngrams, int) or (
                isinstance(ngrams, tuple) and all(isinstance(n, int) for n in ngrams))):
            raise ValueError(f"{me}: `ngrams` must be None, an integer or a tuple of integers, "
                             f"received {ngrams!r}.")
        if output_sequence_length is not None and (
                output_mode != "int" or not isinstance(output_sequence_length, int)):
            raise ValueError(f"{me}: `output_sequence_length` must be an integer and is only "
                             f"used with output_mode='int'; received "
                             f"{output_sequence_length!r} with output_mode={output_mode!r}.")
        if sparse or ragged:
            raise NotImplementedError(f"{me}: `sparse` and `ragged` outputs are not supported; "
                                      "lamina returns dense arrays.")

    # -- vocabulary ------------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None):
        """Learns the vocabulary (and IDF weights) from strings: an array or list of them, or an
        iterable of such batches (at most ``steps``)."""
        self.reset_state()
        stream = [data] if is_single_array(data) else batches(data, steps, describe(self))
        for batch in stream:
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data):
        rows, _ = self._token_rows(data)
        self._lookup_layer.update_documents(rows)

    def finalize_state(self):
        self._lookup_layer.finalize_state()

    def reset_state(self):
        self._lookup_layer.reset_state()

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary; in ``"int"`` mode it starts with ``""`` (padding) and ``"[UNK]"``."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    # -- text to tokens --------------------------------------------------------------------------
    def _standardized(self, texts):
        if callable(self._standardize):
            out = np.asarray(self._standardize(texts.astype(str)))
            return self._lookup_layer._as_token_array(out)
        if self._standardize is None:
            return texts
        mode = self._standardize
        return np.vectorize(lambda t: text_ops.standardize(t, mode), otypes=[object])(texts) \
            if texts.size else texts

    def _token_rows(self, inputs):
        """``(rows, unbatched)``: token lists per example, or ``(None, None)`` when each input
        string is already one token (no split, no n-grams)."""
        texts = self._standardized(self._lookup_layer._as_token_array(inputs))
        if self._split is None and self._ngrams is None:
            rows = [[t] for t in texts.ravel()]
            return rows, None
        if self._split is not None:
            if texts.ndim > 1 and texts.shape[-1] == 1:
                texts = texts[..., 0]
            if texts.ndim > 1:
                raise ValueError(f"{describe(self)}: to split strings, pass one string per "
                                 "example, with shape (batch,) or (batch, 1); received shape "
                                 f"{np.shape(inputs)}.")
            unbatched = texts.ndim == 0
            strings = texts.reshape(-1)
            if callable(self._split):
                rows = [[str(t) for t in row] for row in self._split(strings.astype(str))]
            else:
                rows = [text_ops.SPLITTERS[self._split](t) for t in strings]
        else:  # n-grams over the last axis of pre-split tokens
            unbatched = texts.ndim <= 1
            rows = [list(r) for r in texts.reshape(-1, texts.shape[-1] if texts.ndim else 1)]
        if self._ngrams is not None:
            rows = [text_ops.ngrams(r, self._ngrams) for r in rows]
        return rows, unbatched

    # -- calling ---------------------------------------------------------------------------------
    def call(self, inputs):
        self._lookup_layer._require_vocabulary()
        rows, unbatched = self._token_rows(inputs)
        flat = np.asarray([t for r in rows for t in r], dtype=object)
        ids = self._lookup_layer.token_ids(flat)
        if unbatched is None:  # one token per input string: keep the input's shape
            ids = ids.reshape(np.shape(inputs))
            if self._output_mode == "int":
                return jnp.asarray(self._fit_length(ids), "int32")
            return self._lookup_layer._encode(ids)
        pad = 0 if self._output_mode == "int" else -1
        width = max([len(r) for r in rows] + [1 if self._output_mode != "int" else 0])
        dense = np.full((len(rows), width), pad, np.int64)
        start = 0
        for i, row in enumerate(rows):
            dense[i, :len(row)] = ids[start:start + len(row)]
            start += len(row)
        if self._output_mode == "int":
            dense = self._fit_length(dense)
            return jnp.asarray(dense[0] if unbatched else dense, "int32")
        out = self._lookup_layer._encode(dense)
        return out[0] if unbatched else out

    def _fit_length(self, ids):
        """Cuts or zero-pads the last axis to ``output_sequence_length``."""
        length = self._output_sequence_length
        if length is None:
            return ids
        ids = ids[..., :length]
        padding = [(0, 0)] * (ids.ndim - 1) + [(0, length - ids.shape[-1])]
        return np.pad(ids, padding)

    # -- saving ----------------------------------------------------------------------------------
    def get_config(self):
        lookup = self._lookup_layer
        cfg = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        cfg.update(max_tokens=lookup.max_tokens, standardize=_serialize_fn(self._standardize),
                   split=_serialize_fn(self._split), ngrams=self._ngrams_arg,
                   output_mode=self._output_mode,
                   output_sequence_length=self._output_sequence_length,
                   pad_to_max_tokens=lookup.pad_to_max_tokens, sparse=lookup.sparse,
                   ragged=self._ragged, vocabulary=lookup.input_vocabulary,
                   idf_weights=lookup.input_idf_weights, encoding=self._encoding,
                   vocabulary_size=self.vocabulary_size())
        return cfg

    @classmethod
    def from_config(cls, cfg):
        cfg = dict(cfg)
        for key, builtin in (("standardize", text_ops.STANDARDIZERS),
                             ("split", text_ops.SPLITTERS)):
            value = cfg.get(key)
            if isinstance(value, str) and value not in builtin:
                function = config.lookup_function(value)
                if function is None:
                    raise ValueError(f"TextVectorization: unknown {key} function {value!r}; "
                                     "register it with `register_keras_serializable`.")
                cfg[key] = function
        if isinstance(cfg.get("ngrams"), list):
            cfg["ngrams"] = tuple(cfg["ngrams"])
        return cls(**cfg)

    def save_assets(self, dir_path):
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path):
        self._lookup_layer.load_assets(dir_path)

    def save_own_variables(self, store):
        self._lookup_layer.save_own_variables(store)

    def load_own_variables(self, store):
        self._lookup_layer.load_own_variables(store)


def _serialize_fn(value):
    return value if value is None or isinstance(value, str) else config.serialize(value)
