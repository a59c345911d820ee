"""GroupQueryAttention against Keras 3 (same weights): head groups, masks, gradients, config."""

import keras
import numpy as np
import pytest

import lamina
from lamina.core import config
from lamina.layers.attention import GroupedQueryAttention, GroupQueryAttention
from tests.layers.attention.attention_checks import (bool_mask, close, compiled, data,
                                                     input_gradients, share_random_weights)
from tests.layers.layer_checks import assert_config_round_trip

Q, V, K = (2, 5, 6), (2, 7, 6), (2, 7, 4)


def twins(*shapes, **kwargs):
    ours, theirs = GroupQueryAttention(**kwargs), keras.layers.GroupQueryAttention(**kwargs)
    ours.build(*shapes)
    theirs.build(*shapes)
    share_random_weights(ours, theirs)
    return ours, theirs


@pytest.mark.parametrize("kwargs", [
    {"head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 2},
    {"head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 1, "use_gate": True},
    {"head_dim": 2, "num_query_heads": 2, "num_key_value_heads": 2, "use_bias": False,
     "sliding_window": 2},
])
def test_matches_keras(kwargs):
    q, v = data(*Q), data(*V, seed=1)
    ours, theirs = twins(Q, V, **kwargs)
    assert [w.shape for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    calls = [{"use_causal_mask": True}]
    if kwargs["num_key_value_heads"] == 2 and kwargs["num_query_heads"] == 4:
        calls += [{}, {"value_mask": bool_mask(2, 7),
                       "attention_mask": bool_mask(2, 5, 7, seed=1)}]

    def run():
        return [(ours(q, v, return_attention_scores=True, **call),
                 theirs(q, v, return_attention_scores=True, **call),
                 ours(q, v, **call), theirs(q, v, **call)) for call in calls]

    for call, ((out, scores), (k_out, k_scores), plain, k_plain) in zip(calls, compiled(run)):
        assert scores.shape == (2, kwargs["num_query_heads"], 5, 7)
        close(out, k_out)
        close(scores, k_scores)
        close(plain, out)
        if "value_mask" not in call:  # Keras's fused path differs on fully masked rows
            close(plain, k_plain)


def test_key_tensor_and_grouping():
    """Query heads 0,1 share key/value head 0; heads 2,3 share head 1 (Keras's repeat)."""
    q, v, k = data(*Q), data(*V, seed=1), data(*K, seed=2)
    ours, theirs = twins(Q, V, K, head_dim=3, num_query_heads=4, num_key_value_heads=2)
    close(*compiled(lambda: (ours(q, v, k), theirs(q, v, k))))
    weights = ours.get_weights()
    weights[2] = weights[2] * np.array([1, 0]).reshape(1, 2, 1)  # key head 1: zero
    weights[3] = weights[3] * 0
    ours.set_weights(weights)
    _, scores = compiled(lambda: ours(q, v, k, return_attention_scores=True))
    close(np.asarray(scores)[:, 2:], np.full((2, 2, 5, 7), 1 / 7))
    assert np.abs(np.asarray(scores)[:, :2] - 1 / 7).max() > 1e-2


def test_input_gradients_match_keras():
    q, v = data(*Q), data(*V, seed=1)
    ours, theirs = twins(Q, V, head_dim=3, num_query_heads=4, num_key_value_heads=2)
    mask = bool_mask(2, 7)
    a, b = compiled(lambda: (
        input_gradients(lambda *x: ours(*x, value_mask=mask, use_causal_mask=True), [q, v]),
        input_gradients(lambda *x: theirs(*x, value_mask=mask, use_causal_mask=True,
                                          return_attention_scores=True)[0], [q, v])))
    for x, y in zip(a, b):
        close(x, y)


def test_config():
    layer = GroupQueryAttention(3, 4, 2, dropout=0.3, seed=1, kernel_initializer="he_normal")
    clone = assert_config_round_trip(layer)
    assert (clone.head_dim, clone.num_query_heads, clone.num_key_value_heads) == (3, 4, 2)
    assert layer.name.startswith("grouped_query_attention")
    assert GroupedQueryAttention is GroupQueryAttention
    assert config.lookup("GroupQueryAttention") is GroupQueryAttention
    cfg = keras.saving.serialize_keras_object(keras.layers.GroupQueryAttention(3, 4, 2))
    assert cfg["class_name"] == "GroupQueryAttention"
    assert isinstance(GroupQueryAttention.from_config(cfg["config"]), GroupQueryAttention)


def test_functional_model():
    q_in, v_in = lamina.Input(Q[1:]), lamina.Input((None, 6))
    layer = GroupQueryAttention(3, 4, 2)
    model = lamina.Model([q_in, v_in], layer(q_in, v_in, use_causal_mask=True))
    assert model.output_shape == (None, 5, 6)
    q, v = data(*Q), data(*V, seed=1)
    close(model([q, v]), compiled(lambda: layer(q, v, use_causal_mask=True)))


def test_errors_name_the_layer():
    with pytest.raises(ValueError, match="'gqa'.*last dimension of `query` and `value`"):
        GroupQueryAttention(3, 4, 2, name="gqa").build(Q, K)
    with pytest.raises(ValueError, match="divisible"):
        GroupQueryAttention(3, 4, 3)
    with pytest.raises(ValueError, match="'gqa2'.*\\(batch, steps, features\\)"):
        GroupQueryAttention(3, 4, 2, name="gqa2").build((2, 3, 5, 6), (2, 3, 5, 6))
