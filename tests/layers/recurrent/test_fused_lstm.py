"""The fused LSTM loop (hand-written gradient) against the scanned LSTM cell and against finite
differences: outputs, final states and gradients with respect to inputs, weights and initial
states, with masks, backwards, zero outputs for masks and input dropout."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lamina.core.state import StateScope
from lamina.layers.recurrent import LSTM, RNN, LSTMCell, fused_lstm
from tests.layers.recurrent.parity import assert_close

RNG = np.random.default_rng(3)
X = RNG.normal(size=(3, 7, 5)).astype("float32")
H0, C0 = RNG.normal(size=(2, 3, 4)).astype("float32")
MASK = np.ones((3, 7), bool)
MASK[0, 5:] = False  # right padding
MASK[1, :3] = False  # left padding
MASK[2, 3] = False  # a hole


def twins(**kwargs):
    """An LSTM (fused loop) and an RNN over an LSTMCell (scanned cell) with the same weights."""
    cell_kwargs = {k: kwargs.pop(k) for k in ("use_bias",) if k in kwargs}
    fused = LSTM(4, **kwargs, **cell_kwargs)
    scanned = RNN(LSTMCell(4, **cell_kwargs), **kwargs)
    fused(X)
    scanned(X)
    for v in fused.weights:  # weights away from initial values, so every gate matters
        v.assign(RNG.normal(size=v.shape).astype("float32") * 0.5)
    scanned.set_weights(fused.get_weights())
    return fused, scanned


def loss_and_grads(layer, mask, with_state):
    """A random projection of every output, and its gradients with respect to the trainable
    weights, the inputs and the initial states."""
    variables = layer.trainable_variables

    def loss(values, x, h0, c0):
        with StateScope(dict(zip(variables, values))):
            out = layer(x, mask=mask, initial_state=[h0, c0] if with_state else None)
        leaves = jax.tree_util.tree_leaves(out)
        r = [jnp.asarray(np.random.default_rng(i).normal(size=np.shape(t)), "float32")
             for i, t in enumerate(leaves)]
        return sum(jnp.sum(t * w) for t, w in zip(leaves, r))

    return jax.value_and_grad(loss, argnums=(0, 1, 2, 3))(
        [v.value for v in variables], jnp.asarray(X), jnp.asarray(H0), jnp.asarray(C0))


@pytest.mark.parametrize("kwargs, masked", [
    ({}, False),
    ({"return_sequences": True, "return_state": True}, False),
    ({"return_sequences": True, "return_state": True}, True),
    ({"return_sequences": True, "go_backwards": True, "return_state": True}, True),
    ({"return_sequences": True, "zero_output_for_mask": True}, True),
    ({"use_bias": False, "return_state": True}, True),
])
def test_fused_loop_equals_the_scanned_cell(kwargs, masked):
    fused, scanned = twins(**kwargs)
    mask = MASK if masked else None
    assert fused_lstm.usable(fused, jnp.asarray(X))
    assert_close(fused(X, mask=mask), scanned(X, mask=mask))
    for with_state in (False, True):
        (a, grads_a), (b, grads_b) = (loss_and_grads(layer, mask, with_state)
                                      for layer in (fused, scanned))
        assert_close(a, b, atol=1e-4)
        assert_close(grads_a, grads_b, atol=1e-4, rtol=1e-4)
        assert float(np.abs(np.asarray(grads_a[0][1])).max()) > 1e-3  # recurrent kernel


def test_fused_gradient_matches_finite_differences():
    fused, _ = twins(return_sequences=True)
    x = jnp.asarray(X, "float32")
    direction = jnp.asarray(RNG.normal(size=X.shape), "float32")
    r = jnp.asarray(RNG.normal(size=(3, 7, 4)), "float32")

    def loss(t):
        return jnp.sum(fused(x + t * direction, mask=MASK) * r)

    grad = jax.grad(lambda x: jnp.sum(fused(x, mask=MASK) * r))(x)
    eps = 1e-2
    numeric = (loss(eps) - loss(-eps)) / (2 * eps)
    np.testing.assert_allclose(float(jnp.sum(grad * direction)), float(numeric), rtol=2e-3)


def test_dropout_masks_reach_the_fused_loop():
    layer = LSTM(4, dropout=0.5, seed=1)
    a = layer(X, training=True)
    assert not np.allclose(a, layer(X, training=False))
    assert fused_lstm.usable(layer, jnp.asarray(X))


@pytest.mark.parametrize("kwargs", [
    {"recurrent_dropout": 0.2},
    {"activation": "relu"},
    {"recurrent_activation": "hard_sigmoid"},
    {"unroll": True},
    {"dtype": "bfloat16"},
])
def test_other_lstms_keep_the_scanned_cell(kwargs):
    layer = LSTM(4, **kwargs)
    layer(X)
    assert not fused_lstm.usable(layer, jnp.asarray(X, layer.compute_dtype))
