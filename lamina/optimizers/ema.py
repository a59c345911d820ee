"""Exponential moving average (EMA) of the weights, kept in optimizer Variables."""

import jax.numpy as jnp


def update_averages(variables, averages, step, momentum, overwrite_frequency=None):
    """``average = m * average + (1 - m) * variable`` for each pair (Keras's ``use_ema``).

    ``m`` is ``momentum``, except 0 on step 0 so that the average starts at the weights. With
    ``overwrite_frequency``, every that many steps the weights are replaced by their averages.
    ``step`` counts the steps before this one and may be traced.

    >>> from lamina.core.variable import Variable
    >>> w, avg = Variable(jnp.ones(1)), Variable(jnp.zeros(1))
    >>> update_averages([w], [avg], jnp.asarray(0), 0.9)
    >>> w.assign(jnp.full(1, 11.0))
    >>> update_averages([w], [avg], jnp.asarray(1), 0.9)
    >>> round(float(avg.numpy()[0]), 5)  # 0.9 * 1 + 0.1 * 11
    2.0
    """
    m = jnp.where(step != 0, momentum, 0.0)
    for var, average in zip(variables, averages):
        value = var.value
        average.assign(m.astype(value.dtype) * average.value + (1 - m.astype(value.dtype)) * value)
    if overwrite_frequency:
        overwrite = (step + 1) % overwrite_frequency == 0
        for var, average in zip(variables, averages):
            var.assign(jnp.where(overwrite, average.value, var.value))


def check_ema_options(owner, momentum, overwrite_frequency):
    """Keras's checks of ``ema_momentum`` and ``ema_overwrite_frequency``."""
    if not 0 <= momentum <= 1:
        raise ValueError(f"{owner}: `ema_momentum` must be in the range [0, 1]. "
                         f"Received: ema_momentum={momentum}")
    if overwrite_frequency and (not isinstance(overwrite_frequency, int)
                                or overwrite_frequency < 1):
        raise ValueError(f"{owner}: `ema_overwrite_frequency` must be an integer >= 1 or None. "
                         f"Received: ema_overwrite_frequency={overwrite_frequency}")
