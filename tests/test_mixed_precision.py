"""Mixed precision: policies, float32 weights read in the compute dtype, parity with Keras."""

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

import lamina
from lamina import mixed_precision, optimizers
from lamina.layers import Dense


@pytest.fixture(autouse=True)
def reset_policies():
    yield
    mixed_precision.set_global_policy("float32")
    keras.config.set_dtype_policy("float32")


def set_both(name):
    mixed_precision.set_global_policy(name)
    keras.config.set_dtype_policy(name)


def dense_pair(rng, units=4, features=6, **kwargs):
    """A lamina and a Keras Dense with the same float32 weights."""
    ours, theirs = Dense(units, **kwargs), keras.layers.Dense(units, **kwargs)
    theirs.build((None, features))
    ours(np.zeros((1, features), "float32"))  # builds
    weights = [rng.normal(size=w.shape).astype("float32") for w in theirs.weights]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    return ours, theirs


@pytest.mark.parametrize("policy,compute", [("mixed_bfloat16", "bfloat16"),
                                            ("mixed_float16", "float16")])
def test_dense_computes_in_low_precision_with_float32_weights(policy, compute, rng):
    set_both(policy)
    ours, theirs = dense_pair(rng, activation="relu")
    assert (ours.compute_dtype, ours.variable_dtype, ours.dtype) == (compute, "float32", "float32")
    assert ours.dtype_policy.name == policy and ours.kernel.dtype == jnp.float32
    x = rng.normal(size=(5, 6)).astype("float32")
    y = ours(x)
    assert y.dtype == jnp.dtype(compute)
    expected = np.asarray(theirs(x))
    assert expected.dtype == np.dtype(jnp.dtype(compute))
    np.testing.assert_array_equal(np.asarray(y, np.float32), expected.astype(np.float32))
    # The same numbers as computing the float32 way would differ: the cast really happens.
    full = np.maximum(x @ ours.kernel.numpy() + ours.bias.numpy(), 0)
    assert not np.allclose(full, np.asarray(y, np.float32), rtol=1e-6, atol=1e-6)


def test_gradients_reach_float32_weights_through_the_cast(rng):
    """Keras's stateless_call skips autocasting (it computes in float32), so the reference is
    the bfloat16 computation written out in JAX."""
    mixed_precision.set_global_policy("mixed_bfloat16")
    layer = Dense(4)
    layer(np.zeros((1, 6), "float32"))
    x = rng.normal(size=(5, 6)).astype("float32")

    def our_loss():
        return jnp.sum(jnp.square(layer(x).astype(jnp.float32)))

    loss, grads = lamina.value_and_grad(our_loss, layer.trainable_variables)()

    def reference(kernel, bias):
        bf16 = jnp.bfloat16
        out = x.astype(bf16) @ kernel.astype(bf16) + bias.astype(bf16)
        return jnp.sum(jnp.square(out.astype(jnp.float32)))

    expected_loss, expected = jax.value_and_grad(reference, argnums=(0, 1))(
        layer.kernel.value, layer.bias.value)
    assert [g.dtype for g in grads] == [jnp.float32, jnp.float32]
    assert float(loss) == float(expected_loss)
    for a, b in zip(grads, expected):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_sequential_model_matches_keras(rng):
    set_both("mixed_bfloat16")
    ours = lamina.Sequential([lamina.Input((6,)), Dense(8, activation="tanh"), Dense(3)])
    theirs = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="tanh"),
                               keras.layers.Dense(3)])
    ours.set_weights([w.numpy() for w in theirs.weights])
    x = rng.normal(size=(7, 6)).astype("float32")
    y = ours(x)
    assert y.dtype == jnp.bfloat16
    np.testing.assert_array_equal(np.asarray(y, np.float32),
                                  np.asarray(theirs(x)).astype(np.float32))
    assert all(w.dtype == np.float32 for w in ours.get_weights())


class Probe(lamina.Layer):
    """Records the dtypes its weights are read in."""

    def build(self, input_shape):
        self.w = self.add_weight((input_shape[-1],), "ones")
        self.kept = self.add_weight((input_shape[-1],), "ones", autocast=False)

    def call(self, x):
        self.seen = (self.w.value.dtype.name, self.kept.value.dtype.name, x.dtype.name)
        return x * self.w


class Outer(lamina.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.inner = Probe(dtype="float32")

    def call(self, x):
        return self.inner(x * 2)


def test_autocast_rules_follow_keras():
    mixed_precision.set_global_policy("mixed_bfloat16")
    probe = Probe()
    probe(jnp.ones((2, 3)))
    assert probe.seen == ("bfloat16", "float32", "bfloat16")
    assert probe.w.value.dtype == jnp.float32  # outside the call: as stored
    outer = Outer()
    outer(jnp.ones((2, 3)))
    # A float32 layer inside a mixed one computes and reads its weights in float32 again.
    assert outer.inner.seen == ("float32", "float32", "float32")
    explicit = Probe(dtype="float32")
    explicit(jnp.ones((2, 3)))
    assert explicit.seen == ("float32", "float32", "float32")


def test_layer_config_keeps_the_policy():
    layer = Dense(3, dtype="mixed_float16")
    config = layer.get_config()
    assert config["dtype"] == "mixed_float16"
    again = Dense.from_config(config)
    assert again.dtype_policy == mixed_precision.DTypePolicy("mixed_float16")
    keras_config = keras.layers.Dense(3, dtype="mixed_float16").get_config()["dtype"]
    assert mixed_precision.get(keras_config).name == "mixed_float16"


def test_policy_objects_and_global_policy():
    assert mixed_precision.global_policy().name == "float32"
    assert mixed_precision.Policy is mixed_precision.DTypePolicy
    policy = mixed_precision.DTypePolicy("mixed_float16")
    assert repr(policy) == repr(keras.mixed_precision.DTypePolicy("mixed_float16"))
    assert (policy.compute_dtype, policy.variable_dtype) == ("float16", "float32")
    assert mixed_precision.DTypePolicy("float64").compute_dtype == "float64"
    mixed_precision.set_global_policy(policy)
    assert mixed_precision.global_policy() is policy and mixed_precision.DTypePolicy().name == (
        "mixed_float16")
    assert Dense(2).dtype_policy is policy
    with pytest.raises(ValueError, match="Cannot convert 'mixed_float8'"):
        mixed_precision.DTypePolicy("mixed_float8")
    with pytest.raises(TypeError, match="must be a string"):
        mixed_precision.DTypePolicy(16)
    with pytest.raises(ValueError, match="Invalid `policy` argument"):
        mixed_precision.set_global_policy(16)
    assert mixed_precision.LossScaleOptimizer is optimizers.LossScaleOptimizer


def test_compile_wrapping_under_mixed_float16():
    mixed_precision.set_global_policy("mixed_float16")
    model = lamina.Sequential([lamina.Input((3,)), Dense(2)])
    wrapped = optimizers.loss_scale_optimizer.wrap_for_policy(optimizers.get("adam"),
                                                              model.dtype_policy)
    assert isinstance(wrapped, optimizers.LossScaleOptimizer)
    assert isinstance(wrapped.inner_optimizer, optimizers.Adam)
    assert optimizers.loss_scale_optimizer.wrap_for_policy(wrapped, model.dtype_policy) is wrapped
    plain = optimizers.get("adam")
    assert optimizers.loss_scale_optimizer.wrap_for_policy(plain, model.dtype_policy,
                                                           auto_scale_loss=False) is plain


def test_float16_step_with_loss_scaling(rng):
    """One float16 training step: the scaled loss's gradients equal the float16 computation
    written out in JAX, and the LossScaleOptimizer turns them into Keras's update."""
    set_both("mixed_float16")
    ours, theirs = dense_pair(rng)
    x = rng.normal(size=(5, 6)).astype("float32")
    our_opt = optimizers.LossScaleOptimizer(optimizers.SGD(0.1), initial_scale=1024.0)
    their_opt = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.1),
                                                    initial_scale=1024.0)
    our_opt.build(ours.trainable_variables)
    their_opt.build(theirs.trainable_variables)
    before = [v.value for v in ours.trainable_variables]

    def our_loss():
        return our_opt.scale_loss(jnp.mean(jnp.square(ours(x).astype(jnp.float32))))

    _, grads = lamina.value_and_grad(our_loss, ours.trainable_variables)()

    def reference(kernel, bias):
        f16 = jnp.float16
        out = x.astype(f16) @ kernel.astype(f16) + bias.astype(f16)
        return jnp.mean(jnp.square(out.astype(jnp.float32))) * 1024.0

    for a, b in zip(grads, jax.grad(reference, argnums=(0, 1))(*before)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    our_opt.apply(grads, ours.trainable_variables)
    expected, _ = their_opt.stateless_apply([v.value for v in their_opt.variables], grads, before)
    for v, old, new in zip(ours.trainable_variables, before, expected):
        np.testing.assert_allclose(v.numpy(), np.asarray(new), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(v.numpy(), old - 0.1 * np.asarray(grads[0 if v.ndim == 2 else 1])
                                   / 1024.0, rtol=1e-6, atol=1e-7)
