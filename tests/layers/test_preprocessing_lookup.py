"""IntegerLookup and StringLookup. Keras needs TensorFlow for these, so the expected values are
the ones its documentation states (hand-checked against its semantics)."""

import os

import jax
import numpy as np
import pytest

import lamina
from lamina.layers import preprocessing as P

VOCAB = ["a", "b", "c", "d"]
INTS = [12, 36, 1138, 42]


def eq(actual, expected):
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), rtol=1e-6, atol=1e-6)


def round_trip(layer):
    cfg = layer.get_config()
    again = type(layer).from_config(cfg)
    assert again.get_config() == cfg
    return again


# -- StringLookup ----------------------------------------------------------------------------------
def test_string_lookup_given_vocabulary_and_oov():
    layer = P.StringLookup(vocabulary=VOCAB)
    out = layer([["a", "c", "d"], ["d", "z", "b"]])
    assert out.dtype == np.int32
    eq(out, [[1, 3, 4], [4, 0, 2]])
    assert layer.get_vocabulary() == ["[UNK]"] + VOCAB and layer.vocabulary_size() == 5
    eq(layer(np.array([b"b", b"zz"])), [2, 0])  # byte strings are decoded
    eq(layer("c"), 3)


def test_string_lookup_adapt_orders_by_count_then_token_descending():
    data = [["a", "c", "d"], ["d", "z", "b"]]
    layer = P.StringLookup()
    layer.adapt(data)
    assert layer.get_vocabulary() == ["[UNK]", "d", "z", "c", "b", "a"]
    eq(layer(data), [[5, 3, 1], [1, 2, 4]])
    capped = P.StringLookup(max_tokens=3)
    capped.adapt(iter([np.array(["x", "y", "y"]), np.array(["z", "z", "z", "y"])]))
    assert capped.get_vocabulary() == ["[UNK]", "z", "y"]


def test_string_lookup_multiple_oov_indices_hash_with_farmhash_or_siphash():
    layer = P.StringLookup(vocabulary=VOCAB, num_oov_indices=2)
    eq(layer([["a", "c", "d"], ["m", "z", "b"]]), [[2, 4, 5], [0, 1, 3]])
    salted = P.StringLookup(vocabulary=VOCAB, num_oov_indices=3, salt=[133, 137])
    eq(salted(["A", "B", "C", "D", "E"]), [1, 2, 1, 0, 2])  # SipHash bins of Keras's Hashing doc


def test_string_lookup_mask_token():
    layer = P.StringLookup(vocabulary=VOCAB, mask_token="")
    assert layer.get_vocabulary()[:2] == ["", "[UNK]"]
    eq(layer([["a", ""], ["", "q"]]), [[2, 0], [0, 1]])
    hot = P.StringLookup(vocabulary=VOCAB, mask_token="", output_mode="multi_hot")
    eq(hot([["a", ""], ["", "q"]]), [[0, 1, 0, 0, 0], [1, 0, 0, 0, 0]])  # masks are dropped
    with pytest.raises(ValueError, match="mask token '' appears inside"):
        P.StringLookup(vocabulary=["a", ""], mask_token="")


def test_string_lookup_encoded_output_modes():
    data = [["a", "c", "d", "d"], ["d", "z", "b", "z"]]
    eq(P.StringLookup(vocabulary=VOCAB, output_mode="one_hot")(["a", "b", "c", "d", "z"]),
       np.eye(5)[[1, 2, 3, 4, 0]])
    eq(P.StringLookup(vocabulary=VOCAB, output_mode="multi_hot")(data),
       [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]])
    eq(P.StringLookup(vocabulary=VOCAB, output_mode="count")(data),
       [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]])
    tfidf = P.StringLookup(output_mode="tf_idf")
    tfidf.set_vocabulary(VOCAB, idf_weights=[0.25, 0.75, 0.6, 0.4])
    eq(tfidf(data), [[0, 0.25, 0, 0.6, 0.8], [1.0, 0, 0.75, 0, 0.4]])
    with_oov = P.StringLookup(output_mode="tf_idf", vocabulary=["[UNK]"] + VOCAB,
                              idf_weights=[0.9, 0.25, 0.75, 0.6, 0.4])
    eq(with_oov(data), [[0, 0.25, 0, 0.6, 0.8], [1.8, 0, 0.75, 0, 0.4]])
    padded = P.StringLookup(vocabulary=VOCAB, output_mode="multi_hot", max_tokens=8,
                            pad_to_max_tokens=True)
    assert padded(data).shape == (2, 8)


def test_string_lookup_adapt_tf_idf_weights():
    layer = P.StringLookup(output_mode="tf_idf")
    layer.adapt(np.array([["a", "a", "b"], ["b", "c", "c"]]))  # rows are documents
    assert layer.get_vocabulary() == ["[UNK]", "c", "b", "a"]
    idf = np.log(1 + 2 / (1 + np.array([1, 2, 1])))  # c, b, a appear in 1, 2, 1 documents
    eq(layer.idf_weights, np.concatenate([[idf.mean()], idf]))
    eq(layer([["c", "c", "x"]]), [[idf.mean(), 2 * idf[0], 0, 0]])


def test_string_lookup_invert_round_trip():
    vocab_layer = P.StringLookup(vocabulary=VOCAB)
    inverse = P.StringLookup(vocabulary=VOCAB, invert=True)
    out = inverse(vocab_layer([["a", "c", "d"], ["d", "z", "b"]]))
    assert out.tolist() == [["a", "c", "d"], ["d", "[UNK]", "b"]]
    assert inverse([9, -1]).tolist() == ["[UNK]", "[UNK]"]
    masked = P.StringLookup(vocabulary=VOCAB, invert=True, mask_token="[PAD]")
    assert masked([0, 1, 2]).tolist() == ["[PAD]", "[UNK]", "a"]


def test_string_lookup_num_oov_zero_rejects_unknown_values():
    layer = P.StringLookup(vocabulary=VOCAB, num_oov_indices=0, name="strict")
    eq(layer(["a", "d"]), [0, 3])
    with pytest.raises(ValueError, match=r"StringLookup 'strict'.*\['q'\]"):
        layer(["a", "q"])


def test_string_lookup_errors_name_the_layer():
    with pytest.raises(ValueError, match="StringLookup 'empty' has no vocabulary.*adapt"):
        P.StringLookup(name="empty")(["a"])
    with pytest.raises(RuntimeError, match="set the vocabulary"):
        P.StringLookup(output_mode="multi_hot")._depth()
    with pytest.raises(ValueError, match="repeats"):
        P.StringLookup(vocabulary=["a", "a"])
    with pytest.raises(ValueError, match="max_tokens=3"):
        P.StringLookup(vocabulary=VOCAB, max_tokens=3)
    with pytest.raises(ValueError, match="invert=True"):
        P.StringLookup(invert=True, output_mode="count")
    with pytest.raises(ValueError, match="StringLookup 'fixed'.*cannot adapt"):
        P.StringLookup(vocabulary=VOCAB, name="fixed").adapt(["a"])
    with pytest.raises(ValueError, match="idf_weights"):
        P.StringLookup(vocabulary=VOCAB, output_mode="tf_idf")


def test_encoded_output_width_cannot_change_after_a_call():
    layer = P.StringLookup(output_mode="count", name="frozen")
    layer.adapt(["a", "b"])
    layer.adapt(["a", "b", "c"])  # not called yet: the width may still change
    assert layer(["c"]).shape == (4,)
    with pytest.raises(RuntimeError, match="StringLookup 'frozen'.*cannot change.*was 4, now 2"):
        layer.adapt(["a"])
    assert layer.vocabulary_size() == 4


def test_string_lookup_refuses_compiled_and_symbolic_use():
    layer = P.StringLookup(vocabulary=VOCAB, name="host", invert=True)
    with pytest.raises(TypeError, match="StringLookup 'host' runs eagerly.*input pipeline"):
        jax.jit(lambda x: layer(x))(np.array([1, 2]))
    with pytest.raises(TypeError, match="StringLookup 'host' runs eagerly"):
        layer(lamina.layers.Input((2,), dtype="int32"))


def test_string_lookup_config_and_assets_round_trip(tmp_path):
    layer = P.StringLookup(vocabulary=VOCAB, num_oov_indices=2, mask_token="[M]", salt=7)
    cfg = round_trip(layer).get_config()
    assert cfg["vocabulary"] == VOCAB and cfg["salt"] == [7, 7] and cfg["encoding"] == "utf-8"
    assert "vocabulary_dtype" not in cfg and cfg["vocabulary_size"] == 7
    adapted = P.StringLookup(output_mode="count")
    adapted.adapt(["x", "y", "y", "héllo"])
    assert adapted.get_config()["vocabulary"] is None  # learned vocabularies are assets (Keras)
    adapted.save_assets(str(tmp_path))
    restored = P.StringLookup.from_config(adapted.get_config())
    restored.load_assets(str(tmp_path))
    assert restored.get_vocabulary() == adapted.get_vocabulary()
    eq(restored(["héllo", "y"]), adapted(["héllo", "y"]))


def test_string_lookup_vocabulary_file(tmp_path):
    path = os.path.join(tmp_path, "vocab.txt")
    with open(path, "w") as f:
        f.write("a\nb\nc\n")
    layer = P.StringLookup(vocabulary=path)
    eq(layer(["c", "a", "x"]), [3, 1, 0])
    assert layer.get_config()["vocabulary"] is None


# -- IntegerLookup ---------------------------------------------------------------------------------
def test_integer_lookup_given_and_adapted_vocabulary():
    data = np.array([[12, 1138, 42], [42, 1000, 36]])
    layer = P.IntegerLookup(vocabulary=INTS)
    eq(layer(data), [[1, 3, 4], [4, 0, 2]])
    assert layer.get_vocabulary() == [-1] + INTS
    adapted = P.IntegerLookup()
    adapted.adapt(data)
    assert adapted.get_vocabulary() == [-1, 42, 1138, 1000, 36, 12]
    eq(adapted(data), [[5, 2, 1], [1, 3, 4]])


def test_integer_lookup_oov_methods_and_mask():
    data = np.array([[12, 1138, 42], [37, 1000, 36]])
    eq(P.IntegerLookup(vocabulary=INTS, num_oov_indices=2)(data), [[2, 4, 5], [1, 0, 3]])
    farm = P.IntegerLookup(vocabulary=INTS, num_oov_indices=3, oov_method="farmhash")
    from lamina.layers.preprocessing.hash_functions import fingerprint64
    eq(farm(np.array([37, 1000])), [fingerprint64("37") % 3, fingerprint64("1000") % 3])
    masked = P.IntegerLookup(vocabulary=INTS, mask_token=0)
    eq(masked(np.array([0, 12, 5])), [0, 2, 1])
    assert masked.get_vocabulary()[:2] == [0, -1]


def test_integer_lookup_encoded_modes_and_invert():
    data = np.array([[12, 1138, 42, 42], [42, 7, 36, 7]])
    eq(P.IntegerLookup(vocabulary=INTS, output_mode="one_hot")(np.array([12, 36, 1138, 42, 7])),
       np.eye(5)[[1, 2, 3, 4, 0]])
    eq(P.IntegerLookup(vocabulary=INTS, output_mode="count")(data),
       [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]])
    eq(P.IntegerLookup(vocabulary=INTS, output_mode="tf_idf",
                       idf_weights=[0.25, 0.75, 0.6, 0.4])(data),
       [[0, 0.25, 0, 0.6, 0.8], [1.0, 0, 0.75, 0, 0.4]])
    inverse = P.IntegerLookup(vocabulary=INTS, invert=True)
    eq(inverse(np.array([[1, 3, 4], [4, 0, 2]])), [[12, 1138, 42], [42, -1, 36]])


def test_integer_lookup_inside_compiled_models():
    layer = P.IntegerLookup(vocabulary=INTS, output_mode="multi_hot")
    out = jax.jit(lambda x: layer(x))(np.array([[12, 7, 7]]))
    eq(out, [[1, 1, 0, 0, 0]])
    lookup = P.IntegerLookup()  # traced into the model before adapt: allowed, as in Keras
    model = lamina.Sequential([lamina.layers.Input((3,), dtype="int32"), lookup])
    lookup.adapt(np.array([5, 5, 9]))
    eq(model.predict(np.array([[5, 9, 4]]), verbose=0), [[1, 2, 0]])
    with pytest.raises(ValueError, match="IntegerLookup 'farm'.*compiled code"):
        jax.jit(P.IntegerLookup(vocabulary=INTS, num_oov_indices=2, oov_method="farmhash",
                                name="farm"))(np.array([1]))


def test_integer_lookup_vocabulary_is_state_a_compiled_model_rereads():
    lookup = P.IntegerLookup()
    model = lamina.Sequential([lamina.layers.Input((3,), dtype="int32"), lookup])
    x = np.array([[5, 9, 4]])
    eq(model(x), [[0, 0, 0]])  # compiled before adapt: everything is OOV
    lookup.adapt(np.array([5, 5, 9]))  # new table size: new state, the model recompiles
    eq(model(x), [[1, 2, 0]])
    lookup.adapt(np.array([4, 4, 9]))  # same size: the same compiled program reads new values
    eq(model(x), [[0, 2, 1]])
    assert lookup.weights == [] and len(lookup.variables) == 3


def test_integer_lookup_errors_and_config():
    with pytest.raises(ValueError, match="IntegerLookup 'none' has no vocabulary"):
        P.IntegerLookup(name="none")(np.array([1]))
    with pytest.raises(ValueError, match=r"IntegerLookup 'strict'.*\[7\]"):
        P.IntegerLookup(vocabulary=INTS, num_oov_indices=0, name="strict")(np.array([12, 7]))
    with pytest.raises(ValueError, match="int32"):
        P.IntegerLookup(vocabulary=[2 ** 40])
    with pytest.raises(ValueError, match="salt"):
        P.IntegerLookup(salt=3)
    cfg = round_trip(P.IntegerLookup(vocabulary=np.array(INTS), mask_token=0)).get_config()
    assert cfg["vocabulary"] == INTS and cfg["mask_token"] == 0 and cfg["oov_token"] == -1
    assert cfg["vocabulary_dtype"] == "int64"
