"""Attention and AdditiveAttention against Keras 3 (same weights): scores, masks, gradients."""

import jax.numpy as jnp
import keras
import numpy as np
import pytest

import lamina
from lamina.layers import Embedding, Input
from lamina.layers.attention import AdditiveAttention, Attention
from tests.layers.attention.attention_checks import (
    assert_weight_gradients_match_finite_differences, bool_mask, close, compiled, data,
    input_gradients, share_random_weights)
from tests.layers.layer_checks import assert_config_round_trip

CASES = [(Attention, {}), (Attention, {"use_scale": True}),
         (Attention, {"score_mode": "concat"}),
         (Attention, {"score_mode": "concat", "use_scale": True}),
         (AdditiveAttention, {}), (AdditiveAttention, {"use_scale": False})]
WITH_KEY = [data(2, 5, 4), data(2, 7, 3, seed=1), data(2, 7, 4, seed=2)]
WITHOUT_KEY = [data(2, 5, 4), data(2, 7, 4, seed=1)]


def twins(cls, kwargs):
    ours, theirs = cls(**kwargs), getattr(keras.layers, cls.__name__)(**kwargs)
    shapes = [x.shape for x in WITH_KEY]
    ours.build(shapes)
    theirs.build(shapes)
    if ours.weights:
        share_random_weights(ours, theirs)
    return ours, theirs


@pytest.mark.parametrize("cls,kwargs", CASES)
def test_matches_keras(cls, kwargs):
    ours, theirs = twins(cls, kwargs)
    masks = [bool_mask(2, 5), bool_mask(2, 7, seed=1)]
    calls = [{}, {"mask": masks}, {"use_causal_mask": True},
             {"mask": masks, "use_causal_mask": True}]

    def run():
        return [(ours(xs, return_attention_scores=True, **call),
                 theirs(xs, return_attention_scores=True, **call), ours(xs, **call))
                for xs in (WITH_KEY, WITHOUT_KEY) for call in calls]

    for (out, scores), (k_out, k_scores), plain in compiled(run):
        close(out, k_out)
        close(scores, k_scores)
        close(plain, out)


def test_masks_semantics():
    layer = Attention()
    query_mask, value_mask = bool_mask(2, 5), bool_mask(2, 7, seed=1)
    (out, scores), (_, causal) = compiled(lambda: (
        layer(WITH_KEY, mask=[query_mask, value_mask], return_attention_scores=True),
        layer(WITH_KEY, use_causal_mask=True, return_attention_scores=True)))
    assert np.all(np.asarray(out)[~query_mask] == 0)
    assert np.all(np.asarray(scores).transpose(0, 2, 1)[~value_mask] < 1e-30)
    close(np.asarray(scores).sum(-1), np.ones((2, 5)))
    assert np.all(np.triu(np.asarray(causal), k=1) < 1e-30)
    np.testing.assert_array_equal(layer.compute_mask(WITH_KEY, [query_mask, value_mask]),
                                  query_mask)


@pytest.mark.parametrize("cls,kwargs", [CASES[1], CASES[3], CASES[4]])
def test_input_gradients_match_keras(cls, kwargs):
    ours, theirs = twins(cls, kwargs)
    masks = [bool_mask(2, 5), bool_mask(2, 7, seed=1)]
    a, b = compiled(lambda: (input_gradients(lambda *x: ours(list(x), mask=masks), WITH_KEY),
                             input_gradients(lambda *x: theirs(list(x), mask=masks), WITH_KEY)))
    for x, y in zip(a, b):
        assert float(jnp.abs(x).max()) > 0
        close(x, y)


@pytest.mark.parametrize("cls,kwargs", [CASES[3], CASES[4]])
def test_weight_gradients_match_finite_differences(cls, kwargs):
    def make(dtype):
        layer = cls(dtype=dtype, **kwargs)
        layer.build([(2, 4, 3), (2, 4, 3)])
        return layer

    x = data(2, 4, 3)
    assert_weight_gradients_match_finite_differences(
        make, lambda layer: layer([x, x[:, ::-1] * 0.5], use_causal_mask=True))


def test_dropout_drops_scores_in_training_only():
    layer = Attention(dropout=0.5, seed=4)
    _, plain = layer(WITH_KEY, return_attention_scores=True)
    _, dropped = layer(WITH_KEY, return_attention_scores=True, training=True)
    plain, dropped = np.asarray(plain), np.asarray(dropped)
    kept = dropped != 0
    assert 0.2 < kept.mean() < 0.8
    close(dropped[kept], 2 * plain[kept])
    assert len(layer.variables) == 1 and not layer.weights


def test_config_round_trip():
    for cls, kwargs in CASES + [(Attention, {"dropout": 0.2, "seed": 3})]:
        clone = assert_config_round_trip(cls(**kwargs))
        assert clone.use_scale == cls(**kwargs).use_scale
    assert "score_mode" not in AdditiveAttention().get_config()
    theirs = keras.layers.Attention(use_scale=True, score_mode="concat")
    ours = Attention.from_config({k: v for k, v in theirs.get_config().items() if k != "dtype"})
    assert (ours.use_scale, ours.score_mode) == (True, "concat")


def test_functional_model_with_query_mask_from_embedding():
    tokens = Input((6,), dtype="int32")
    embedded = Embedding(10, 4, mask_zero=True)(tokens)
    layer = Attention()
    model = lamina.Model(tokens, layer([embedded, embedded]))
    ids = np.array([[3, 4, 5, 0, 0, 0], [1, 2, 3, 4, 5, 6]], "int32")
    vectors = np.asarray(model.layers[1].embeddings.value)[ids]
    mask = ids != 0
    close(model(ids), compiled(lambda: layer([vectors, vectors], mask=[mask, mask])))


def test_errors_name_the_layer():
    q, v = data(2, 5, 4), data(2, 7, 3)
    with pytest.raises(ValueError, match="Attention 'att'.*same last dimension"):
        Attention(name="att")([q, v])
    with pytest.raises(ValueError, match="AdditiveAttention 'add'.*same last dimension"):
        AdditiveAttention(name="add")([q, v])
    with pytest.raises(ValueError, match="'att2'.*same number of steps"):
        Attention(name="att2")([q, data(2, 7, 4), data(2, 6, 4)])
    with pytest.raises(ValueError, match="'att3'.*list \\[query, value\\]"):
        Attention(name="att3")(q)
    with pytest.raises(ValueError, match="'att4'.*`score_mode`"):
        Attention(score_mode="add", name="att4")
