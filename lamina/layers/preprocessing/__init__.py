"""Preprocessing layers.

Numeric layers (Normalization, Rescaling, CenterCrop, Resizing, CategoryEncoding,
Discretization, IntegerLookup) also run inside compiled models. String layers (StringLookup,
TextVectorization, Hashing) run eagerly on numpy values: use them in the data pipeline.
"""

from lamina.layers.preprocessing.category_encoding import CategoryEncoding
from lamina.layers.preprocessing.center_crop import CenterCrop
from lamina.layers.preprocessing.discretization import Discretization
from lamina.layers.preprocessing.hashing import Hashing
from lamina.layers.preprocessing.integer_lookup import IntegerLookup
from lamina.layers.preprocessing.normalization import Normalization
from lamina.layers.preprocessing.rescaling import Rescaling
from lamina.layers.preprocessing.resizing import Resizing
from lamina.layers.preprocessing.string_lookup import StringLookup
from lamina.layers.preprocessing.text_vectorization import TextVectorization

__all__ = ["CategoryEncoding", "CenterCrop", "Discretization", "Hashing", "IntegerLookup",
           "Normalization", "Rescaling", "Resizing", "StringLookup", "TextVectorization"]
