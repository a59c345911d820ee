"""lamina.ops against keras.ops: every name resolves, and each op gives Keras's numbers."""

import inspect
import zlib

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.core.state import StateScope
from tests.ops.cases import CASES

SUBMODULES = ("numpy", "nn", "linalg", "image")


def keras_names(module):
    return sorted(n for n in dir(module) if not n.startswith("_")
                  and callable(getattr(module, n)) and not inspect.ismodule(getattr(module, n)))


def resolve(root, dotted):
    for part in dotted.split("."):
        root = getattr(root, part)
    return root


def assert_same(got, want, label):
    got_leaves, want_leaves = jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)
    assert len(got_leaves) == len(want_leaves), f"{label}: {got!r} vs {want!r}"
    for g, w in zip(got_leaves, want_leaves):
        if isinstance(w, str):
            assert g == w, label
            continue
        g, w = np.asarray(g), np.asarray(w)
        assert g.shape == w.shape, f"{label}: shape {g.shape} vs Keras {w.shape}"
        assert g.dtype == w.dtype, f"{label}: dtype {g.dtype} vs Keras {w.dtype}"
        if np.issubdtype(w.dtype, np.inexact):
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5, err_msg=label)
        else:
            np.testing.assert_array_equal(g, w, err_msg=label)


def test_every_keras_op_resolves():
    missing = [n for n in keras_names(keras.ops) if not callable(getattr(ops, n, None))]
    for sub in SUBMODULES:
        missing += [f"{sub}.{n}" for n in keras_names(getattr(keras.ops, sub))
                    if not callable(getattr(getattr(ops, sub), n, None))]
    assert not missing


def test_parity_table_covers_most_ops():
    names = set(keras_names(keras.ops)) | {f"image.{n}" for n in keras_names(keras.ops.image)}
    checked = {key.split("#")[0] for key in CASES}
    assert checked <= names, checked - names
    # checked elsewhere in this file: decorators (custom_gradient, vectorize) and the random op
    assert sorted(names - checked) == ["custom_gradient", "image.elastic_transform", "vectorize"]


def case_inputs(key):
    args, kwargs = CASES[key](np.random.default_rng(zlib.crc32(key.encode())))
    leaves, tree = jax.tree_util.tree_flatten((args, kwargs))
    traced = [i for i, leaf in enumerate(leaves) if isinstance(leaf, np.ndarray)]
    return leaves, tree, traced


def call_case(root, key, leaves, tree, traced, values):
    filled = list(leaves)
    for i, value in zip(traced, values):
        filled[i] = value
    args, kwargs = jax.tree_util.tree_unflatten(tree, filled)
    return resolve(root, key.split("#")[0])(*args, **kwargs)


@pytest.fixture(scope="module")
def compiled_outcomes():
    """Every case through Keras and lamina inside ONE compiled function.

    lamina receives each array argument as a Variable bound by a ``StateScope``, so every op is
    also checked to read Variables the way a compiled training step binds them.

    One XLA compilation instead of ~900 (one per case and library, or one per primitive in eager
    mode) keeps this file fast. Cases Keras cannot compile (data-dependent shapes, host values)
    are left out and compared eagerly; a lamina op that fails to compile where Keras's compiles
    fails its case.
    """
    cases = {key: case_inputs(key) for key in sorted(CASES)}
    eager, errors = set(), {}
    # lamina sees its array arguments as Variables bound to the traced values, as in a step
    variables = {key: [lamina.Variable(leaves[i]) for i in traced]
                 for key, (leaves, tree, traced) in cases.items()}

    def run(values):
        out = {}
        for key, (leaves, tree, traced) in cases.items():
            try:
                want = call_case(keras.ops, key, leaves, tree, traced, values[key])
            except Exception:
                eager.add(key)
                continue
            if not all(isinstance(leaf, jax.Array) for leaf in jax.tree_util.tree_leaves(want)):
                eager.add(key)  # host values (shapes, dtype names) cannot leave a compiled function
                continue
            boxes = variables[key]
            try:
                with StateScope(dict(zip(boxes, values[key]))):
                    out[key] = (call_case(ops, key, leaves, tree, traced, boxes), want)
            except Exception as error:  # reported by the case's own test
                errors[key] = error
        return out

    values = {key: [leaves[i] for i in traced] for key, (leaves, tree, traced) in cases.items()}
    previous = jax.config.read("jax_disable_most_optimizations")
    jax.config.update("jax_disable_most_optimizations", True)  # compile time dominates here
    try:
        outcomes = jax.jit(run)(values)
    finally:
        jax.config.update("jax_disable_most_optimizations", previous)
    return outcomes, eager, errors


@pytest.mark.parametrize("key", sorted(CASES))
def test_matches_keras(key, compiled_outcomes):
    """Same numbers as Keras: compiled wherever Keras's op compiles, eagerly otherwise."""
    outcomes, eager, errors = compiled_outcomes
    if key in errors:
        raise errors[key]
    if key in eager:
        leaves, tree, traced = case_inputs(key)
        inputs = [leaves[i] for i in traced]
        got, want = (call_case(root, key, leaves, tree, traced, inputs) for root in (ops, keras.ops))
    else:
        got, want = outcomes[key]
    assert_same(got, want, key)
