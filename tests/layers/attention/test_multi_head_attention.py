"""MultiHeadAttention against Keras 3 (same weights): outputs, scores, masks, axes, gradients."""

import jax.numpy as jnp
import keras
import numpy as np
import pytest

import lamina
from lamina.layers import Embedding, Input
from lamina.layers.attention import MultiHeadAttention
from tests.layers.attention.attention_checks import (
    assert_weight_gradients_match_finite_differences, bool_mask, close, compiled, data,
    input_gradients, share_random_weights)
from tests.layers.layer_checks import assert_config_round_trip

Q, V, K = (2, 5, 6), (2, 7, 6), (2, 7, 4)


def twins(*shapes, **kwargs):
    """Our layer and Keras's with the same config and weights, built for ``shapes``."""
    ours, theirs = MultiHeadAttention(**kwargs), keras.layers.MultiHeadAttention(**kwargs)
    ours.build(*shapes)
    theirs.build(*shapes)
    share_random_weights(ours, theirs)
    return ours, theirs


def assert_same(ours, theirs, inputs, *calls):
    """For every call's arguments, outputs and scores agree (Keras's explicit-scores path),
    and our output without scores is the same. Returns our ``(output, scores)`` per call."""
    def run():
        return [(ours(*inputs, return_attention_scores=True, **call),
                 theirs(*inputs, return_attention_scores=True, **call),
                 ours(*inputs, **call)) for call in calls or [{}]]

    results = compiled(run)
    for (out, scores), (k_out, k_scores), plain in results:
        close(out, k_out)
        close(scores, k_scores)
        close(plain, out)
    return [ours_result for ours_result, _, _ in results]


@pytest.mark.parametrize("kwargs,shapes", [
    ({"num_heads": 2, "key_dim": 3}, [Q, V]),
    ({"num_heads": 3, "key_dim": 2, "value_dim": 4, "output_shape": (5,)}, [Q, V, K]),
    ({"num_heads": 2, "key_dim": 4, "use_bias": False, "output_shape": (3, 2)}, [Q, V]),
    ({"num_heads": 2, "key_dim": 3, "value_dim": 4, "use_gate": True}, [Q, V, K]),
    ({"num_heads": 2, "key_dim": 3, "sliding_window": 2}, [Q, V]),
])
def test_matches_keras(kwargs, shapes):
    ours, theirs = twins(*shapes, **kwargs)
    assert [w.path for w in ours.weights] == [w.path.split("/", 1)[1] for w in theirs.weights]
    assert_same(ours, theirs, [data(*s, seed=i) for i, s in enumerate(shapes)])


def test_weight_layout_is_keras():
    ours = MultiHeadAttention(2, 3, value_dim=4, use_gate=True)
    ours.build((None, 5, 6), (None, 7, 8))
    assert [w.path for w in ours.weights] == [
        f"{name}/{kind}" for name in ("query", "key", "gate", "value", "attention_output")
        for kind in ("kernel", "bias")]
    assert [w.shape for w in ours.weights] == [(6, 2, 3), (2, 3), (8, 2, 3), (2, 3), (6, 2, 4),
                                               (2, 4), (8, 2, 4), (2, 4), (2, 4, 6), (6,)]


def test_masks_match_keras():
    inputs = [data(*Q), data(*V, seed=1), data(*K, seed=2)]
    ours, theirs = twins(Q, V, K, num_heads=2, key_dim=3)
    value_mask, key_mask = bool_mask(2, 7, seed=3), bool_mask(2, 7, seed=4)
    attention_mask = bool_mask(2, 5, 7, seed=5)
    _, _, (_, scores) = assert_same(
        ours, theirs, inputs, {"value_mask": value_mask, "key_mask": key_mask},
        {"attention_mask": attention_mask},
        {"attention_mask": attention_mask, "value_mask": value_mask})
    allowed = attention_mask & value_mask[:, None, :]
    assert np.all(np.asarray(scores).transpose(0, 2, 3, 1)[~allowed] == 0)
    close(np.asarray(scores).sum(-1), np.ones((2, 2, 5)))


def test_query_mask_masks_rows():
    """Keras reads the query mask only from a tensor's Keras mask; given as an attention mask
    it means the same: masked queries attend to nothing (scores zero)."""
    q, v = data(*Q), data(*V, seed=1)
    ours, theirs = twins(Q, V, num_heads=2, key_dim=3)
    query_mask = bool_mask(2, 5, seed=3)
    query_mask[0, 0] = False
    rows = np.repeat(query_mask[:, :, None], 7, -1)
    (out, scores), (k_out, k_scores) = compiled(lambda: (
        ours(q, v, query_mask=query_mask, return_attention_scores=True),
        theirs(q, v, attention_mask=rows, return_attention_scores=True)))
    close(out, k_out)
    close(scores, k_scores)
    assert np.all(np.asarray(scores).transpose(0, 2, 1, 3)[~query_mask] == 0)


@pytest.mark.parametrize("value_shape", [Q, V])
def test_causal_mask_matches_keras(value_shape):
    q, v = data(*Q), data(*value_shape, seed=1)
    ours, theirs = twins(Q, value_shape, num_heads=2, key_dim=3)
    length = value_shape[1]
    (_, scores), _ = assert_same(
        ours, theirs, [q, v], {"use_causal_mask": True},
        {"use_causal_mask": True, "value_mask": bool_mask(2, length),
         "attention_mask": bool_mask(2, 5, length, seed=1)})
    assert np.all(np.triu(np.asarray(scores)[0, 0], k=1) == 0)
    # Keras's fused path (no scores returned) agrees as well.
    ours_out, keras_out = compiled(lambda: (ours(q, v, use_causal_mask=True),
                                            theirs(q, v, use_causal_mask=True)))
    close(ours_out, keras_out)


@pytest.mark.parametrize("axes", [None, 2, (1, 2), -2])
def test_attention_axes_on_4d_inputs_match_keras(axes):
    x, y = data(2, 3, 4, 6), data(2, 3, 4, 5, seed=1)
    ours, theirs = twins(x.shape, y.shape, num_heads=2, key_dim=3, attention_axes=axes,
                         output_shape=(5, 2))
    [(out, _)] = assert_same(ours, theirs, [x, y])
    assert out.shape == (2, 3, 4, 5, 2)
    assert ours.attention_axes == theirs.attention_axes


def test_4d_attention_mask_matches_keras():
    x = data(2, 3, 4, 6)
    ours, theirs = twins(x.shape, x.shape, num_heads=2, key_dim=3, attention_axes=(2,))
    assert_same(ours, theirs, [x, x], {"attention_mask": bool_mask(2, 3, 4, 4)})


def test_input_gradients_match_keras():
    inputs = [data(*Q), data(*V, seed=1), data(*K, seed=2)]
    ours, theirs = twins(Q, V, K, num_heads=3, key_dim=2, value_dim=4, output_shape=(5,))
    mask = bool_mask(2, 5, 7)
    ours_grads, keras_grads = compiled(lambda: (
        input_gradients(lambda *x: ours(*x, attention_mask=mask), inputs),
        input_gradients(lambda *x: theirs(*x, attention_mask=mask,
                                          return_attention_scores=True)[0], inputs)))
    for a, b in zip(ours_grads, keras_grads):
        assert float(jnp.abs(a).max()) > 0
        close(a, b)


def test_weight_gradients_match_finite_differences():
    def make(dtype):
        layer = MultiHeadAttention(2, 2, value_dim=3, use_gate=True, dtype=dtype)
        layer.build((1, 4, 3), (1, 4, 3))
        return layer

    x = data(1, 4, 3)
    assert_weight_gradients_match_finite_differences(
        make, lambda layer: layer(x, x, use_causal_mask=True, value_mask=np.array([[1, 1, 1, 0]])))


def test_dropout_only_in_training():
    x = data(*Q)
    ours = MultiHeadAttention(2, 3, dropout=0.5, seed=3)
    plain = MultiHeadAttention(2, 3)
    ours.build(Q, Q)
    plain.build(Q, Q)
    plain.set_weights(ours.get_weights())
    inference, plain_scores = plain(x, x, return_attention_scores=True)
    close(ours(x, x), inference)
    out, scores = ours(x, x, training=True, return_attention_scores=True)
    close(scores, plain_scores)  # the scores returned are those before dropout
    assert np.abs(np.asarray(out) - np.asarray(inference)).max() > 1e-3
    assert np.abs(np.asarray(out) - np.asarray(ours(x, x, training=True))).max() > 1e-3
    twin = MultiHeadAttention(2, 3, dropout=0.5, seed=3)
    twin.build(Q, Q)
    twin.set_weights(ours.get_weights())
    close(twin(x, x, training=True), out)  # same seed, same first draw
    assert len(ours.variables) == len(ours.weights) + 1  # the seed state


def test_config_round_trip_and_keras_config():
    layer = MultiHeadAttention(2, 3, value_dim=4, dropout=0.1, output_shape=(5,),
                               attention_axes=(1,), kernel_regularizer="l2", use_gate=True)
    clone = assert_config_round_trip(layer)
    assert (clone.num_heads, clone.key_dim, clone.value_dim, clone.dropout) == (2, 3, 4, 0.1)
    theirs = keras.layers.MultiHeadAttention(2, 3, value_dim=4, output_shape=(5,))
    theirs.build(Q, V)
    ours = MultiHeadAttention.from_config(
        {k: v for k, v in theirs.get_config().items() if k != "dtype"})
    ours.build(Q, V)
    ours.set_weights(theirs.get_weights())
    q, v = data(*Q), data(*V, seed=1)
    close(*compiled(lambda: (ours(q, v), theirs(q, v, return_attention_scores=True)[0])))


def test_regularizers_add_losses():
    layer = MultiHeadAttention(2, 3, kernel_regularizer="l2", bias_regularizer="l1")
    layer.build(Q, V)
    assert len(layer.losses) == 8


def test_functional_model_with_symbolic_masks():
    q_in, v_in = Input(Q[1:]), Input(K[1:])
    mask_in = Input((5, 7), dtype="bool")
    layer = MultiHeadAttention(2, 3)
    out, scores = layer(q_in, value=v_in, attention_mask=mask_in, return_attention_scores=True)
    assert out.shape == (None, 5, 6) and scores.shape == (None, 2, 5, 7)
    model = lamina.Model([q_in, v_in, mask_in], [out, scores])
    q, v, mask = data(*Q), data(*K, seed=1), bool_mask(2, 5, 7)
    got = model([q, v, mask])
    expected = compiled(lambda: layer(q, v, attention_mask=mask, return_attention_scores=True))
    close(got[0], expected[0])
    close(got[1], expected[1])


def test_functional_model_hands_the_embedding_mask_over():
    tokens = Input((6,), dtype="int32")
    embedded = Embedding(10, 4, mask_zero=True)(tokens)
    layer = MultiHeadAttention(2, 3)
    model = lamina.Model(tokens, layer(embedded, embedded))
    ids = np.array([[3, 4, 5, 0, 0, 0], [1, 2, 3, 4, 5, 6]], "int32")
    vectors = np.asarray(model.layers[1].embeddings.value)[ids]
    mask = ids != 0
    masked, unmasked = compiled(lambda: (
        layer(vectors, vectors, query_mask=mask, value_mask=mask), layer(vectors, vectors)))
    got = model(ids)
    close(got, masked)
    assert np.abs(np.asarray(got) - np.asarray(unmasked)).max() > 1e-3


class Encoder(lamina.Model):
    def __init__(self):
        super().__init__()
        self.attention = MultiHeadAttention(2, 3)
        self.out = lamina.layers.Dense(1)

    def call(self, x):
        return self.out(self.attention(x, x, use_causal_mask=True).mean(axis=1))


def test_subclassed_model():
    """(`tests/test_examples_attention.py` trains subclassed and functional models.)"""
    x = data(*Q)
    model = Encoder()
    assert model.compute_output_shape((None, 5, 6)) == (None, 1)
    assert model.count_params() == 3 * (6 * 2 * 3 + 2 * 3) + (2 * 3 * 6 + 6) + (6 + 1)
    expected = compiled(lambda: model.out(model.attention(x, x, use_causal_mask=True).mean(1)))
    close(model(x), expected)


class MaskedSelfAttention(lamina.Layer):
    supports_masking = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.attention = MultiHeadAttention(2, 3)

    def call(self, x, mask=None):
        return self.attention(x, x, query_mask=mask, value_mask=mask)


def test_sequential_threads_the_mask_into_a_block():
    from lamina.layers.pooling import GlobalAveragePooling1D
    model = lamina.Sequential([Input((6,), dtype="int32"), Embedding(10, 4, mask_zero=True),
                               MaskedSelfAttention(), GlobalAveragePooling1D()])
    ids = np.array([[3, 4, 5, 0, 0, 0], [1, 2, 3, 4, 5, 6]], "int32")
    vectors = np.asarray(model.layers[0].embeddings.value)[ids]
    mask = ids != 0
    attended = np.asarray(compiled(lambda: model.layers[1].attention(
        vectors, vectors, query_mask=mask, value_mask=mask)))
    expected = (attended * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
    close(model(ids), expected)


def test_errors_name_the_layer():
    with pytest.raises(ValueError, match="MultiHeadAttention 'mha'.*`value` and `key`"):
        MultiHeadAttention(2, 3, name="mha").build(Q, V, (2, 6, 4))
    layer = MultiHeadAttention(2, 3, name="mha1")
    layer.build(Q, K)
    with pytest.raises(ValueError, match="MultiHeadAttention 'mha1'.*built for `value`"):
        layer(data(*Q), data(*V))
    with pytest.raises(ValueError, match="'mha1'.*attention mask must broadcast"):
        layer(data(*Q), data(*K), attention_mask=bool_mask(2, 5, 6))
    with pytest.raises(TypeError, match="'mha1'.*`query` and `value`"):
        layer(data(*Q))
    with pytest.raises(ValueError, match="'mha2'.*same rank"):
        MultiHeadAttention(2, 3, name="mha2").build(Q, (2, 3, 7, 6))
    with pytest.raises(ValueError, match="'mha3'.*`attention_axes`"):
        MultiHeadAttention(2, 3, attention_axes=(3,), name="mha3").build(Q, Q)
    with pytest.raises(ValueError, match="'mha4'.*does not run over"):
        MultiHeadAttention(2, 3, attention_axes=(2,), name="mha4").build((2, 3, 4, 6),
                                                                          (2, 5, 4, 6))
    with pytest.raises(ValueError, match="`num_heads` must be a positive integer"):
        MultiHeadAttention(0, 3)


def test_compute_output_shape():
    layer = MultiHeadAttention(2, 3, output_shape=(4, 2))
    assert layer.compute_output_shape((None, 5, 6), (None, 7, 8)) == (None, 5, 4, 2)
    assert MultiHeadAttention(2, 3).compute_output_shape((None, 5, 6), (None, 7, 8)) == (None, 5, 6)
