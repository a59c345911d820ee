"""lamina.random: distributions, seeding, SeedGenerator state, and use inside compiled code."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina
from lamina import random
from lamina.core.state import StateScope
from lamina.random import SeedGenerator

N = 20_000


def test_normal_statistics_and_dtype():
    x = np.asarray(random.normal((N,), mean=2.0, stddev=3.0, seed=0))
    assert x.dtype == np.float32 and x.shape == (N,)
    assert abs(x.mean() - 2.0) < 0.1 and abs(x.std() - 3.0) < 0.1
    assert random.normal((2, 3), dtype="bfloat16", seed=1).dtype == jnp.bfloat16


def test_uniform_bounds_and_mean():
    x = np.asarray(random.uniform((N,), minval=-1.0, maxval=3.0, seed=0))
    assert x.min() >= -1.0 and x.max() < 3.0
    assert abs(x.mean() - 1.0) < 0.05
    assert abs(x.std() - 4.0 / np.sqrt(12.0)) < 0.05


def test_truncated_normal_is_cut_at_two_standard_deviations():
    x = np.asarray(random.truncated_normal((N,), mean=1.0, stddev=0.5, seed=0))
    assert x.min() >= 0.0 and x.max() <= 2.0
    assert x.min() < 0.05 and x.max() > 1.95  # the cut, not a narrower range
    # a normal truncated at +-2 sigma has a standard deviation of 0.8796 sigma
    assert abs(x.std() - 0.8796 * 0.5) < 0.01 and abs(x.mean() - 1.0) < 0.01


def test_randint_covers_its_half_open_range():
    x = np.asarray(random.randint((N,), minval=-2, maxval=3, seed=0))
    assert x.dtype == np.int32
    assert set(np.unique(x).tolist()) == {-2, -1, 0, 1, 2}
    assert random.randint((4,), 0, 5, dtype="int16", seed=0).dtype == jnp.int16


def test_categorical_follows_the_softmax_of_the_logits():
    logits = np.log(np.array([[0.2, 0.5, 0.3], [1.0, 1e-9, 1e-9]], "float32"))
    logits[1, 1:] = -np.inf
    draws = np.asarray(random.categorical(logits, N, seed=0))
    assert draws.shape == (2, N) and draws.dtype == np.int32
    freqs = np.bincount(draws[0], minlength=3) / N
    np.testing.assert_allclose(freqs, [0.2, 0.5, 0.3], atol=0.015)
    assert (draws[1] == 0).all()  # impossible classes are never drawn


def test_shuffle_permutes_whole_slices_along_an_axis():
    x = np.arange(40, dtype="float32").reshape(10, 4)
    rows = np.asarray(random.shuffle(x, seed=0))
    assert not np.array_equal(rows, x)
    assert sorted(map(tuple, rows)) == sorted(map(tuple, x))  # rows moved intact
    cols = np.asarray(random.shuffle(x, axis=1, seed=0))
    assert sorted(map(tuple, cols.T)) == sorted(map(tuple, x.T))


def test_dropout_zeroes_at_the_rate_and_rescales_the_rest():
    x = np.ones((200, 100), "float32")
    y = np.asarray(random.dropout(x, 0.3, seed=0))
    dropped = (y == 0).mean()
    assert abs(dropped - 0.3) < 0.01
    np.testing.assert_allclose(y[y != 0], 1 / 0.7, rtol=1e-6)
    # noise_shape shares one mask along the axes given as 1 (None: the input's size)
    shared = np.asarray(random.dropout(x, 0.5, noise_shape=(None, 1), seed=1))
    assert ((shared == 0).all(axis=1) | (shared != 0).all(axis=1)).all()
    np.testing.assert_array_equal(random.dropout(x, 0.0, seed=0), x)


def test_int_seeds_are_deterministic():
    for op in (lambda s: random.normal((5,), seed=s), lambda s: random.uniform((5,), seed=s),
               lambda s: random.randint((5,), 0, 100, seed=s),
               lambda s: random.shuffle(np.arange(10), seed=s)):
        np.testing.assert_array_equal(op(7), op(7))
        np.testing.assert_array_equal(op(np.int64(7)), op(7))
        assert not np.array_equal(op(7), op(8))


def test_seed_generator_advances_and_replays_from_its_seed():
    gen, twin = SeedGenerator(42), SeedGenerator(42)
    before = gen.state.numpy().copy()
    first = np.asarray(random.normal((4,), seed=gen))
    assert not np.array_equal(gen.state.numpy(), before)  # the state moved on
    second = np.asarray(random.normal((4,), seed=gen))
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(random.normal((4,), seed=twin), first)
    np.testing.assert_array_equal(random.normal((4,), seed=twin), second)
    assert gen.variables == [gen.state] and not gen.state.trainable


def test_global_generator_is_reset_by_set_seed():
    random.set_seed(3)
    a = np.asarray(random.normal((3,)))
    b = np.asarray(random.normal((3,)))
    random.set_seed(3)
    np.testing.assert_array_equal(random.normal((3,)), a)
    assert not np.array_equal(a, b)


def test_seed_generator_inside_jit_writes_its_state_to_the_scope():
    gen = SeedGenerator(5)
    start = gen.state.value

    @jax.jit
    def sample(state):
        with StateScope({gen.state: state}) as scope:
            x = random.normal((3,), seed=gen)
            y = random.dropout(jnp.ones(4), 0.5, seed=gen)
        return x, y, scope.get(gen.state)

    x, y, new_state = sample(start)
    np.testing.assert_array_equal(gen.state.value, start)  # the box is untouched
    assert new_state.shape == start.shape and not np.array_equal(new_state, start)
    # the same draws as eager calls on a twin generator, and the same state afterwards
    twin = SeedGenerator(5)
    np.testing.assert_array_equal(x, random.normal((3,), seed=twin))
    np.testing.assert_array_equal(y, random.dropout(jnp.ones(4), 0.5, seed=twin))
    np.testing.assert_array_equal(new_state, twin.state.value)
    x_again, _, _ = sample(new_state)  # feeding the state back gives fresh numbers
    assert not np.array_equal(x_again, x)


def test_random_ops_accept_variables():
    logits = lamina.Variable(np.zeros((2, 3), "float32"))
    assert random.categorical(logits, 4, seed=0).shape == (2, 4)
    x = lamina.Variable(np.ones((4, 2), "float32"))
    assert random.dropout(x, 0.5, seed=0).shape == (4, 2)
    assert random.shuffle(x, seed=0).shape == (4, 2)


def test_unknown_seed_types_are_rejected():
    with pytest.raises(TypeError, match="`seed` must be None, an int, a SeedGenerator"):
        random.normal((2,), seed="seven")
