"""``value_and_grad`` over Variables: differentiate stateful code the tf.keras way."""

import jax

from lamina.core.state import StateScope
from lamina.core.variable import Variable


def value_and_grad(fn, variables, has_aux=False):
    """Returns ``f(*args) -> (value, grads)``: ``fn``'s value and its gradients with respect to
    ``variables`` (a list of Variables), evaluated at their current values.

    Assignments made inside ``fn`` (BatchNorm statistics, random-seed state) are kept, as if
    ``fn`` had run normally. Works eagerly and inside a compiled training step.

    >>> import jax.numpy as jnp
    >>> w = Variable(jnp.array([1.0, 2.0]))
    >>> loss, grads = value_and_grad(lambda: (w.value ** 2).sum(), [w])()
    >>> float(loss), grads[0].tolist()
    (5.0, [2.0, 4.0])
    """
    variables = list(variables)
    for v in variables:
        if not isinstance(v, Variable):
            raise TypeError(f"value_and_grad: expected a list of Variables, received {type(v).__name__}.")

    def wrapped(*args, **kwargs):
        written = []

        def inner(values):
            with StateScope(dict(zip(variables, values))) as scope:
                out = fn(*args, **kwargs)
            value, aux = out if has_aux else (out, None)
            written[:] = scope.written()
            return value, (aux, [scope.get(v) for v in written])

        (value, (aux, new_values)), grads = jax.value_and_grad(inner, has_aux=True)(
            [v.value for v in variables])
        for v, new in zip(written, new_values):
            v.assign(new)
        return ((value, aux) if has_aux else value), grads

    return wrapped
