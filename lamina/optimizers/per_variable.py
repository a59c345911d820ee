"""``per_variable``: an optax transformation from an update rule written for one variable."""

import jax
import optax


def per_variable(init_slots, update_one, with_params=False):
    """An optax transformation that applies ``update_one`` to each parameter on its own.

    ``init_slots(param) -> slots`` and ``update_one(grad, slots) -> (update, new_slots)``, or
    ``update_one(grad, slots, param)`` with ``with_params=True`` (rules that look at the weights,
    like Lamb's trust ratio). The state holds one ``slots`` entry per parameter, in the
    parameters' structure: for a list of variables, a list, which lets an optimizer update any
    subset of them and name each slot after its variable.

    >>> import jax.numpy as jnp
    >>> tx = per_variable(lambda p: jnp.zeros_like(p), lambda g, s: (-g, s + g))
    >>> updates, state = tx.update([jnp.ones(2)], tx.init([jnp.zeros(2)]))
    >>> updates[0].tolist(), state[0].tolist()
    ([-1.0, -1.0], [1.0, 1.0])
    """

    def init(params):
        return jax.tree.map(init_slots, params)

    def update(grads, state, params=None):
        treedef = jax.tree.structure(grads)
        trees = (grads, state, params) if with_params else (grads, state)
        pairs = treedef.flatten_up_to(jax.tree.map(update_one, *trees))
        return treedef.unflatten([u for u, _ in pairs]), treedef.unflatten([s for _, s in pairs])

    return optax.GradientTransformation(init, update)
