"""The text steps of TextVectorization: standardize, split, n-grams (TensorFlow's semantics).

Lowercasing and punctuation stripping are ASCII-only, as ``tf.strings.lower`` and Keras's
punctuation pattern are; whitespace splitting drops empty pieces, like ``tf.strings.split``.
"""

import re
import string

_LOWER = {ord(c): ord(c.lower()) for c in string.ascii_uppercase}
_STRIP = {ord(c): None for c in string.punctuation}
STANDARDIZERS = {
    "lower": _LOWER,
    "strip_punctuation": _STRIP,
    "lower_and_strip_punctuation": {**_LOWER, **_STRIP},
}
_WHITESPACE = re.compile(r"[ \t\n\r\f\v]+")


def standardize(text, mode):
    """``text`` lowercased and/or stripped of punctuation.

    >>> standardize("Hello, World!", "lower_and_strip_punctuation")
    'hello world'
    """
    return text.translate(STANDARDIZERS[mode])


def split_whitespace(text):
    """Tokens separated by runs of ASCII whitespace.

    >>> split_whitespace("  a b  c ")
    ['a', 'b', 'c']
    """
    return [piece for piece in _WHITESPACE.split(text) if piece]


def split_characters(text):
    """One token per Unicode code point."""
    return list(text)


SPLITTERS = {"whitespace": split_whitespace, "character": split_characters}


def ngrams(tokens, widths):
    """All n-grams of each width in ``widths``, width by width, joined by a space.

    >>> ngrams(["a", "b", "c"], (1, 2))
    ['a', 'b', 'c', 'a b', 'b c']
    """
    return [" ".join(tokens[i:i + n]) for n in widths for i in range(len(tokens) - n + 1)]
