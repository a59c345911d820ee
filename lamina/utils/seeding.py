"""Reproducibility: one call seeds Python, numpy and every lamina random stream."""

import random

import numpy as np

from lamina import random as lamina_random
from lamina.core import naming


def set_random_seed(seed):
    """Seeds Python's ``random``, numpy and lamina (weight initializers and the global
    seed generator), so a run repeats bit for bit on the same machine.

    >>> set_random_seed(0)
    """
    if not isinstance(seed, int):
        raise ValueError(f"set_random_seed: `seed` must be an int, received {seed!r}.")
    random.seed(seed)
    np.random.seed(seed)
    lamina_random.set_seed(seed)


def clear_session():
    """Resets automatic layer names (``dense``, ``dense_1``, ... start over)."""
    naming.reset()
