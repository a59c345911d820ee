"""Parity checks for recurrent layers: same weights in lamina and Keras, then the outputs and
the gradients with respect to the inputs (and weights) must agree."""

import jax
import jax.numpy as jnp
import numpy as np

import lamina

ATOL = RTOL = 1e-5


def as_tuple(out):
    return tuple(out) if isinstance(out, (list, tuple)) else (out,)


def assert_close(a, b, atol=ATOL, rtol=RTOL):
    a, b = jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)
    assert len(a) == len(b), (len(a), len(b))
    for x, y in zip(a, b):
        assert np.shape(x) == np.shape(y), (np.shape(x), np.shape(y))
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), atol=atol, rtol=rtol)


def twin(ours, theirs, x, **call):
    """Builds both layers on ``x`` and copies our weights into Keras's (shapes must match)."""
    ours(x, **call)
    theirs(x, **call)
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape)
                                                     for w in theirs.get_weights()]
    theirs.set_weights(ours.get_weights())
    return ours, theirs


def assert_parity(ours, theirs, x, grads=True, **call):
    """Outputs (all of them, with ``return_state``) and input gradients agree with Keras."""
    twin(ours, theirs, x, **call)
    a, b = as_tuple(ours(x, **call)), as_tuple(theirs(x, **call))
    assert_close(a, b)
    assert float(np.abs(np.asarray(a[0])).max()) > 1e-3  # not a vacuous all-zero comparison
    if grads:
        leaves = jax.tree_util.tree_leaves(a)
        r = [np.random.default_rng(1).normal(size=np.shape(t)).astype("float32") for t in leaves]

        def loss(layer):
            return lambda x: sum(jnp.sum(t * w) for t, w in
                                 zip(jax.tree_util.tree_leaves(layer(x, **call)), r))

        assert_close(jax.grad(loss(ours))(jnp.asarray(x)), jax.grad(loss(theirs))(jnp.asarray(x)))
    return a, b


def assert_weight_gradients_match(ours, theirs, x, **call):
    """Gradients of the same loss with respect to every trainable weight agree with Keras."""
    twin(ours, theirs, x, **call)
    r = np.random.default_rng(2).normal(size=np.shape(as_tuple(ours(x, **call))[0]))
    _, ours_grads = lamina.value_and_grad(
        lambda: jnp.sum(as_tuple(ours(x, **call))[0] * r), ours.trainable_variables)()
    trainable = [v.value for v in theirs.trainable_variables]
    frozen = [v.value for v in theirs.non_trainable_variables]

    def keras_loss(values):
        out, _ = theirs.stateless_call(values, frozen, x, **call)
        return jnp.sum(as_tuple(out)[0] * r)

    assert_close(ours_grads, jax.grad(keras_loss)(trainable), atol=1e-5, rtol=1e-4)
