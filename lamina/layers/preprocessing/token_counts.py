"""Token statistics that ``adapt`` gathers for the lookup layers: counts, document counts,
and the vocabulary and IDF weights made from them (Keras's ordering and formula)."""

import collections
import math

import numpy as np


class TokenCounts:
    """Running counts over documents (rows), each a sequence of hashable tokens.

    >>> counts = TokenCounts()
    >>> counts.add_documents([["a", "b", "b"], ["b", "c"]])
    >>> counts.ranked()
    ['b', 'c', 'a']
    >>> [round(w, 4) for w in counts.idf(["b", "a"])]
    [0.5108, 0.6931]
    """

    def __init__(self):
        self.counts = collections.Counter()
        self.document_counts = collections.Counter()
        self.num_documents = 0

    def add_documents(self, documents):
        for document in documents:
            document = list(document)
            self.counts.update(document)
            self.document_counts.update(set(document))
            self.num_documents += 1

    def ranked(self, exclude=(), limit=None):
        """Tokens by count, most frequent first; ties by token, highest first."""
        tokens = [t for t in self.counts if t not in exclude]
        tokens.sort(key=lambda t: (self.counts[t], t), reverse=True)
        return tokens if limit is None else tokens[:max(limit, 0)]

    def idf(self, tokens):
        """``log(1 + num_documents / (1 + documents containing the token))`` per token."""
        return [math.log(1 + self.num_documents / (1 + self.document_counts[t])) for t in tokens]


def documents_of(data):
    """Rows of a dense batch as documents: a scalar or a vector is one document, a matrix is one
    document per row (higher ranks are flattened per row)."""
    data = np.asarray(data, dtype=object) if not isinstance(data, np.ndarray) else data
    if data.ndim == 0:
        return [[data.item()]]
    if data.ndim == 1:
        return [data.tolist()]
    return [row.tolist() for row in data.reshape(len(data), -1)]


def idf_with_specials(idf, num_specials, pad_to=None, fill=None):
    """IDF weights with one slot per special (mask/OOV) index in front, holding ``fill`` (by
    default their float32 mean), and zeros after, up to ``pad_to`` (for ``pad_to_max_tokens``).

    >>> idf_with_specials([1.0, 2.0], 1, pad_to=4).tolist()
    [1.5, 1.0, 2.0, 0.0]
    """
    idf = np.asarray(idf, "float32")
    if fill is None:
        fill = idf.mean() if idf.size else 0.0
    front = np.full(num_specials, fill, "float32")
    weights = np.concatenate([front, idf])
    if pad_to is not None and pad_to > weights.size:
        weights = np.concatenate([weights, np.zeros(pad_to - weights.size, "float32")])
    return weights
