"""Test setup: Keras (the numerical oracle) must see the JAX backend before it is imported."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture
def rng():
    """A numpy random generator with a fixed seed."""
    return np.random.default_rng(0)
