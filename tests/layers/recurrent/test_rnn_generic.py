"""The generic RNN with user-written cells and StackedRNNCells, against Keras."""

import jax.numpy as jnp
import keras
import numpy as np
import pytest

from lamina.core.layer import Layer
from lamina.layers.recurrent import (LSTM, GRUCell, LSTMCell, RNN, SimpleRNNCell,
                                     StackedRNNCells)
from lamina.layers.recurrent.time_loop import scan_over_time
from tests.layers.layer_checks import assert_config_round_trip
from tests.layers.recurrent.parity import assert_parity

RNG = np.random.default_rng(0)
X = RNG.normal(size=(3, 6, 5)).astype("float32")
MASK = np.ones((3, 6), bool)
MASK[0, 2:] = False


class MinimalCell(Layer):
    """The cell of Keras's RNN docstring, in lamina."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units, self.state_size = units, units

    def build(self, input_shape):
        self.kernel = self.add_weight((input_shape[-1], self.units), "uniform", name="kernel")
        self.recurrent_kernel = self.add_weight((self.units, self.units), "uniform",
                                                name="recurrent_kernel")

    def call(self, inputs, states):
        output = jnp.tanh(inputs @ self.kernel.value + states[0] @ self.recurrent_kernel.value)
        return output, [output]


class KerasMinimalCell(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units, self.state_size = units, units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                name="recurrent_kernel")

    def call(self, inputs, states):
        output = keras.ops.tanh(inputs @ self.kernel + states[0] @ self.recurrent_kernel)
        return output, [output]


def test_user_cell_matches_keras():
    kwargs = {"return_sequences": True, "go_backwards": True, "return_state": True}
    assert_parity(RNN(MinimalCell(4), **kwargs), keras.layers.RNN(KerasMinimalCell(4), **kwargs),
                  X, mask=MASK)


def test_stacked_cells_match_keras_with_nested_states():
    kwargs = {"return_sequences": True, "return_state": True}
    ours = RNN([SimpleRNNCell(4), LSTMCell(3)], **kwargs)
    theirs = keras.layers.RNN([keras.layers.SimpleRNNCell(4), keras.layers.LSTMCell(3)],
                              **kwargs)
    out, *states = assert_parity(ours, theirs, X, mask=MASK)[0]
    assert out.shape == (3, 6, 3) and [len(s) for s in states] == [1, 2]
    assert ours.state_size == [4, [3, 3]]
    assert isinstance(ours.cell, StackedRNNCells) and ours.cell.output_size == 3


def test_stacked_cells_with_a_user_cell_and_dropout():
    layer = RNN(StackedRNNCells([LSTMCell(3, dropout=0.3, recurrent_dropout=0.3),
                                 MinimalCell(2), SimpleRNNCell(2, dropout=0.5)]))
    inference = np.asarray(layer(X))
    assert not np.allclose(layer(X, training=True), inference)
    np.testing.assert_allclose(layer(X), inference)
    assert_config_round_trip(layer.cell, keras.layers.StackedRNNCells(
        [keras.layers.LSTMCell(3)]))


def test_initial_state_for_stacked_cells():
    layer = RNN([LSTMCell(3), SimpleRNNCell(2)])
    h, c, s = (RNG.normal(size=(3, n)).astype("float32") for n in (3, 3, 2))
    assert not np.allclose(layer(X, initial_state=[[h, c], [s]]), layer(X))


def test_cell_that_assigns_variables_at_each_step_is_refused():
    class Counting(MinimalCell):
        def build(self, input_shape):
            super().build(input_shape)
            self.count = self.add_weight((), "zeros", trainable=False, name="count")

        def call(self, inputs, states):
            self.count.assign(self.count.value + 1)
            return super().call(inputs, states)

    with pytest.raises(NotImplementedError, match=r"RNN 'counting_rnn'.*assigns.*count"):
        RNN(Counting(2), name="counting_rnn")(X)


def test_cells_must_have_call_and_state_size():
    class NoState(Layer):
        def call(self, inputs, states):
            return inputs, states

    with pytest.raises(ValueError, match="`state_size`"):
        RNN(NoState())
    with pytest.raises(ValueError, match="`state_size`"):
        StackedRNNCells([NoState()])


def test_config_writes_the_cell_like_keras():
    cfg = RNN([LSTMCell(3), GRUCell(2)], return_sequences=True).get_config()
    assert cfg["cell"]["class_name"] == "StackedRNNCells"
    again = RNN.from_config(cfg)
    assert again.get_config() == cfg and isinstance(again.cell, StackedRNNCells)
    theirs = keras.layers.RNN.from_config(RNN(LSTMCell(3)).get_config())
    assert isinstance(theirs.cell, keras.layers.LSTMCell) and theirs.cell.units == 3


def test_scan_over_time_masks_and_directions():
    def step(x, states):
        return x + states[0], [x + states[0]]

    x = jnp.arange(1.0, 5.0).reshape(4, 1, 1)
    keep = jnp.array([[True], [False], [True], [True]])
    last, outputs, (total,) = scan_over_time(step, x, [jnp.zeros((1, 1))], mask=keep,
                                             go_backwards=True)
    assert outputs[:, 0, 0].tolist() == [4.0, 7.0, 7.0, 8.0]  # processing order, step 2 held
    assert last[0, 0] == total[0, 0] == 8.0


def test_compile_time_does_not_grow_with_sequence_length():
    import time

    import jax

    layer = LSTM(32)
    layer(np.zeros((8, 2, 16), "float32"))

    def compile_seconds(steps):
        x = jnp.zeros((8, steps, 16))
        fn = jax.jit(lambda x: jax.grad(lambda x: jnp.sum(layer(x)))(x))
        start = time.perf_counter()
        fn.lower(x).compile()
        return time.perf_counter() - start

    compile_seconds(3)  # warm the tracing caches
    short, long = min(compile_seconds(10) for _ in range(2)), compile_seconds(1000)
    print(f"compile (forward + gradient): length 10 {short:.3f} s, length 1000 {long:.3f} s")
    assert long < 3 * short, (short, long)
