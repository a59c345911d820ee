"""lamina.ops beyond forward values: gradients against Keras, Variables, errors, the ops Keras gets wrong."""

import zlib

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest
from jax.test_util import check_grads

import lamina
from lamina import ops
from lamina.core.symbolic import SymbolicTensor
from lamina.ops import dispatch
from tests.ops.cases import CASES
from tests.ops.test_ops import resolve

# ops whose gradients (with respect to every float array argument) must equal Keras's
GRADIENT_CASES = [
    "conv#same", "conv#groups_first", "depthwise_conv", "separable_conv", "conv_transpose#same",
    "max_pool", "max_pool#same", "average_pool#same", "average_pool#odd", "adaptive_average_pool",
    "adaptive_max_pool", "unfold", "fold", "layer_normalization", "rms_normalization", "normalize",
    "batch_normalization", "softmax#axes", "log_softmax", "binary_crossentropy#logits",
    "categorical_crossentropy", "sparse_categorical_crossentropy#logits", "ctc_loss", "stft",
    "dot_product_attention#causal", "logsumexp", "segment_max", "image.resize", "image.affine_transform",
    "image.ssim", "gelu", "glu", "moments", "cdist",
]


def _float_positions(leaves):
    return [i for i, leaf in enumerate(leaves) if isinstance(leaf, np.ndarray)
            and np.issubdtype(leaf.dtype, np.floating)]


@pytest.fixture(scope="module")
def gradients():
    """``{key: (lamina_grads, keras_grads)}``, all computed in one compiled function."""
    cases = {}
    for key in GRADIENT_CASES:
        args, kwargs = CASES[key](np.random.default_rng(zlib.crc32(key.encode())))
        leaves, tree = jax.tree_util.tree_flatten((args, kwargs))
        cases[key] = (leaves, tree, _float_positions(leaves))

    def grads(root, key, values):
        leaves, tree, floats = cases[key]

        def loss(*xs):
            filled = list(leaves)
            for i, x in zip(floats, xs):
                filled[i] = x
            a, k = jax.tree_util.tree_unflatten(tree, filled)
            out = jax.tree_util.tree_leaves(resolve(root, key.split("#")[0])(*a, **k))
            # a fixed, uneven weighting so that every output element matters
            return sum(jnp.sum(o * jnp.cos(jnp.arange(o.size).reshape(o.shape))) for o in out)

        return jax.grad(loss, argnums=tuple(range(len(floats))))(*values)

    def run(values):
        return {key: (grads(ops, key, values[key]), grads(keras.ops, key, values[key]))
                for key in cases}

    values = {key: [leaves[i] for i in floats] for key, (leaves, _, floats) in cases.items()}
    previous = jax.config.read("jax_disable_most_optimizations")
    jax.config.update("jax_disable_most_optimizations", True)
    try:
        return jax.jit(run)(values)
    finally:
        jax.config.update("jax_disable_most_optimizations", previous)


@pytest.mark.parametrize("key", GRADIENT_CASES)
def test_gradients_match_keras(key, gradients):
    got, want = gradients[key]
    if key == "image.affine_transform":  # Keras's JAX code misuses c0, c1 (see test below)
        got, want = ((g[0], g[1][:, :6]) for g in (got, want))
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-4, atol=1e-5, err_msg=key)


# -- Variables ------------------------------------------------------------------------------------
def test_ops_read_variables_eagerly():
    v = lamina.Variable(np.arange(6.0, dtype="float32").reshape(2, 3))
    assert float(ops.sum(v)) == 15.0
    assert ops.concatenate([v, np.zeros((1, 3), "float32")]).shape == (3, 3)
    np.testing.assert_allclose(ops.matmul(v, ops.transpose(v)), v.numpy() @ v.numpy().T)
    assert ops.shape(v) == (2, 3) and ops.dtype(v) == "float32"
    assert ops.convert_to_numpy(v).tolist() == v.numpy().tolist()
    assert ops.cast(v, "int32").dtype == jnp.int32
    carry, _ = ops.scan(lambda c, x: (c + x, x), lamina.Variable(np.zeros(3, "float32")), v)
    assert carry.tolist() == [3.0, 5.0, 7.0]
    image = lamina.Variable(np.ones((1, 4, 4, 1), "float32"))
    assert ops.image.resize(image, (2, 2)).shape == (1, 2, 2, 1)


def test_ops_inside_jit_read_the_value_bound_by_the_state_scope():
    v = lamina.Variable(np.zeros(3, "float32"))

    @jax.jit
    def step(value):
        with lamina.StateScope({v: value}):
            return ops.add(v, 1.0), ops.stack([v, v]), ops.nn.relu(v)

    added, stacked, relu = step(jnp.array([1.0, -2.0, 3.0]))
    assert added.tolist() == [2.0, -1.0, 4.0]
    assert stacked.shape == (2, 3)
    assert relu.tolist() == [1.0, 0.0, 3.0]


# -- argument handling and errors -----------------------------------------------------------------
def test_mapped_ops_take_keras_argument_names_positionally_and_by_keyword():
    x = np.arange(6.0, dtype="float32").reshape(2, 3)
    assert ops.mean(x, 1, True).shape == (2, 1)  # keepdims is jnp.mean's 4th parameter
    assert ops.reshape(x, newshape=(3, 2)).shape == (3, 2)
    assert ops.where(x > 2, x1=x, x2=0.0).tolist() == [[0.0, 0.0, 0.0], [3.0, 4.0, 5.0]]
    with pytest.raises(TypeError, match=r"ops.mean\(\) got unexpected keyword arguments \['axes'\]"):
        ops.mean(x, axes=0)
    with pytest.raises(TypeError, match=r"at most 3 positional arguments"):
        ops.mean(x, 0, True, 1)
    with pytest.raises(TypeError, match=r"multiple values for \['axis'\]"):
        ops.mean(x, 0, axis=1)
    with pytest.raises(TypeError, match=r"multiple values for \['x'\]"):
        ops.mean(x, x=x)


def test_symbolic_inputs_need_the_functional_handler(monkeypatch):
    placeholder = SymbolicTensor((None, 3))
    monkeypatch.setattr(dispatch, "symbolic_handler", None)  # before lamina.Input registers it
    with pytest.raises(TypeError, match="functional models"):
        ops.relu(placeholder)
    seen = []
    monkeypatch.setattr(dispatch, "symbolic_handler", lambda fn, a, k: seen.append((fn, a, k)) or "node")
    assert ops.add(placeholder, 1.0) == "node"
    assert seen[0][0] is ops.add and seen[0][1] == (placeholder, 1.0)


@pytest.mark.parametrize("call, message", [
    (lambda: ops.ctc_decode(np.zeros((1, 4, 3), "float32"), np.array([4]), strategy="beam_search"),
     "beam_search"),
    (lambda: ops.one_hot(np.array([1]), 3, sparse=True), "sparse"),
    (lambda: ops.multi_hot(np.array([1]), 3, sparse=True), "sparse"),
    (lambda: ops.bincount(np.array([1]), sparse=True), "sparse"),
    (lambda: ops.convert_to_tensor([1.0], sparse=True), "sparse"),
    (lambda: ops.rearrange(np.zeros((2, 3)), "b ... -> ... b"), r"'\.\.\.'"),
    (lambda: ops.moments(np.zeros(3), 0, synchronized=True), "synchronized"),
])
def test_unsupported_arguments_raise_not_implemented(call, message):
    with pytest.raises(NotImplementedError, match=message):
        call()


def test_data_dependent_sizes_need_a_bound_inside_jit():
    ids = jnp.array([0, 0, 2])
    assert ops.segment_sum(jnp.ones(3), ids).tolist() == [2.0, 0.0, 1.0]  # eager: inferred
    with pytest.raises(ValueError, match="num_segments"):
        jax.jit(lambda i: ops.segment_sum(jnp.ones(3), i))(ids)
    with pytest.raises(ValueError, match="minlength"):
        jax.jit(ops.bincount)(ids)
    assert jax.jit(lambda i: ops.bincount(i, minlength=4))(ids).tolist() == [2, 0, 1, 0]


# -- ops checked against references other than Keras ----------------------------------------------
def test_sparsemax_projects_onto_the_simplex():
    """Keras's JAX sparsemax mishandles supports of more than one class; this one does not."""
    out = ops.sparsemax(jnp.array([[0.5, 0.2, -1.0], [1.0, 1.0, 1.0]]))
    np.testing.assert_allclose(out, [[0.65, 0.35, 0.0], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-6)
    x = jax.random.normal(jax.random.key(0), (4, 6)) * 0.5
    np.testing.assert_allclose(ops.sparsemax(x).sum(-1), 1.0, rtol=1e-6)
    check_grads(lambda v: ops.sparsemax(v, axis=0), (x,), order=1, modes=["rev"], eps=1e-3,
                atol=2e-2, rtol=2e-2)


def test_istft_inverts_stft_with_and_without_a_window():
    """Keras's istft with ``window=None`` is off by ``fft_length / sequence_stride``; ours inverts."""
    x = np.random.default_rng(0).normal(size=(2, 64)).astype("float32")
    for window in ("hann", None):
        spectrum = ops.stft(x, 16, 4, 16, window=window)
        back = ops.istft(spectrum, 16, 4, 16, window=window, length=64)
        np.testing.assert_allclose(back[:, 8:-8], x[:, 8:-8], atol=1e-5)


def test_custom_gradient_matches_keras():
    def clipped_identity(x):
        def grad(upstream):
            return jnp.clip(upstream, -0.5, 0.5)
        return x * 1.0, grad

    x = jnp.array([1.0, 2.0, 3.0])
    upstream = jnp.array([-2.0, 0.25, 2.0])
    for decorate in (ops.custom_gradient, keras.ops.custom_gradient):
        f = decorate(clipped_identity)
        _, vjp = jax.vjp(f, x)
        assert vjp(upstream)[0].tolist() == [-0.5, 0.25, 0.5]
    assert ops.custom_gradient(clipped_identity)(lamina.Variable(x)).tolist() == x.tolist()


def test_vectorize_matches_keras():
    x = np.random.default_rng(1).normal(size=(3, 4)).astype("float32")
    got = ops.vectorize(lambda row: jnp.max(row) - jnp.min(row), signature="(n)->()")(x)
    want = keras.ops.vectorize(lambda row: jnp.max(row) - jnp.min(row), signature="(n)->()")(x)
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_affine_transform_divides_by_the_projective_term():
    """``k = c0 x + c1 y + 1`` as Keras documents (Keras's JAX code scales channels by c0, c1)."""
    rows, cols = np.meshgrid(np.arange(6.0), np.arange(6.0), indexing="ij")
    image = (100 * rows + cols).astype("float32")[:, :, None]
    transform = np.array([1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.1, 0.0], "float32")
    out = ops.image.affine_transform(image, transform, interpolation="nearest")
    # output (x=3, y=2): k = 1.3, reads input (x=3/1.3, y=2/1.3) -> nearest (2, 2)
    assert float(out[2, 3, 0]) == 202.0


def test_elastic_transform():
    """Random like Keras's but drawn from lamina.random: checked for its properties, not numbers."""
    images = np.random.default_rng(2).uniform(size=(2, 9, 8, 3)).astype("float32")
    still = ops.image.elastic_transform(images, alpha=0.0, seed=3)
    np.testing.assert_allclose(still, images, atol=1e-6)
    moved = ops.image.elastic_transform(images, alpha=5.0, sigma=2.0, seed=3)
    assert moved.shape == images.shape and moved.dtype == images.dtype
    assert not np.allclose(moved, images)
    np.testing.assert_array_equal(moved, ops.image.elastic_transform(images, 5.0, 2.0, seed=3))
    first = ops.image.elastic_transform(images.transpose(0, 3, 1, 2), 5.0, 2.0, seed=3,
                                        data_format="channels_first")
    np.testing.assert_allclose(first, np.asarray(moved).transpose(0, 3, 1, 2), atol=1e-6)
