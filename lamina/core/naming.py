"""Keras-style automatic names: ``dense``, ``dense_1``, ``dense_2``, ... per session."""

import collections
import re

_counts = collections.Counter()


def to_snake_case(name: str) -> str:
    """``MyModel`` -> ``my_model``, ``Conv2D`` -> ``conv2d``.

    >>> to_snake_case("BatchNormalization")
    'batch_normalization'
    """
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def keras_class_name(obj) -> str:
    """The class name Keras shows for ``obj`` (a class or an instance): its own, unless it
    sets ``_keras_class_name`` (a class whose Keras twin has another name, or an op node).

    >>> class GroupQueryAttention: _keras_class_name = "GroupedQueryAttention"
    >>> keras_class_name(GroupQueryAttention()), keras_class_name(dict)
    ('GroupedQueryAttention', 'dict')
    """
    cls = obj if isinstance(obj, type) else type(obj)
    return getattr(obj, "_keras_class_name", cls.__name__)


def class_snake_name(cls) -> str:
    """The snake-case name Keras derives from a class: default layer names and the paths in
    weight files.

    >>> class GroupQueryAttention: _keras_class_name = "GroupedQueryAttention"
    >>> class_snake_name(GroupQueryAttention)
    'grouped_query_attention'
    """
    return to_snake_case(keras_class_name(cls))


def unique_name(prefix: str) -> str:
    """The first call for a prefix returns it as is, later calls append ``_1``, ``_2``, ...

    >>> reset(); unique_name("dense"), unique_name("dense")
    ('dense', 'dense_1')
    """
    count = _counts[prefix]
    _counts[prefix] += 1
    return prefix if count == 0 else f"{prefix}_{count}"


def reset():
    """Forgets every name handed out (``lamina.utils.clear_session``)."""
    _counts.clear()
