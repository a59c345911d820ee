"""IndexLookup: the vocabulary logic shared by StringLookup and IntegerLookup.

Index layout (Keras's): ``[mask][oov x num_oov_indices][tokens...]``. The mask slot exists only
in ``"int"`` output mode with a ``mask_token``; in the other modes masked inputs are dropped.
Subclasses say what a token is (``_as_token``, ``_as_token_array``) and do the lookup in
``call``: StringLookup on the host with a dict, IntegerLookup with jax ops that also compile.
"""

import collections
import os
from types import SimpleNamespace

import jax.numpy as jnp
import numpy as np

from lamina.core.errors import describe
from lamina.core.layer import Layer
from lamina.layers.preprocessing.adapt_data import batches, is_single_array
from lamina.layers.preprocessing.category_encoding import encode_categorical
from lamina.layers.preprocessing.config_arrays import listify
from lamina.layers.preprocessing.token_counts import TokenCounts, documents_of, idf_with_specials

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


class IndexLookup(Layer):
    """Base of the lookup layers; see :class:`StringLookup` for the arguments."""

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary_dtype,
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, oov_method="floormod", salt=None, vocabulary_size=None,
                 has_input_vocabulary=None, **kwargs):
        super().__init__(**kwargs)
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        self._check_arguments(max_tokens, num_oov_indices, output_mode, invert, sparse,
                              pad_to_max_tokens, oov_method, idf_weights)
        self.max_tokens, self.num_oov_indices = max_tokens, num_oov_indices
        self.mask_token, self.oov_token = mask_token, oov_token
        self.vocabulary_dtype = vocabulary_dtype
        self.invert, self.output_mode, self.sparse = invert, output_mode, sparse
        self.pad_to_max_tokens, self.oov_method = pad_to_max_tokens, oov_method
        self.salt = _standardize_salt(salt, describe(self))
        # Kept in a namespace, not in list attributes, so layer tracking never walks the tokens.
        self._vocab = SimpleNamespace(
            tokens=None, index=None, given_idf=listify(idf_weights),
            given=None if isinstance(vocabulary, str) else listify(vocabulary))
        self._has_input_vocabulary = (vocabulary is not None if has_input_vocabulary is None
                                      else has_input_vocabulary)
        self._frozen_vocab_size = vocabulary_size
        self.idf_weights = None
        self._counts = TokenCounts()
        if output_mode == "tf_idf" and self._has_input_vocabulary and idf_weights is None:
            raise ValueError(f"{describe(self)}: with output_mode='tf_idf' and a `vocabulary`, "
                             "pass `idf_weights` too.")
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    def _check_arguments(self, max_tokens, num_oov_indices, output_mode, invert, sparse,
                         pad_to_max_tokens, oov_method, idf_weights):
        me = describe(self)
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"{me}: `max_tokens` must be greater than 1, received {max_tokens}.")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"{me}: `pad_to_max_tokens=True` needs `max_tokens`.")
        if num_oov_indices < 0:
            raise ValueError(f"{me}: `num_oov_indices` must be >= 0, received {num_oov_indices}.")
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(f"{me}: `oov_method` must be 'floormod' or 'farmhash', received "
                             f"{oov_method!r}.")
        if output_mode not in OUTPUT_MODES:
            raise ValueError(f"{me}: `output_mode` must be one of {OUTPUT_MODES}, received "
                             f"{output_mode!r}.")
        if invert and output_mode != "int":
            raise ValueError(f"{me}: `invert=True` needs output_mode='int', received "
                             f"{output_mode!r}.")
        if sparse:
            raise NotImplementedError(f"{me}: `sparse=True` is not supported; lamina returns "
                                      "dense arrays.")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f"{me}: `idf_weights` is only used with output_mode='tf_idf', "
                             f"received output_mode={output_mode!r}.")

    @property
    def input_vocabulary(self):
        """The ``vocabulary`` argument as a list (``None`` when adapted or read from a file)."""
        return self._vocab.given

    @property
    def input_idf_weights(self):
        return self._vocab.given_idf

    @property
    def _tokens(self):
        """The learned or given tokens, in index order after the special tokens."""
        return self._vocab.tokens

    # -- index layout ----------------------------------------------------------------------------
    @property
    def _oov_start(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    @property
    def _token_start(self):
        return self._oov_start + self.num_oov_indices

    def _special_tokens(self):
        return [self.mask_token] * self._oov_start + [self.oov_token] * self.num_oov_indices

    def vocabulary_size(self):
        """Size of the vocabulary, mask and OOV indices included."""
        return self._token_start + (len(self._tokens) if self._tokens is not None else 0)

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary; with special tokens, a token's position is its index."""
        tokens = list(self._tokens or [])
        return self._special_tokens() + tokens if include_special_tokens else tokens

    # -- setting the vocabulary ------------------------------------------------------------------
    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Sets the vocabulary (a list, an array, or a text file with one token per line) and,
        for ``"tf_idf"``, its IDF weights. The special tokens may lead the list, in order."""
        me = describe(self)
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError(f"{me}: output_mode='tf_idf' needs `idf_weights` with the vocabulary.")
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError(f"{me}: `idf_weights` is only used with output_mode='tf_idf'.")
        if isinstance(vocabulary, str):
            vocabulary = self._read_vocabulary_file(vocabulary)
        vocabulary = [self._as_token(t) for t in np.asarray(vocabulary, dtype=object).ravel()]
        if not vocabulary:
            raise ValueError(f"{me}: cannot set an empty vocabulary.")
        specials = self._special_tokens()
        has_specials = vocabulary[:len(specials)] == specials
        tokens = vocabulary[len(specials):] if has_specials else vocabulary
        repeated = sorted((t for t, n in collections.Counter(tokens).items() if n > 1), key=str)
        if repeated:
            raise ValueError(f"{me}: the vocabulary repeats {repeated}; make its terms unique.")
        for name, token in (("mask", self.mask_token), ("OOV", self.oov_token if self.invert
                                                          else None)):
            if token is not None and token in tokens:
                raise ValueError(f"{me}: the {name} token {token!r} appears inside the vocabulary; "
                                 "leave the special tokens out, or put them first in exactly "
                                 f"this order: {specials}.")
        size = self._token_start + len(tokens)
        if self.max_tokens is not None and size > self.max_tokens:
            raise ValueError(f"{me}: the vocabulary has {size} entries with the special tokens, "
                             f"more than max_tokens={self.max_tokens}.")
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            idf = np.asarray(idf_weights, "float64").ravel()
            if idf.size != len(vocabulary):
                raise ValueError(f"{me}: `idf_weights` has {idf.size} entries for a vocabulary of "
                                 f"{len(vocabulary)}.")
            front = 0 if has_specials else self._token_start
            self.idf_weights = idf_with_specials(idf, front, self._padded_depth(),
                                                 fill=np.average(idf))
        self._on_vocabulary_set()

    def _read_vocabulary_file(self, path):
        if self.output_mode == "tf_idf":
            raise ValueError(f"{describe(self)}: output_mode='tf_idf' cannot read the vocabulary "
                             "from a file.")
        if not os.path.exists(path):
            raise ValueError(f"{describe(self)}: vocabulary file {path!r} does not exist.")
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        return lines

    def _set_tokens(self, tokens):
        size = self._token_start + len(tokens)
        if (self.output_mode != "int" and not self.pad_to_max_tokens and self._depth_was_used
                and self._frozen_vocab_size not in (None, size)):
            raise RuntimeError(f"{describe(self)}: with output_mode={self.output_mode!r} the "
                               "vocabulary size cannot change after the layer was called (was "
                               f"{self._frozen_vocab_size}, now {size}).")
        self._check_tokens(tokens)
        self._vocab.tokens = list(tokens)
        self._frozen_vocab_size = size

    _depth_was_used = False

    def _check_tokens(self, tokens):
        """Hook: raises if a subclass cannot hold ``tokens``."""

    def _on_vocabulary_set(self):
        """Hook run once tokens and IDF weights are set: subclasses precompute tables."""

    def _padded_depth(self):
        return self.max_tokens if self.pad_to_max_tokens else None

    # -- adapt -----------------------------------------------------------------------------------
    def adapt(self, data, steps=None):
        """Learns the vocabulary from ``data``: tokens sorted by frequency (ties: highest token
        first), cut to ``max_tokens``; for ``"tf_idf"`` also the IDF weights. An array or list
        is one batch whose rows are documents; another iterable yields batches."""
        self.reset_state()
        if is_single_array(data):
            data = self._as_token_array(data)
            self.update_state(data[:, None] if data.ndim == 1 else data)
        else:
            for batch in batches(data, steps, describe(self)):
                self.update_state(batch)
        self.finalize_state()

    def update_state(self, data):
        if self._has_input_vocabulary:
            raise ValueError(f"{describe(self)}: cannot adapt a layer given a fixed vocabulary "
                             "(the `vocabulary` argument or `set_vocabulary()`).")
        self._counts.add_documents(documents_of(self._as_token_array(data)))

    def update_documents(self, documents):
        """Adds already tokenized documents (sequences of tokens) to the statistics."""
        if self._has_input_vocabulary:
            raise ValueError(f"{describe(self)}: cannot adapt a layer given a fixed vocabulary.")
        self._counts.add_documents(documents)

    def finalize_state(self):
        if self._has_input_vocabulary or not self._counts.counts:
            return
        limit = None if not self.max_tokens else self.max_tokens - self._token_start
        tokens = self._counts.ranked({self.mask_token, self.oov_token} - {None}, limit)
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            self.idf_weights = idf_with_specials(self._counts.idf(tokens), self._token_start,
                                                 self._padded_depth())
        self._on_vocabulary_set()
        self.reset_state()

    def reset_state(self):
        self._counts = TokenCounts()

    # -- calling ---------------------------------------------------------------------------------
    def _require_vocabulary(self):
        if self._tokens is None:
            raise ValueError(f"{describe(self)} has no vocabulary yet: pass `vocabulary=` or "
                             "call `adapt(data)` before calling it.")

    def _depth(self):
        if self.pad_to_max_tokens:
            return self.max_tokens
        if self._frozen_vocab_size is None:
            raise RuntimeError(f"{describe(self)}: with output_mode={self.output_mode!r} and "
                               "pad_to_max_tokens=False, set the vocabulary before calling the "
                               "layer: pass `vocabulary=` or call `adapt(data)`.")
        self._depth_was_used = True
        return self._frozen_vocab_size

    def _encode(self, ids):
        """Non-``int`` outputs from integer ids (masked ids are -1 and drop out)."""
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        out = encode_categorical(ids, mode, self._depth(), self.dtype)
        return out * self._idf() if self.output_mode == "tf_idf" else out

    def _idf(self):
        return jnp.asarray(self.idf_weights)

    def _mask_id(self):
        return 0 if self.output_mode == "int" else -1

    # -- saving ----------------------------------------------------------------------------------
    def get_config(self):
        cfg = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        cfg.update(invert=self.invert, max_tokens=self.max_tokens,
                   num_oov_indices=self.num_oov_indices, oov_token=self.oov_token,
                   mask_token=self.mask_token, output_mode=self.output_mode, sparse=self.sparse,
                   pad_to_max_tokens=self.pad_to_max_tokens,
                   vocabulary_dtype=self.vocabulary_dtype, idf_weights=self.input_idf_weights,
                   vocabulary=self.input_vocabulary, vocabulary_size=self._frozen_vocab_size,
                   oov_method=self.oov_method, salt=self.salt)
        return cfg

    def save_assets(self, dir_path):
        """Writes a learned vocabulary to ``dir_path/vocabulary.txt`` (Keras's asset)."""
        if self.input_vocabulary is not None:
            return
        with open(os.path.join(dir_path, "vocabulary.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(str(t) for t in self.get_vocabulary()))

    def load_assets(self, dir_path):
        """Reads the vocabulary written by :meth:`save_assets`."""
        if self.input_vocabulary is not None:
            return
        with open(os.path.join(dir_path, "vocabulary.txt"), encoding="utf-8") as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        idf = self.idf_weights if self.output_mode == "tf_idf" else None
        has_input = self._has_input_vocabulary
        self._has_input_vocabulary = False
        self.set_vocabulary([self._as_token(t) for t in lines], idf)
        self._has_input_vocabulary = has_input

    def save_own_variables(self, store):
        """Stores the IDF weights (Keras keeps them outside the weights list too)."""
        if self.output_mode == "tf_idf" and self.idf_weights is not None:
            store["idf_weights"] = np.asarray(self.idf_weights)

    def load_own_variables(self, store):
        if self.output_mode == "tf_idf" and "idf_weights" in store:
            self.idf_weights = np.asarray(store["idf_weights"], "float32")
            self._on_vocabulary_set()


def _standardize_salt(salt, who):
    if salt is None:
        return None
    if isinstance(salt, (list, tuple)) and len(salt) == 2:
        return [int(s) for s in salt]
    if isinstance(salt, int):
        return [salt, salt]
    raise ValueError(f"{who}: `salt` must be an integer or a pair of integers, received {salt!r}.")
