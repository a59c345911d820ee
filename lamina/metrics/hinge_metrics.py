"""Running means of the hinge losses."""

from __future__ import annotations

from lamina import losses
from lamina.metrics.reduction import MeanMetricWrapper


class Hinge(MeanMetricWrapper):
    """Running mean of :func:`lamina.losses.hinge`."""

    def __init__(self, name="hinge", dtype=None):
        super().__init__(losses.hinge, name=name, dtype=dtype)


class SquaredHinge(MeanMetricWrapper):
    """Running mean of :func:`lamina.losses.squared_hinge`."""

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(losses.squared_hinge, name=name, dtype=dtype)


class CategoricalHinge(MeanMetricWrapper):
    """Running mean of :func:`lamina.losses.categorical_hinge`."""

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(losses.categorical_hinge, name=name, dtype=dtype)
