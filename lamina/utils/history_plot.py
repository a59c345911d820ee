"""``plot_history``: loss and metrics per epoch, training and validation, with matplotlib.

matplotlib is optional (``pip install matplotlib``); it is imported only when a plot is drawn.
"""

from __future__ import annotations

import math


def plot_history(history, metrics=None, to_file=None):
    """Draws one subplot per metric (loss first): the training curve and, when the logs have
    ``val_<metric>``, the validation curve. Returns the matplotlib ``Figure``.

    Args:
        history: the :class:`~lamina.callbacks.History` returned by ``fit``, or its
            ``history`` dict (``{"loss": [...], "val_loss": [...], ...}``).
        metrics: names to draw (without ``val_``); default: every training key.
        to_file: a path such as ``"history.png"`` (any format matplotlib writes) to save to.

    Validation values logged every ``k`` epochs (``validation_freq=k``) are drawn at epochs
    ``k, 2k, ...``.
    """
    try:
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        raise ImportError("plot_history needs matplotlib: `pip install matplotlib`.") from None
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict) or not any(logs.values()):
        raise ValueError("The history is empty: train with `fit` first, which returns it.")
    names = _names(logs, metrics)
    epochs = _epochs(history, logs)
    columns = min(len(names), 3)
    rows = math.ceil(len(names) / columns)
    figure = Figure(figsize=(4.5 * columns, 3.4 * rows), layout="constrained")
    for k, name in enumerate(names):
        axes = figure.add_subplot(rows, columns, k + 1)
        values = list(logs.get(name) or [])
        if values:
            axes.plot(epochs[:len(values)], values, marker=".", label="training")
        val = list(logs.get(f"val_{name}") or [])
        if val:
            axes.plot(_val_epochs(epochs, len(val)), val, marker=".", label="validation")
        axes.set_title(name)
        axes.set_xlabel("epoch")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.grid(alpha=0.3)
        axes.legend()
    if to_file is not None:
        figure.savefig(to_file)
    return figure


def _names(logs, metrics):
    available = [k for k in logs if not k.startswith("val_") and logs[k]]
    available += [k[4:] for k in logs if k.startswith("val_") and k[4:] not in logs]
    if metrics is None:
        return sorted(available, key=lambda k: k != "loss")
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    unknown = [m for m in metrics if m not in available]
    if unknown:
        raise ValueError(f"No logs for {unknown} in this history; it has {available}.")
    return metrics


def _epochs(history, logs):
    """1-based epoch numbers, as the progress bar shows them."""
    count = max(len(v) for v in logs.values())
    recorded = list(getattr(history, "epoch", None) or [])
    if len(recorded) == count:
        return [e + 1 for e in recorded]
    return list(range(1, count + 1))


def _val_epochs(epochs, count):
    every = max(1, len(epochs) // count)
    return [epochs[min(every * (i + 1), len(epochs)) - 1] for i in range(count)]
