"""model.summary(): the same table for all three styles, parsed (no snapshots), and its options."""

import re

import numpy as np
import pytest

import lamina
from lamina.layers import Activation, Dense, Dropout, Input
from lamina.models.summary import print_summary
from tests.helpers import named_seed_functional, named_seed_sequential, named_seed_subclass


def table(text):
    """``(header, rows, totals)``: the cells of each table line and the ``... params`` counts."""
    lines = text.splitlines()

    def cells(line):
        return [c.strip() for c in line.strip()[1:-1].split(line.strip()[0])]

    header = cells(next(line for line in lines if line.startswith("┃")))
    rows = [cells(line) for line in lines if line.startswith("│")]
    found = re.findall(r" (\w[\w-]*) params: ([\d,]+)", text)
    totals = {k: int(v.replace(",", "")) for k, v in found}
    return header, rows, totals


def summary(model, **kwargs):
    printed = []
    model.summary(print_fn=printed.append, **kwargs)
    assert len(printed) == 1 and printed[0].startswith(f'Model: "{model.name}"')
    return table(printed[0])


# -- the seed model, three ways -------------------------------------------------------------------
SEED_ROWS = [["d1 (Dense)", "(None, 64)", "576"], ["a1 (Activation)", "(None, 64)", "0"],
             ["d2 (Dense)", "(None, 32)", "2,080"], ["a2 (Activation)", "(None, 32)", "0"],
             ["d3 (Dense)", "(None, 1)", "33"]]


def test_seed_model_gives_the_same_table_in_all_three_styles():
    sequential = named_seed_sequential()
    for model in (sequential, named_seed_functional(), named_seed_subclass()):
        header, rows, totals = summary(model)
        assert header == ["Layer (type)", "Output Shape", "Param #"]
        if model is not sequential and rows[0][0] == "x (InputLayer)":  # functional, as Keras
            assert rows.pop(0) == ["x (InputLayer)", "(None, 8)", "0"]
        assert rows == SEED_ROWS
        assert totals == {"Total": 2689, "Trainable": 2689, "Non-trainable": 0}


def test_keras_shows_the_same_rows_for_the_seed_model(monkeypatch):
    import keras

    monkeypatch.setenv("COLUMNS", "200")  # Keras's table is cut at the terminal width
    x = h = keras.Input((8,), name="x")
    for layer in [keras.layers.Dense(64, name="d1"), keras.layers.Activation("relu", name="a1"),
                  keras.layers.Dense(32, name="d2"), keras.layers.Activation("relu", name="a2"),
                  keras.layers.Dense(1, name="d3")]:
        h = layer(h)
    printed = []
    keras.Model(x, h).summary(print_fn=printed.append)
    _, rows, totals = table(printed[0])
    assert rows == [["x (InputLayer)", "(None, 8)", "0"]] + SEED_ROWS
    assert totals == {"Total": 2689, "Trainable": 2689, "Non-trainable": 0}


class WithStatelessLayers(lamina.Model):
    def __init__(self):
        super().__init__()
        self.hidden = Dense(16, name="hidden")
        self.act = Activation("tanh", name="act")
        self.drop = Dropout(0.5, name="drop")
        self.out = Dense(2, name="out")

    def call(self, x, training=None):
        return self.out(self.drop(self.act(self.hidden(x)), training=training))


def test_subclassed_model_lists_weightless_layers_with_shapes():
    model = WithStatelessLayers()
    model.build((None, 5))
    _, rows, totals = summary(model)
    assert rows == [["hidden (Dense)", "(None, 16)", "96"], ["act (Activation)", "(None, 16)", "0"],
                    ["drop (Dropout)", "(None, 16)", "0"], ["out (Dense)", "(None, 2)", "34"]]
    assert totals["Total"] == 130


def test_unbuilt_subclassed_model_shows_unknown_shapes():
    _, rows, _ = summary(WithStatelessLayers())
    assert rows[0] == ["hidden (Dense)", "?", "0 (unbuilt)"]
    assert len(rows) == 4


# -- options ---------------------------------------------------------------------------------------
def test_show_trainable_adds_a_column():
    model = named_seed_subclass()
    model.d2.trainable = False
    header, rows, totals = summary(model, show_trainable=True)
    assert header[-1] == "Trainable"
    assert [row[-1] for row in rows] == ["Y", "-", "N", "-", "Y"]
    assert totals == {"Total": 2689, "Trainable": 609, "Non-trainable": 2080}


def test_line_length_sets_the_table_width():
    printed = []
    named_seed_subclass().summary(print_fn=printed.append, line_length=70)
    widths = {len(line) for line in printed[0].splitlines() if line[:1] in "┏┃┡│└"}
    assert widths == {70}


def test_layer_range_and_positions():
    model = named_seed_subclass()
    printed = []
    print_summary(model, print_fn=printed.append, layer_range=("d2", "d3"),
                  line_length=60, positions=[0.5, 0.8, 1.0])
    header, rows, _ = table(printed[0])
    assert [row[0] for row in rows] == ["d2 (Dense)", "a2 (Activation)", "d3 (Dense)"]
    top = next(line for line in printed[0].splitlines() if line.startswith("┏"))
    assert [m.start() for m in re.finditer("┳", top)] == [30, 48]
    with pytest.raises(ValueError, match="matches no layer name"):
        print_summary(model, print_fn=print, layer_range=("nope", "d3"))


def nested_inner():
    return lamina.Sequential([Input((4,)), Dense(3, name="i1"), Dense(2, name="i2")], name="inner")


class Outer(lamina.Model):
    def __init__(self):
        super().__init__()
        self.pre, self.inner = Dense(4, name="pre"), nested_inner()
        self.post = Dense(1, name="post")

    def call(self, x):
        return self.post(self.inner(self.pre(x)))


PRE, POST = ["pre (Dense)", "(None, 4)", "24"], ["post (Dense)", "(None, 1)", "3"]
INNER = ["inner (Sequential)", "(None, 2)", "23"]


def test_expand_nested_shows_the_inner_layers():
    x = Input((5,), name="x")
    functional = lamina.Model(x, Dense(1, name="post")(nested_inner()(Dense(4, name="pre")(x))))
    sub = Outer()
    sub.build((None, 5))
    for model in (functional, sub):
        rows = [row for row in summary(model)[1] if "InputLayer" not in row[0]]
        assert rows == [PRE, INNER, POST]
        rows = [row for row in summary(model, expand_nested=True)[1] if "InputLayer" not in row[0]]
        assert rows == [PRE, INNER, ["└ i1 (Dense)", "(None, 3)", "15"],
                        ["└ i2 (Dense)", "(None, 2)", "8"], POST]


# -- "Connected to" for graphs that are not chains ----------------------------------------------------
def towers(ns):
    return [ns.Dense(4, name="ta1"), ns.Dense(4, name="ta2"), ns.Dense(4, name="tb1"),
            ns.Dropout(0.1, name="dr"), ns.Concatenate(name="cat"), ns.Dense(1, name="head")]


def towers_functional(ns, Input, Model):
    ta1, ta2, tb1, dr, cat, head = towers(ns)
    x = Input((8,), name="x")
    return Model(x, head(cat([ta2(ta1(x)), dr(tb1(x))])))


class Towers(lamina.Model):
    def __init__(self):
        super().__init__()
        self.ta1, self.ta2, self.tb1, self.dr, self.cat, self.head = towers(lamina.layers)

    def call(self, x):
        a, b = self.ta2(self.ta1(x)), self.dr(self.tb1(x))
        return self.head(self.cat([a, b]))


def test_two_towers_get_keras_connected_to_column_in_functional_and_subclassed_form(monkeypatch):
    import keras

    monkeypatch.setenv("COLUMNS", "200")
    printed = []
    towers_functional(keras.layers, keras.Input, keras.Model).summary(print_fn=printed.append)
    keras_header, keras_rows, _ = table(printed[0])
    header, rows, _ = summary(towers_functional(lamina.layers, Input, lamina.Model))
    assert header == keras_header == ["Layer (type)", "Output Shape", "Param #", "Connected to"]
    assert rows == keras_rows
    sub = Towers()
    sub.build((None, 8))
    header, rows, _ = summary(sub)
    assert header[-1] == "Connected to"
    by_name = {row[0]: row[1:] for row in rows}
    assert by_name["ta1 (Dense)"] == ["(None, 4)", "36", "x"]
    assert by_name["tb1 (Dense)"] == ["(None, 4)", "36", "x"]
    assert by_name["dr (Dropout)"] == ["(None, 4)", "0", "tb1[0][0]"]
    assert by_name["cat (Concatenate)"] == ["(None, 8)", "0", "ta2[0][0], dr[0][0]"]
    assert by_name["head (Dense)"] == ["(None, 1)", "9", "cat[0][0]"]


# -- optimizer state ----------------------------------------------------------------------------------
def test_optimizer_params_appear_after_fit_with_keras_count():
    import keras

    keras_model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(64),
                                    keras.layers.Activation("relu"), keras.layers.Dense(1)])
    keras_adam = keras.optimizers.Adam()
    keras_adam.build(keras_model.trainable_variables)
    expected = int(sum(np.prod(v.shape) for v in keras_adam.variables))

    model = lamina.Sequential([Input((8,)), Dense(64), Activation("relu"), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    assert "Optimizer" not in summary(model)[2]
    model.fit(np.ones((32, 8), "float32"), np.ones((32, 1), "float32"), epochs=1, verbose=0)
    totals = summary(model)[2]
    assert totals == {"Total": 641 + expected, "Trainable": 641, "Non-trainable": 0,
                      "Optimizer": expected}
