"""TextVectorization and Hashing. Keras needs TensorFlow for both, so expected values come from
its documentation (and, for the hashes, from reference FarmHash/SipHash outputs)."""

import jax
import numpy as np
import pytest

import lamina
from lamina.core import config
from lamina.layers import preprocessing as P
from lamina.layers.preprocessing.hash_functions import fingerprint64, siphash64

LETTERS = [["A"], ["B"], ["C"], ["D"], ["E"]]


def eq(actual, expected):
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), rtol=1e-6, atol=1e-6)


# -- hash functions --------------------------------------------------------------------------------
def test_fingerprint64_matches_reference_farmhash_for_every_length_branch():
    # reference values from Google's FarmHash Fingerprint64 (farmhashna::Hash64)
    cases = {"": 11160318154034397263, "a": 12917804110809363939,
             "hello world": 6381520714923946011, "x" * 20: 8233088228747857348,
             "y" * 40: 276292113409495006, "z" * 100: 9220849947163966073,
             "The quick brown fox jumps over the lazy dog" * 5: 7867177600520443285}
    for text, expected in cases.items():
        assert fingerprint64(text) == expected, text


def test_siphash64_matches_reference_vectors():
    key = (0x0706050403020100, 0x0F0E0D0C0B0A0908)  # the SipHash paper's key 00..0f
    assert siphash64(key, b"") == 0x726FDB47DD0E0E31
    assert siphash64(key, bytes(range(8))) == 0x93F5F5799A932462
    assert siphash64(key, bytes(range(15))) == 0xA129CA6149BE45E5


# -- Hashing ---------------------------------------------------------------------------------------
def test_hashing_matches_keras_documented_bins():
    eq(P.Hashing(num_bins=3)(LETTERS), [[1], [0], [1], [1], [2]])
    eq(P.Hashing(num_bins=3, mask_value="")([["A"], ["B"], [""], ["C"], ["D"]]),
       [[1], [1], [0], [2], [2]])
    eq(P.Hashing(num_bins=3, salt=[133, 137])(LETTERS), [[1], [2], [1], [0], [2]])
    eq(P.Hashing(num_bins=3, salt=133)(LETTERS), [[0], [0], [2], [1], [0]])


def test_hashing_numbers_hash_their_decimal_text():
    out = P.Hashing(num_bins=7)(np.array([[12, -3], [0, 99]]))
    assert out.dtype == np.int32
    eq(out, [[fingerprint64(s) % 7 for s in r] for r in (["12", "-3"], ["0", "99"])])
    eq(P.Hashing(num_bins=7)(np.array([12.7, -3.2])), [fingerprint64("12") % 7,
                                                        fingerprint64("-3") % 7])
    eq(P.Hashing(num_bins=5, mask_value=0)(np.array([0, 12])), [0, fingerprint64("12") % 4 + 1])


def test_hashing_encoded_modes():
    ids = np.asarray(P.Hashing(num_bins=3)(LETTERS)).ravel()  # [1, 0, 1, 1, 2]
    eq(P.Hashing(num_bins=3, output_mode="one_hot")(LETTERS), np.eye(3)[ids])
    eq(P.Hashing(num_bins=3, output_mode="count")([["A", "C", "E"]]), [[0, 2, 1]])
    eq(P.Hashing(num_bins=3, output_mode="multi_hot")([["A", "C", "E"]]), [[0, 1, 1]])


def test_hashing_config_errors_and_eager_only():
    layer = P.Hashing(num_bins=4, salt=5, mask_value="", name="h")
    cfg = layer.get_config()
    assert cfg["salt"] == [5, 5] and cfg["dtype"] == "int64" and cfg["mask_value"] == ""
    again = P.Hashing.from_config(cfg)
    eq(again(LETTERS), layer(LETTERS))
    with pytest.raises(ValueError, match="num_bins"):
        P.Hashing(num_bins=0)
    with pytest.raises(ValueError, match="Hashing 'f'.*dtype"):
        P.Hashing(num_bins=3, dtype="float32", name="f")
    with pytest.raises(TypeError, match="Hashing 'h' runs eagerly"):
        jax.jit(lambda x: layer(x))(np.array([1, 2]))


# -- TextVectorization -----------------------------------------------------------------------------
def test_text_vectorization_documented_examples():
    layer = P.TextVectorization(max_tokens=5000, output_mode="int", output_sequence_length=4)
    layer.adapt(["foo bar", "bar baz", "baz bada boom"])
    out = layer([["foo qux bar"], ["qux baz"]])
    assert out.dtype == np.int32
    eq(out, [[4, 1, 3, 0], [1, 2, 0, 0]])
    given = P.TextVectorization(vocabulary=["earth", "wind", "and", "fire"])
    assert given.get_vocabulary() == ["", "[UNK]", "earth", "wind", "and", "fire"]


def test_text_vectorization_pads_to_longest_or_cuts_to_length():
    vocab = ["the", "cat", "sat"]
    eq(P.TextVectorization(vocabulary=vocab)(["The cat sat!", "cat", ""]),
       [[2, 3, 4], [3, 0, 0], [0, 0, 0]])
    eq(P.TextVectorization(vocabulary=vocab, output_sequence_length=2)(["the cat sat", "dog"]),
       [[2, 3], [1, 0]])
    eq(P.TextVectorization(vocabulary=vocab)("the dog"), [2, 1])  # one string, no batch axis


@pytest.mark.parametrize("mode,expected", [
    ("lower_and_strip_punctuation", ["hello", "wÖrld", "Éa"]),  # tf.strings.lower: ASCII only
    ("lower", ["hello,", "wÖrld!", "Éa"]),
    ("strip_punctuation", ["Hello", "WÖrld", "ÉA"]),
    (None, ["Hello,", "WÖrld!", "ÉA"]),
])
def test_text_vectorization_standardize_modes_are_ascii_like_tensorflow(mode, expected):
    layer = P.TextVectorization(standardize=mode)
    layer.adapt(["Hello, WÖrld! ÉA"])
    assert sorted(layer.get_vocabulary(include_special_tokens=False)) == sorted(expected)


def test_text_vectorization_callable_standardize_and_split_ngrams():
    layer = P.TextVectorization(standardize=lambda x: np.char.upper(x), split="character",
                                vocabulary=["A", "B"])
    eq(layer(["ab", "bca"]), [[2, 3, 0], [3, 1, 2]])
    comma = P.TextVectorization(split=lambda xs: [s.split(",") for s in xs], standardize=None,
                                vocabulary=["x", "y z"])
    eq(comma(["x,y z", "q"]), [[2, 3], [1, 0]])
    grams = P.TextVectorization(ngrams=2)
    grams.adapt(["a b c"])
    assert sorted(grams.get_vocabulary()[2:]) == ["a", "a b", "b", "b c", "c"]
    eq(grams(["a b c"]), [[grams.get_vocabulary().index(t) for t in ["a", "b", "c", "a b", "b c"]]])
    whole = P.TextVectorization(split=None, vocabulary=["new york", "paris"])
    eq(whole([["New York"], ["Rome"]]), [[2], [1]])


def test_text_vectorization_bag_of_words_modes():
    docs = ["a b b", "b c"]
    hot = P.TextVectorization(output_mode="multi_hot")
    hot.adapt(docs)
    assert hot.get_vocabulary() == ["[UNK]", "b", "c", "a"]
    eq(hot(["b b z", ""]), [[1, 1, 0, 0], [0, 0, 0, 0]])
    count = P.TextVectorization(output_mode="count", vocabulary=["b", "c", "a"])
    eq(count(["b b z", "a"]), [[1, 2, 0, 0], [0, 0, 0, 1]])
    tfidf = P.TextVectorization(output_mode="tf_idf")
    tfidf.adapt(docs)
    idf = np.log(1 + 2 / (1 + np.array([2, 1, 1])))  # b in 2 documents, c and a in 1
    eq(tfidf(["b b z"]), [[idf.mean(), 2 * idf[0], 0, 0]])
    padded = P.TextVectorization(output_mode="multi_hot", max_tokens=10, pad_to_max_tokens=True)
    padded.adapt(docs)
    assert padded(["a"]).shape == (1, 10)


def test_text_vectorization_adapt_on_batches_and_max_tokens():
    layer = P.TextVectorization(max_tokens=4)
    layer.adapt(iter([np.array(["x y y"]), np.array(["z z z", "y"])]))
    assert layer.get_vocabulary() == ["", "[UNK]", "z", "y"]


def test_text_vectorization_config_round_trip_and_assets(tmp_path):
    layer = P.TextVectorization(ngrams=(1, 3), vocabulary=["a", "b"], output_sequence_length=5)
    cfg = layer.get_config()
    assert cfg["ngrams"] == (1, 3) and cfg["vocabulary"] == ["a", "b"]
    assert cfg["vocabulary_size"] == 4
    again = P.TextVectorization.from_config(cfg)
    eq(again(["a b c"]), layer(["a b c"]))

    def shout(x):
        return np.char.upper(x)

    config.register_function(shout)
    custom = P.TextVectorization(standardize=shout, split="character")
    custom.adapt(["aab"])
    saved = custom.get_config()
    assert saved["standardize"] == "shout" and saved["vocabulary"] is None
    custom.save_assets(str(tmp_path))
    restored = P.TextVectorization.from_config(saved)
    restored.load_assets(str(tmp_path))
    assert restored.get_vocabulary() == ["", "[UNK]", "A", "B"]
    eq(restored(["ba"]), [[3, 2]])


def test_text_vectorization_errors():
    with pytest.raises(ValueError, match="TextVectorization 'tv'.*no vocabulary|tv_lookup"):
        P.TextVectorization(name="tv")(["hello"])
    with pytest.raises(ValueError, match="output_sequence_length"):
        P.TextVectorization(output_mode="count", output_sequence_length=3)
    with pytest.raises(ValueError, match="standardize"):
        P.TextVectorization(standardize="upper")
    with pytest.raises(NotImplementedError, match="ragged"):
        P.TextVectorization(ragged=True)
    with pytest.raises(ValueError, match="TextVectorization 'tv2'.*shape"):
        P.TextVectorization(vocabulary=["a"], name="tv2")([["a b", "c"]])
    layer = P.TextVectorization(vocabulary=["a"], name="tv3")
    with pytest.raises(TypeError, match="TextVectorization 'tv3' runs eagerly"):
        layer(lamina.layers.Input((1,)))
