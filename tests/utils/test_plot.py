"""plot_model / model_to_dot: the DOT text holds the real data flow for every model style."""

import functools
import re

import jax.numpy as jnp
import pytest

import lamina
from lamina.layers import Add, Concatenate, Dense, Dropout, Input
from lamina.utils import plot
from tests.helpers import (NamedSeedSubclass, named_seed_functional, named_seed_sequential,
                           named_seed_subclass)

IN = "INPUT"


def parse(dot):
    """``{node id: label lines}`` and the edges as ``(source title, target title)`` pairs; an
    input box's title is ``INPUT`` (input names differ between styles)."""
    labels = {n: label.split("\\n") for n, label in
              re.findall(r'^\s*(n\d+) \[label="((?:[^"\\]|\\.)*)"\];$', dot, re.M)}
    titles = {n: IN if lines[0].endswith("(InputLayer)") else lines[0]
              for n, lines in labels.items()}
    pairs = re.findall(r"^\s*(n\d+) -> (n\d+);$", dot, re.M)
    assert len(pairs) == len(set(pairs)), "an edge is drawn twice"
    return labels, {(titles[a], titles[b]) for a, b in pairs}


def titles(dot):
    return sorted(lines[0] for lines in parse(dot)[0].values())


# -- the seed model, three ways, with the same layer names ----------------------------------------
SEED_EDGES = {(IN, "d1 (Dense)"), ("d1 (Dense)", "a1 (Activation)"),
              ("a1 (Activation)", "d2 (Dense)"), ("d2 (Dense)", "a2 (Activation)"),
              ("a2 (Activation)", "d3 (Dense)")}


@pytest.mark.parametrize("make", [named_seed_sequential, named_seed_subclass,
                                  functools.partial(named_seed_functional, "features")])
def test_seed_model_has_the_same_nodes_edges_and_shapes_in_every_style(make):
    labels, edges = parse(plot.model_to_dot(make(), show_shapes=True))
    assert edges == SEED_EDGES
    by_title = {lines[0]: lines[1:] for lines in labels.values()}
    assert len(labels) == 6
    assert by_title["d1 (Dense)"] == ["Input shape: (None, 8)", "Output shape: (None, 64)"]
    assert by_title["a2 (Activation)"] == ["Input shape: (None, 32)", "Output shape: (None, 32)"]
    assert by_title["d3 (Dense)"] == ["Input shape: (None, 32)", "Output shape: (None, 1)"]
    inputs = [lines for lines in labels.values() if lines[0].endswith("(InputLayer)")]
    assert [lines[1:] for lines in inputs] == [["Output shape: (None, 8)"]]


def test_label_options():
    model = named_seed_sequential()
    model.get_layer("d2").trainable = False
    dot = plot.model_to_dot(model, show_dtype=True, show_layer_names=False, rankdir="LR", dpi=96,
                            show_layer_activations=True, show_trainable=True)
    assert "graph [rankdir=LR, dpi=96];" in dot
    labels = list(parse(dot)[0].values())
    assert [lines[0] for lines in labels] == ["InputLayer", "Dense", "Activation", "Dense",
                                             "Activation", "Dense"]
    assert labels[1] == ["Dense", "Activation: linear", "Output dtype: float32", "Trainable"]
    assert labels[2] == ["Activation", "Activation: relu", "Output dtype: float32"]
    assert labels[3][-1] == "Non-trainable"


# -- branches ------------------------------------------------------------------------------------
def towers():
    return dict(ta1=Dense(4, name="ta1"), ta2=Dense(4, name="ta2"), tb1=Dense(4, name="tb1"),
                drop=Dropout(0.5, name="drop"), tb2=Dense(4, name="tb2"))


class TwoTowers(lamina.Model):
    """Two towers from one input, merged by ``merge`` (a layer, or None for ``a + b``)."""

    def __init__(self, merge):
        super().__init__()
        self.t = towers()
        self.merge = merge
        self.head = Dense(1, name="head")

    def call(self, x):
        a = self.t["ta2"](self.t["ta1"](x))
        b = self.t["tb2"](self.t["drop"](self.t["tb1"](x)))  # Dropout returns its input here
        return self.head(self.merge([a, b]) if self.merge is not None else a + b)


def two_towers_functional(merge):
    t = towers()
    x = Input((3,), name="x")
    a = t["ta2"](t["ta1"](x))
    b = t["tb2"](t["drop"](t["tb1"](x)))
    return lamina.Model(x, Dense(1, name="head")(merge([a, b])))


TOWER_EDGES = {(IN, "ta1 (Dense)"), ("ta1 (Dense)", "ta2 (Dense)"), (IN, "tb1 (Dense)"),
               ("tb1 (Dense)", "drop (Dropout)"), ("drop (Dropout)", "tb2 (Dense)")}


@pytest.mark.parametrize("merge", [lambda: Concatenate(name="merge"), lambda: Add(name="merge")])
def test_two_tower_subclassed_model_shows_two_towers_joining(merge):
    sub = TwoTowers(merge())
    sub.build((None, 3))
    joined = {("ta2 (Dense)", f"merge ({type(sub.merge).__name__})"),
              ("tb2 (Dense)", f"merge ({type(sub.merge).__name__})"),
              (f"merge ({type(sub.merge).__name__})", "head (Dense)")}
    assert parse(plot.model_to_dot(sub))[1] == TOWER_EDGES | joined
    assert parse(plot.model_to_dot(two_towers_functional(merge())))[1] == TOWER_EDGES | joined


def test_towers_merged_by_a_plain_jax_op_connect_both_to_the_next_layer():
    sub = TwoTowers(None)
    sub.build((None, 3))
    edges = parse(plot.model_to_dot(sub))[1]
    assert edges == TOWER_EDGES | {("ta2 (Dense)", "head (Dense)"), ("tb2 (Dense)", "head (Dense)")}


# -- shared layers and several inputs -------------------------------------------------------------
class SharedSubclass(lamina.Model):
    def __init__(self):
        super().__init__()
        self.shared = Dense(4, name="shared")
        self.add = Add(name="add")

    def call(self, inputs):
        first, second = inputs
        return self.add([self.shared(first), self.shared(jnp.tanh(second))])


def test_a_shared_layer_is_one_box_fed_by_both_inputs():
    shared = Dense(4, name="shared")
    x1, x2 = Input((3,), name="x1"), Input((3,), name="x2")
    functional = lamina.Model([x1, x2], Add(name="add")([shared(x1), shared(x2)]))
    sub = SharedSubclass()
    sub.build([(None, 3), (None, 3)])
    expected = {("x1", "shared (Dense)"), ("x2", "shared (Dense)"), ("shared (Dense)", "add (Add)")}
    for model, names in ((functional, ("x1", "x2")), (sub, ("inputs[0]", "inputs[1]"))):
        dot = plot.model_to_dot(model)
        labels = parse(dot)[0]
        rename = dict(zip([f"{n} (InputLayer)" for n in names], ("x1", "x2")))
        edges = {(rename.get(labels[a][0], labels[a][0]), labels[b][0])
                 for a, b in re.findall(r"(n\d+) -> (n\d+);", dot)}
        assert edges == expected
        assert titles(dot).count("shared (Dense)") == 1


# -- nested models ---------------------------------------------------------------------------------
def inner_sequential():
    return lamina.Sequential([Input((4,)), Dense(3, name="i1"), Dense(2, name="i2")], name="inner")


def inner_functional():
    x = Input((4,), name="inner_x")
    h = Dense(2, name="i1")(x)
    return lamina.Model(x, Add(name="i_add")([h, Dense(2, name="i2")(x)]), name="inner")


class Outer(lamina.Model):
    def __init__(self, inner):
        super().__init__()
        self.pre, self.inner, self.post = Dense(4, name="pre"), inner, Dense(1, name="post")

    def call(self, x):
        return self.post(self.inner(self.pre(x)))


def outer_functional(inner):
    x = Input((5,), name="x")
    return lamina.Model(x, Dense(1, name="post")(inner(Dense(4, name="pre")(x))))


def outer_subclass(inner):
    model = Outer(inner)
    model.build((None, 5))
    return model


@pytest.mark.parametrize("outer", [outer_functional, outer_subclass])
def test_nested_sequential_collapsed_and_expanded(outer):
    model = outer(inner_sequential())
    dot = plot.model_to_dot(model)
    assert parse(dot)[1] == {(IN, "pre (Dense)"), ("pre (Dense)", "inner (Sequential)"),
                             ("inner (Sequential)", "post (Dense)")}
    assert "subgraph" not in dot
    dot = plot.model_to_dot(model, expand_nested=True)
    assert parse(dot)[1] == {(IN, "pre (Dense)"), ("pre (Dense)", "i1 (Dense)"),
                             ("i1 (Dense)", "i2 (Dense)"), ("i2 (Dense)", "post (Dense)")}
    assert "inner (Sequential)" not in titles(dot)
    cluster = re.search(r'subgraph cluster_0 \{\n\s*label="inner"; style=dashed;\n(.*?)\n\s*\}',
                        dot, re.S).group(1)
    assert re.findall(r'label="(\w+) ', cluster) == ["i1", "i2"]


@pytest.mark.parametrize("outer", [outer_functional, outer_subclass])
def test_expanded_nested_functional_wires_its_input_to_each_consumer(outer):
    dot = plot.model_to_dot(outer(inner_functional()), expand_nested=True)
    assert parse(dot)[1] == {(IN, "pre (Dense)"), ("pre (Dense)", "i1 (Dense)"),
                             ("pre (Dense)", "i2 (Dense)"), ("i1 (Dense)", "i_add (Add)"),
                             ("i2 (Dense)", "i_add (Add)"), ("i_add (Add)", "post (Dense)")}


def test_unbuilt_subclassed_model_is_refused():
    with pytest.raises(ValueError, match="not been built"):
        plot.model_to_dot(NamedSeedSubclass())


# -- files -----------------------------------------------------------------------------------------
def test_plot_model_writes_dot_without_graphviz(tmp_path, monkeypatch):
    monkeypatch.setattr(plot.shutil, "which", lambda name: None)
    model = named_seed_subclass()
    path = tmp_path / "model.dot"
    assert plot.plot_model(model, to_file=path, show_shapes=True) is None
    assert path.read_text() == plot.model_to_dot(model, show_shapes=True, show_layer_names=False)


def test_plot_model_to_png_without_graphviz_names_the_missing_program(tmp_path, monkeypatch):
    monkeypatch.setattr(plot.shutil, "which", lambda name: None)
    with pytest.raises(ImportError, match=r"Graphviz's `dot` program was not found.*"
                                          r"apt-get install graphviz.*\.dot"):
        plot.plot_model(named_seed_sequential(), to_file=tmp_path / "model.png")
    assert not (tmp_path / "model.png").exists()


def test_plot_model_to_png(tmp_path):
    path = tmp_path / "model.png"
    if plot.shutil.which("dot") is None:
        with pytest.raises(ImportError, match="Graphviz"):
            plot.plot_model(named_seed_functional("features"), to_file=path)
        return
    plot.plot_model(named_seed_functional("features"), to_file=path, show_shapes=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_model_hands_the_dot_text_to_graphviz(tmp_path, monkeypatch):
    """A stand-in `dot` records its arguments and input: the real one gets the same."""
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\n"
                    'if [ "$1" = "-Tnope" ]; then echo "Format: nope not recognized" >&2; exit 1; fi\n'
                    'echo "$1 $2" > "$3.args"; cat > "$3"\n')
    fake.chmod(0o755)
    monkeypatch.setattr(plot.shutil, "which", lambda name: str(fake) if name == "dot" else None)
    model = named_seed_functional("features")
    path = tmp_path / "model.svg"
    plot.plot_model(model, to_file=path, rankdir="LR")
    assert path.read_text() == plot.model_to_dot(model, show_layer_names=False, rankdir="LR")
    assert (tmp_path / "model.svg.args").read_text().split() == ["-Tsvg", "-o"]
    with pytest.raises(ValueError, match="as 'nope'.*not recognized"):
        plot.plot_model(model, to_file=tmp_path / "model.nope")
