"""Gradient accumulation: apply an update only every n-th step, with the mean gradient."""

import jax.numpy as jnp


def accumulate(grads, accumulators, step, steps, update, touched):
    """Adds ``grads`` to ``accumulators``; every ``steps``-th step runs ``update(mean_grads)``.

    ``step`` counts the calls before this one (an int array, possibly traced); the choice is made
    with ``jnp.where`` on it, never in Python, so one compiled step serves every call. ``update``
    always runs; on the other steps its writes to the ``touched`` Variables are undone and the
    accumulators keep the running sum (as Keras does on JAX).

    >>> from lamina.core.variable import Variable
    >>> w, acc = Variable(jnp.zeros(1)), Variable(jnp.zeros(1))
    >>> def sgd(mean_grads):
    ...     w.assign(w.value - mean_grads[0])
    >>> for step, g in enumerate([1.0, 3.0, 5.0]):
    ...     accumulate([jnp.full(1, g)], [acc], jnp.asarray(step), 2, sgd, [w])
    >>> w.numpy().tolist(), acc.numpy().tolist()  # one step with (1 + 3) / 2; 5 waits
    ([-2.0], [5.0])
    """
    is_update = (step + 1) % steps == 0
    sums = [g + a.value for g, a in zip(grads, accumulators)]
    before = [v.value for v in touched]
    update([s / steps for s in sums])
    for var, old in zip(touched, before):
        var.assign(jnp.where(is_update, var.value, old))
    for acc, total in zip(accumulators, sums):
        acc.assign(jnp.where(is_update, jnp.zeros_like(total), total))


def check_accumulation_steps(owner, steps):
    """Keras's check: ``None`` (or 0) turns accumulation off; otherwise at least 2 steps."""
    if steps and not steps >= 2:
        raise ValueError(f"{owner}: `gradient_accumulation_steps` must be an integer >= 2. "
                         f"Received: gradient_accumulation_steps={steps}")
