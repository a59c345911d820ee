"""``ops.rearrange``: einops-style axis reordering, splitting and merging.

>>> import jax.numpy as jnp
>>> rearrange(jnp.zeros((2, 6, 3)), "b (h w) c -> b c h w", h=2).shape
(2, 3, 2, 3)
"""

from __future__ import annotations

import math
import re

import jax.numpy as jnp

from lamina.ops.dispatch import op


def _groups(side):
    """``"b (h w) c"`` -> ``[["b"], ["h", "w"], ["c"]]``."""
    groups = []
    for token in re.findall(r"\([^)]*\)|\S+", side):
        if token == "..." or "..." in token:
            raise NotImplementedError("ops.rearrange: '...' in patterns is not supported.")
        groups.append(token.strip("()").split() if token.startswith("(") else [token])
    return groups


@op
def rearrange(tensor, pattern, **axes_lengths):
    """Rearranges the axes of ``tensor`` as ``pattern`` (``"in -> out"``, einops notation) says.

    Parenthesized groups on the left split an axis (give all but one length as keywords); on
    the right they merge axes.
    """
    tensor = jnp.asarray(tensor)
    left, arrow, right = pattern.partition("->")
    if not arrow:
        raise ValueError(f"ops.rearrange: the pattern needs '->'; received {pattern!r}.")
    inputs, outputs = _groups(left), _groups(right)
    if len(inputs) != tensor.ndim:
        raise ValueError(f"ops.rearrange: pattern {left.strip()!r} names {len(inputs)} axes but the "
                         f"tensor has shape {tensor.shape}.")
    sizes = dict(axes_lengths)
    for group, size in zip(inputs, tensor.shape):
        unknown = [name for name in group if name not in sizes]
        known = math.prod(sizes[name] for name in group if name in sizes)
        if len(unknown) > 1:
            raise ValueError(f"ops.rearrange: give the lengths of all but one of {group}.")
        if unknown:
            sizes[unknown[0]] = size // known
        elif known != size:
            raise ValueError(f"ops.rearrange: axes {group} multiply to {known}, not {size}.")
    flat_in = [name for group in inputs for name in group]
    flat_out = [name for group in outputs for name in group]
    if sorted(flat_in) != sorted(flat_out):
        raise ValueError(f"ops.rearrange: both sides must name the same axes; received {pattern!r}.")
    elementary = jnp.reshape(tensor, [sizes[name] for name in flat_in])
    moved = jnp.transpose(elementary, [flat_in.index(name) for name in flat_out])
    return jnp.reshape(moved, [math.prod(sizes[name] for name in group) for group in outputs])


__all__ = ["rearrange"]
