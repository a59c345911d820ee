"""Random numbers that work eagerly and inside compiled training steps, with no seed boilerplate.

Every op takes ``seed=None | int | SeedGenerator``. With ``None`` the op draws from the global
:class:`SeedGenerator`, whose key is a Variable: ``fit`` carries it in its state tree, so dropout
and ``random.normal`` inside ``call`` give fresh numbers every step, even under ``jit``.
:func:`lamina.utils.set_random_seed` makes a whole run reproducible.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from lamina.core.variable import Variable, unwrap


class SeedGenerator:
    """A stateful source of keys: each :meth:`next` returns a new key and advances the state.

    >>> gen = SeedGenerator(42)
    >>> bool((gen.next() != gen.next()).any())
    True
    """

    _lamina_state_holder = True

    def __init__(self, seed=None, name=None):
        seed = _fresh_seed() if seed is None else int(seed)
        self.name = name or "seed_generator"
        with jax.ensure_compile_time_eval():  # may be created while a step is traced
            key = jax.random.key_data(jax.random.key(seed))
        self.state = Variable(key, trainable=False, name="seed_generator_state")
        self.state.path = f"{self.name}/state"

    def next(self):
        """A new key (typed), derived from the state, which moves on."""
        key = jax.random.wrap_key_data(self.state.value)
        new_state, sub = jax.random.split(key)
        self.state.assign(jax.random.key_data(new_state))
        return sub

    @property
    def variables(self):
        return [self.state]


_host = {"seed": 1337, "count": 0, "global": None}


def _fresh_seed():
    _host["count"] += 1
    return hash((_host["seed"], _host["count"])) % (2**31)


def host_key():
    """A fresh key for weight initialization (host side; reproducible after ``set_random_seed``)."""
    _host["count"] += 1
    return jax.random.fold_in(jax.random.key(_host["seed"]), _host["count"])


def global_seed() -> int:
    """The seed last given to ``set_random_seed`` (1337 before any)."""
    return _host["seed"]


def global_generator() -> SeedGenerator:
    """The generator used by ops called with ``seed=None``."""
    if _host["global"] is None:
        _host["global"] = SeedGenerator(_host["seed"], name="global_seed_generator")
    return _host["global"]


def set_seed(seed: int):
    """Resets the host key stream and the global generator (see ``utils.set_random_seed``)."""
    _host.update(seed=int(seed), count=0)
    if _host["global"] is None:
        global_generator()
    else:
        _host["global"].state.assign(jax.random.key_data(jax.random.key(int(seed))))


def draw_key(seed=None):
    """A key from ``seed``: an int, a :class:`SeedGenerator`, a key array, or ``None`` (global)."""
    if seed is None:
        return global_generator().next()
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if isinstance(seed, (int, np.integer)):
        return jax.random.key(int(seed))
    if isinstance(seed, (list, tuple)):  # raw key data
        seed = jnp.asarray(seed, dtype=jnp.uint32)
    if not hasattr(seed, "dtype"):
        raise TypeError("`seed` must be None, an int, a SeedGenerator or a key array; received "
                        f"{seed!r}.")
    if jnp.issubdtype(seed.dtype, jax.dtypes.prng_key):
        return seed
    return jax.random.wrap_key_data(jnp.asarray(seed, dtype=jnp.uint32))


def normal(shape, mean=0.0, stddev=1.0, dtype="float32", seed=None):
    """Samples from a normal distribution."""
    return mean + stddev * jax.random.normal(draw_key(seed), tuple(shape), dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype="float32", seed=None):
    """Samples uniformly from ``[minval, maxval)``."""
    return jax.random.uniform(draw_key(seed), tuple(shape), dtype, minval, maxval)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype="float32", seed=None):
    """Samples from a normal distribution truncated at two standard deviations."""
    return mean + stddev * jax.random.truncated_normal(draw_key(seed), -2.0, 2.0, tuple(shape), dtype)


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Random integers in ``[minval, maxval)``."""
    return jax.random.randint(draw_key(seed), tuple(shape), minval, maxval, dtype)


def categorical(logits, num_samples, dtype="int32", seed=None):
    """Draws ``num_samples`` class indices per row of ``logits``."""
    logits = jnp.asarray(unwrap(logits))
    out = jax.random.categorical(draw_key(seed), logits[..., None, :],
                                 shape=logits.shape[:-1] + (num_samples,))
    return out.astype(dtype)


def shuffle(x, axis=0, seed=None):
    """A random permutation of ``x`` along ``axis``."""
    return jax.random.permutation(draw_key(seed), unwrap(x), axis=axis, independent=False)


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zeroes entries with probability ``rate`` and scales the rest by ``1 / (1 - rate)``."""
    inputs = jnp.asarray(unwrap(inputs))
    if rate <= 0:
        return inputs
    noise_shape = inputs.shape if noise_shape is None else tuple(
        s if n is None else n for s, n in zip(inputs.shape, noise_shape))
    keep = jax.random.bernoulli(draw_key(seed), 1.0 - rate, noise_shape)
    return jnp.where(keep, inputs / (1.0 - rate), jnp.zeros_like(inputs))
