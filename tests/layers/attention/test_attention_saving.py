"""Weights files and .keras archives interoperate with Keras for the attention layers."""

import keras
import numpy as np
import pytest

import lamina
from lamina.layers.attention import Attention, GroupQueryAttention, MultiHeadAttention
from tests.layers.attention.attention_checks import close, data


def self_attention_models():
    k_in, l_in = keras.Input((5, 6)), lamina.Input((5, 6))
    theirs = keras.layers.MultiHeadAttention(2, 3, use_gate=True, name="mha")
    ours = MultiHeadAttention(2, 3, use_gate=True, name="mha")
    k_out = keras.layers.Attention(use_scale=True, name="att")([k_in, theirs(k_in, k_in)])
    l_out = Attention(use_scale=True, name="att")([l_in, ours(l_in, l_in)])
    return keras.Model(k_in, k_out), lamina.Model(l_in, l_out)


@pytest.mark.parametrize("direction", ["keras_to_lamina", "lamina_to_keras"])
def test_weights_file_round_trip(tmp_path, direction):
    theirs, ours = self_attention_models()
    path = str(tmp_path / "model.weights.h5")
    if direction == "keras_to_lamina":
        theirs.get_layer("att").scale.assign(1.7)
        theirs.save_weights(path)
        ours.load_weights(path)
    else:
        ours.get_layer("att").scale.assign(1.7)
        ours.save_weights(path)
        theirs.load_weights(path)
    x = data(2, 5, 6)
    close(ours(x), theirs(x))


@pytest.mark.parametrize("direction", ["keras_to_lamina", "lamina_to_keras"])
def test_grouped_query_attention_weights_paths_match_keras(tmp_path, direction):
    # Keras's class is GroupedQueryAttention: its weight-file paths use that name.
    def model(lib, layer_class):
        x = lib.Input((5, 6))
        return lib.Model(x, [layer_class(3, 4, 2)(x, x)])

    theirs = model(keras, keras.layers.GroupQueryAttention)
    ours = model(lamina, GroupQueryAttention)
    assert ours.layers[1].name.startswith("grouped_query_attention")
    path = str(tmp_path / "model.weights.h5")
    source, target = (theirs, ours) if direction == "keras_to_lamina" else (ours, theirs)
    source.set_weights([0.3 * np.random.default_rng(i).normal(size=w.shape).astype("float32")
                        for i, w in enumerate(source.get_weights())])
    source.save_weights(path)
    target.load_weights(path)
    x = data(2, 5, 6)
    close(ours(x), theirs(x))


def test_keras_loads_our_archive(tmp_path):
    _, ours = self_attention_models()
    path = str(tmp_path / "model.keras")
    ours.save(path)
    theirs = keras.saving.load_model(path)
    x = data(2, 5, 6)
    assert np.abs(np.asarray(ours(x))).max() > 0
    close(ours(x), theirs(x))


def test_graph_config_keeps_keyword_masks_and_keras_reads_it():
    q_in, v_in = lamina.Input((5, 6)), lamina.Input((7, 4))
    mask_in = lamina.Input((5, 7), dtype="bool")
    out = MultiHeadAttention(2, 3)(q_in, value=v_in, attention_mask=mask_in, use_causal_mask=True)
    ours = lamina.Model([q_in, v_in, mask_in], out)
    cfg = ours.get_config()
    node = cfg["layers"][-1]["inbound_nodes"][0]
    assert len(node["args"]) == 1 and set(node["kwargs"]) == {"value", "attention_mask",
                                                              "use_causal_mask"}
    assert lamina.Model.from_config(cfg).output_shape == (None, 5, 6)
    theirs = keras.Model.from_config(cfg)
    theirs.set_weights(ours.get_weights())
    x = [data(2, 5, 6), data(2, 7, 4, seed=1), np.random.default_rng(0).random((2, 5, 7)) > 0.3]
    x[2][..., 0] = True
    close(ours(x), theirs(x))


def test_attention_with_symbolic_masks_in_a_graph_keras_reads():
    q_in, v_in = lamina.Input((5, 4)), lamina.Input((7, 4))
    q_mask, v_mask = lamina.Input((5,), dtype="bool"), lamina.Input((7,), dtype="bool")
    out, scores = Attention(use_scale=True)([q_in, v_in], mask=[q_mask, v_mask],
                                            return_attention_scores=True)
    assert out.shape == (None, 5, 4) and scores.shape == (None, 5, 7)
    ours = lamina.Model([q_in, v_in, q_mask, v_mask], [out, scores])
    ours.set_weights([np.array(1.3, "float32")])
    theirs = keras.Model.from_config(ours.get_config())
    theirs.set_weights(ours.get_weights())
    rng = np.random.default_rng(0)
    x = [data(2, 5, 4), data(2, 7, 4, seed=1), rng.random((2, 5)) > 0.3, rng.random((2, 7)) > 0.3]
    x[3][:, 0] = True
    for a, b in zip(ours(x), theirs(x)):
        close(a, b)
    assert np.all(np.asarray(ours(x)[0])[~x[2]] == 0)
