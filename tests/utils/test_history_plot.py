"""plot_history: one subplot per metric with training and validation curves, saved on request."""

import sys

import pytest

from lamina.callbacks.history import History
from lamina.utils.history_plot import plot_history


def make_history(validation_every=1):
    history = History()
    for epoch in range(4):
        logs = {"loss": 1.0 / (epoch + 1), "mae": 0.5 - 0.1 * epoch}
        if (epoch + 1) % validation_every == 0:
            logs.update(val_loss=1.5 / (epoch + 1), val_mae=0.6 - 0.1 * epoch)
        history.on_epoch_end(epoch, logs)
    return history


def curves(axes):
    return {line.get_label(): (list(line.get_xdata()), list(line.get_ydata()))
            for line in axes.get_lines()}


def test_missing_matplotlib_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        plot_history(make_history())


def test_draws_training_and_validation_per_metric():
    pytest.importorskip("matplotlib")
    history = make_history()
    figure = plot_history(history)
    loss, mae = figure.axes
    assert (loss.get_title(), mae.get_title()) == ("loss", "mae")
    assert curves(loss) == {"training": ([1, 2, 3, 4], history.history["loss"]),
                            "validation": ([1, 2, 3, 4], history.history["val_loss"])}
    assert curves(mae)["validation"][1] == history.history["val_mae"]
    only = plot_history(history.history, metrics=["mae"])
    assert [a.get_title() for a in only.axes] == ["mae"]


def test_sparse_validation_sits_at_its_epochs():
    pytest.importorskip("matplotlib")
    figure = plot_history(make_history(validation_every=2))
    assert curves(figure.axes[0])["validation"] == ([2, 4], [0.75, 0.375])


def test_saves_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "history.png"
    plot_history(make_history(), to_file=str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000


def test_bad_requests_are_explained():
    pytest.importorskip("matplotlib")
    with pytest.raises(ValueError, match=r"No logs for \['acc'\].*\['loss', 'mae'\]"):
        plot_history(make_history(), metrics=["acc"])
    with pytest.raises(ValueError, match="history is empty"):
        plot_history(History())
