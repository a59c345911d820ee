"""Gradient clipping as Keras does it: per-tensor norm, global norm, or value."""

import jax.numpy as jnp


def clip_gradients(grads, clipnorm=None, clipvalue=None, global_clipnorm=None):
    """``grads`` clipped by whichever of the three limits is set (at most one is).

    >>> clip_gradients([jnp.array([3.0, 4.0])], clipnorm=1.0)[0].tolist()
    [0.6000000238418579, 0.800000011920929]
    >>> clip_gradients([jnp.array([3.0]), jnp.array([4.0])], global_clipnorm=10.0)[1].tolist()
    [4.0]
    """
    if clipnorm:
        return [g * (clipnorm / jnp.maximum(_norm(g), clipnorm)) for g in grads]
    if global_clipnorm:
        norm = jnp.sqrt(sum(jnp.sum(jnp.square(g)) for g in grads))
        # `norm - norm` turns a non-finite norm into NaN updates, as in Keras, not into zeros.
        scale = global_clipnorm / jnp.maximum(norm, global_clipnorm) + (norm - norm)
        return [g * scale for g in grads]
    if clipvalue:
        return [jnp.clip(g, -clipvalue, clipvalue) for g in grads]
    return grads


def _norm(x):
    return jnp.sqrt(jnp.sum(jnp.square(x)))
