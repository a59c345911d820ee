"""Layer: tracking, naming, lazy build, weights, training flag, input checks, configs."""

import jax.numpy as jnp
import numpy as np
import pytest

import lamina
from lamina.layers import Dense, Dropout


class Block(lamina.Layer):
    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.first = Dense(units)
        self.stack = [Dense(units), Dense(units)]
        self.named = {"a": Dense(units)}
        self.scale = lamina.Variable(jnp.ones(()), name="scale")

    def call(self, x):
        x = self.first(x)
        for layer in self.stack:
            x = layer(x)
        return self.named["a"](x) * self.scale


def test_tracks_sublayers_in_attributes_lists_and_dicts():
    block = Block()
    block(jnp.ones((2, 4)))
    assert len(block._layers) == 4
    # 4 Dense layers x (kernel, bias) + the scale variable
    assert len(block.weights) == 9
    assert block.count_params() == 1 + (4 * 3 + 3) + 3 * (3 * 3 + 3)


def test_names_are_unique_keras_style():
    lamina.utils.clear_session()
    names = [Dense(1).name for _ in range(3)]
    assert names == ["dense", "dense_1", "dense_2"]
    assert Block().name.startswith("block")


def test_build_is_lazy_and_uses_the_first_input_shape():
    layer = Dense(5)
    assert not layer.built and layer.weights == []
    layer(jnp.ones((7, 3)))
    assert layer.built and layer.kernel.shape == (3, 5)


def test_frozen_layer_has_no_trainable_weights():
    block = Block()
    block(jnp.ones((1, 2)))
    block.stack[0].trainable = False
    assert len(block.trainable_weights) == 7
    assert len(block.non_trainable_weights) == 2
    block.trainable = False
    assert block.trainable_weights == []


def test_set_weights_checks_count_and_shapes():
    layer = Dense(2)
    layer(jnp.ones((1, 3)))
    with pytest.raises(ValueError, match="expected a list of 2"):
        layer.set_weights([np.zeros((3, 2))])
    with pytest.raises(ValueError, match=r"shape \(3, 2\), received an array of shape \(2, 2\)"):
        layer.set_weights([np.zeros((2, 2)), np.zeros(2)])
    layer.set_weights([np.ones((3, 2)), np.arange(2.0)])
    assert layer(jnp.ones((1, 3))).tolist() == [[3.0, 4.0]]


def test_wrong_feature_count_names_layer_and_both_sizes():
    layer = Dense(2, name="head")
    layer(jnp.ones((1, 3)))
    with pytest.raises(ValueError, match=r"Dense 'head'.*size 3.*size 5"):
        layer(jnp.ones((1, 5)))


def test_training_flag_reaches_nested_layers():
    class Outer(lamina.Layer):
        def __init__(self):
            super().__init__()
            self.drop = Dropout(0.5, seed=1)

        def call(self, x):
            return self.drop(x)

    outer, x = Outer(), jnp.ones((4, 100))
    assert jnp.array_equal(outer(x), x)  # inference by default
    dropped = outer(x, training=True)
    assert 0.3 < float((dropped == 0).mean()) < 0.7
    assert set(np.unique(np.asarray(dropped)).tolist()) <= {0.0, 2.0}


def test_config_captures_constructor_arguments_of_subclasses():
    block = Block(units=7, name="b")
    config = block.get_config()
    assert config["units"] == 7 and config["name"] == "b"
    clone = Block.from_config(config)
    assert clone.first.units == 7


def test_dense_config_round_trip():
    layer = Dense(4, activation="relu", use_bias=False, kernel_initializer="he_normal")
    clone = Dense.from_config(layer.get_config())
    assert (clone.units, clone.use_bias) == (4, False)
    assert clone.activation is lamina.activations.relu


def test_regularizer_adds_to_losses():
    layer = Dense(2, kernel_regularizer=lamina.regularizers.L2(0.5), kernel_initializer="ones")
    layer(jnp.ones((1, 3)))
    np.testing.assert_allclose(float(sum(layer.losses)), 0.5 * 6.0)
