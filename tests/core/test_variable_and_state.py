"""Variables, state binding, and the lazy write-back from device-held state."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina
from lamina.core.state import StateScope, lazy_sync
from lamina.training.packed_state import PackedState


def test_variable_reads_and_writes_go_to_the_scope_while_bound():
    v = lamina.Variable(jnp.zeros(3))
    with StateScope({v: jnp.ones(3)}) as scope:
        assert v.value.tolist() == [1.0, 1.0, 1.0]
        v.assign(v.value * 5)
        assert v.value.tolist() == [5.0, 5.0, 5.0]
    assert scope.written() == [v]
    assert v.numpy().tolist() == [0.0, 0.0, 0.0]


def test_nested_scope_falls_through_to_outer_bindings():
    a, b = lamina.Variable(1.0), lamina.Variable(2.0)
    with StateScope({a: jnp.array(10.0)}):
        with StateScope({b: jnp.array(20.0)}) as inner:
            assert float(a.value) == 10.0 and float(b.value) == 20.0
            a.assign(3.0)
        assert float(inner.get(a)) == 3.0


def test_assign_checks_shape():
    v = lamina.Variable(jnp.zeros((2, 2)), name="w")
    with pytest.raises(ValueError, match=r"expected shape \(2, 2\)"):
        v.assign(jnp.zeros(3))


def test_variable_arithmetic_forwards_to_value():
    v = lamina.Variable(jnp.array([1.0, 2.0]))
    assert (v + 1).tolist() == [2.0, 3.0]
    assert (2 * v).tolist() == [2.0, 4.0]
    assert (jnp.ones((1, 2)) @ v).tolist() == [3.0]
    assert np.asarray(v).tolist() == [1.0, 2.0]


def test_pure_function_under_jit_matches_eager_and_writes_back_lazily():
    a = lamina.Variable(jnp.arange(4.0).reshape(2, 2))
    b = lamina.Variable(jnp.array(1, jnp.int32))
    store = PackedState([a, b])
    assert set(store.buffers) == {"float32", "int32"}

    def step():
        a.assign(a.value + b.value)
        b.assign(b.value + 1)

    pure = jax.jit(store.pure(step))
    for _ in range(3):
        _, buffers = pure(store.buffers)
        store.update(buffers)
    assert lazy_sync.pending  # the boxes are behind until someone reads them
    assert a.numpy().tolist() == [[6.0, 7.0], [8.0, 9.0]]  # 1 + 2 + 3 added
    assert int(b.numpy()) == 4
    assert not lazy_sync.pending


def test_eager_assign_marks_packed_state_stale():
    a = lamina.Variable(jnp.zeros(2))
    store = PackedState([a])
    assert store.is_fresh()
    a.assign(jnp.ones(2))
    assert not store.is_fresh()
    store.refresh()
    assert store.buffers["float32"].tolist() == [1.0, 1.0]


def test_stray_variable_written_in_compiled_step_is_reported():
    a, stray = lamina.Variable(jnp.zeros(2)), lamina.Variable(jnp.zeros(2), name="stray")
    store = PackedState([a])
    with pytest.raises(RuntimeError, match="stray"):
        jax.jit(store.pure(lambda: stray.assign(jnp.ones(2))))(store.buffers)


def test_value_and_grad_matches_jax_and_keeps_side_assignments():
    w = lamina.Variable(jnp.array([1.0, -2.0, 3.0]))
    counter = lamina.Variable(jnp.array(0.0))

    def loss():
        counter.assign(counter.value + 1)
        return jnp.sum(jnp.sin(w.value) * w.value)

    value, grads = lamina.value_and_grad(loss, [w])()
    ref_value, ref_grad = jax.value_and_grad(lambda p: jnp.sum(jnp.sin(p) * p))(w.value)
    np.testing.assert_allclose(value, ref_value, rtol=1e-6)
    np.testing.assert_allclose(grads[0], ref_grad, rtol=1e-6)
    assert float(counter.numpy()) == 1.0


def test_random_draws_during_shape_traces_leave_the_state_untouched():
    class Noisy(lamina.Layer):
        def __init__(self):
            super().__init__()
            self.seed_generator = lamina.random.SeedGenerator(3)

        def call(self, x):
            return x + lamina.random.normal(x.shape, seed=self.seed_generator)

    layer = Noisy()
    before = layer.seed_generator.state.numpy().copy()
    model = lamina.Sequential([lamina.Input((3,)), layer])
    np.testing.assert_array_equal(layer.seed_generator.state.numpy(), before)
    model.compile("sgd", "mse")
    model.fit(np.ones((8, 3)), np.ones((8, 3)), verbose=0)
    assert not np.array_equal(layer.seed_generator.state.numpy(), before)  # fit does draw


def test_metric_stateless_forms_match_the_stateful_ones():
    metric = lamina.metrics.Mean()
    values = metric.stateless_update_state([v.value for v in metric.variables], jnp.array([1.0, 3.0]))
    assert float(metric.stateless_result(values)) == 2.0
    assert float(metric.result()) == 0.0  # the boxes were not touched
    assert [float(v) for v in metric.stateless_reset_state()] == [0.0, 0.0]
