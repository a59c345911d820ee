"""``keras.ops.linalg``: decompositions, solvers and norms over ``jax.numpy.linalg``.

>>> import jax.numpy as jnp
>>> float(det(jnp.array([[2.0, 0.0], [0.0, 3.0]])))
6.0
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl

from lamina.ops.dispatch import aliases, op

_TABLE = {
    "cholesky": (jnp.linalg.cholesky, "x | upper"),
    "det": (jnp.linalg.det, "x"),
    "eig": (jnp.linalg.eig, "x"),
    "eigh": (jnp.linalg.eigh, "x"),
    "inv": (jnp.linalg.inv, "x"),
    "norm": (jnp.linalg.norm, "x ord axis keepdims"),
    "qr": (jnp.linalg.qr, "x mode"),
    "solve": (jnp.linalg.solve, "a b"),
    "solve_triangular": (jsl.solve_triangular, "a b | lower"),
    "svd": (jnp.linalg.svd, "x full_matrices compute_uv"),
    "jvp": (jax.jvp, "fun primals tangents | has_aux"),
}
globals().update(aliases(_TABLE, __name__))


@op
def cholesky_inverse(x, upper=False):
    """The inverse of ``A`` from its Cholesky factor ``x`` (lower, or upper when ``upper``)."""
    x = jnp.asarray(x)
    inv_factor = jsl.solve_triangular(x, jnp.eye(x.shape[-1], dtype=x.dtype), lower=not upper)
    if upper:
        return inv_factor @ jnp.swapaxes(inv_factor, -1, -2)
    return jnp.swapaxes(inv_factor, -1, -2) @ inv_factor


@op
def lu_factor(x):
    """``(lu, pivots)`` of (batches of) square matrices, as ``scipy.linalg.lu_factor``."""
    x = jnp.asarray(x)
    factor = jsl.lu_factor
    for _ in range(x.ndim - 2):
        factor = jax.vmap(factor)
    return factor(x)


@op
def lstsq(a, b, rcond=None):
    """The least-squares solution ``x`` of ``a @ x = b``."""
    return jnp.linalg.lstsq(a, b, rcond=rcond)[0]


def _at_least_matrix(x, name):
    x = jnp.asarray(x)
    if x.ndim < 2:
        raise ValueError(f"ops.{name} expects a tensor of rank >= 2; received shape {x.shape}.")
    return x


@op
def matrix_rank(x, tol=None):
    """The numerical rank of (batches of) matrices, as int32."""
    return jnp.linalg.matrix_rank(_at_least_matrix(x, "matrix_rank"), tol).astype("int32")


@op
def pinv(x, rcond=None):
    """The Moore-Penrose pseudo-inverse; singular values below ``rcond * max`` are dropped."""
    return jnp.linalg.pinv(_at_least_matrix(x, "pinv"), rtol=rcond)


__all__ = sorted([*_TABLE, "cholesky_inverse", "lu_factor", "lstsq", "matrix_rank", "pinv"])
