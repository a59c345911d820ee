"""The time loop every recurrent layer runs: one ``jax.lax.scan`` over time-major inputs.

A scan is traced once whatever the sequence length, so compile time does not grow with it;
``unroll=True`` asks XLA to unroll that same scan.

>>> import jax.numpy as jnp
>>> step = lambda x, states: (x + states[0], [x + states[0]])  # running sum
>>> last, outputs, states = scan_over_time(step, jnp.ones((4, 2, 1)), [jnp.zeros((2, 1))])
>>> last[:, 0].tolist(), outputs[:, 0, 0].tolist()
([4.0, 4.0], [1.0, 2.0, 3.0, 4.0])
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax


def previous_output(states):
    """What a masked step outputs (as in Keras): the first state, or for stacked cells the
    first state of the last cell."""
    first = states[0]
    if isinstance(first, (list, tuple)):
        first = states[-1][0]
    return first


def _where(keep, new, old):
    keep = keep.reshape(keep.shape + (1,) * (new.ndim - keep.ndim))
    return jnp.where(keep, new, old.astype(new.dtype))


def _like(structure, values):
    """``values`` rearranged into ``structure``'s tree, each leaf in its dtype (a scan carry
    must keep its exact structure and dtypes)."""
    leaves, treedef = jax.tree_util.tree_flatten(structure)
    new = jax.tree_util.tree_leaves(values)
    if len(new) != len(leaves):
        raise ValueError(f"a recurrent cell returned {len(new)} state tensors, expected "
                         f"{len(leaves)} (one per entry of its `state_size`).")
    return jax.tree_util.tree_unflatten(treedef, [n.astype(o.dtype) for n, o in zip(new, leaves)])


def scan_over_time(step, inputs, states, mask=None, go_backwards=False, unroll=False,
                   return_sequences=True, zero_output_for_mask=False):
    """Runs ``step(input_t, states) -> (output_t, new_states)`` over the leading (time) axis.

    Args:
        inputs: a time-major array (or tree of arrays) ``(time, batch, ...)``.
        states: the initial states (a list, possibly nested).
        mask: ``(time, batch)`` booleans; a masked step keeps the states and repeats the
            previous output (zeros with ``zero_output_for_mask``).
        go_backwards: process the last step first; outputs come in processing order.

    Returns:
        ``(last_output, outputs, final_states)``; ``outputs`` is ``(time, batch, ...)`` or
        ``None`` when not ``return_sequences``.
    """
    first = jax.tree_util.tree_map(lambda x: x[0], inputs)
    out_spec = jax.eval_shape(lambda x, s: step(x, s)[0], first, states)
    last = jnp.zeros(out_spec.shape, out_spec.dtype)

    def body(carry, xs):
        states, _ = carry
        x, keep = xs
        output, new_states = step(x, states)
        new_states = _like(states, new_states)
        if keep is not None:
            held = (jnp.zeros_like(output) if zero_output_for_mask
                    else previous_output(states))
            output = _where(keep, output, held)
            new_states = jax.tree_util.tree_map(lambda n, o: _where(keep, n, o),
                                                new_states, states)
        return (new_states, output), (output if return_sequences else None)

    (states, last), outputs = lax.scan(body, (states, last), (inputs, mask),
                                       reverse=go_backwards, unroll=bool(unroll) or 1)
    if return_sequences and go_backwards:
        outputs = jnp.flip(outputs, axis=0)
    return last, outputs, states
