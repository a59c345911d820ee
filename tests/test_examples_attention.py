"""The attention examples run (small sizes) and learn: the loss falls, the accuracy rises."""

import importlib.util
from pathlib import Path

import numpy as np

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(f"lamina_example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_transformer_encoder_learns_the_marked_step():
    example = load("transformer_encoder")
    first, last, test = example.main(rows=2048, epochs=6, verbose=0)
    x, y = example.marked_step_data(512, seed=1)
    assert last < 0.5 * first
    assert test < 0.5 * float(np.var(y))  # far better than predicting the mean


def test_text_classifier_learns_the_key_token():
    example = load("text_classifier")
    tokens, labels = example.sentences(256)
    assert (tokens == 0).any() and 0.3 < labels.mean() < 0.7
    assert np.all((tokens == example.KEY).any(axis=1) == (labels[:, 0] == 1))
    first_accuracy, test_accuracy = example.main(rows=1024, epochs=4, verbose=0)
    assert test_accuracy > 0.9
    assert test_accuracy > first_accuracy
