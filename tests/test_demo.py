"""`lamina demo`: both styles train to the same curve from the same weights, and it is quick."""

import numpy as np

from lamina.demo import run


def test_demo_trains_both_styles_identically(capsys):
    results, gap = run(epochs=2, rows=2048, print_fn=lambda text: print(text))
    seq, sub = results["seed_sequential"], results["seed_subclass"]
    assert seq["params"] == sub["params"] == 2689
    np.testing.assert_allclose(seq["history"]["loss"], sub["history"]["loss"], rtol=1e-6)
    assert seq["history"]["loss"][-1] < seq["history"]["loss"][0]
    assert gap < 1e-5
    out = capsys.readouterr().out
    assert "class SeedSequentialModel(lamina.Model)" in out and "lamina.Sequential([" in out
    assert "lamina.Model(inputs=" in out
