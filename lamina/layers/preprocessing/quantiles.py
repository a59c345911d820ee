"""Approximate quantiles over batches, the scheme Keras's ``Discretization.adapt`` uses.

A *summary* is a ``(2, n)`` array: sorted sample values and the weight (count) each stands for.
Each batch is thinned to about ``1/epsilon`` points, merged with the running summary and
recompressed by interpolating the cumulative weights; bin boundaries are the summary compressed
to ``num_bins`` points, last one dropped. Following the same steps gives Keras's boundaries.
"""

import numpy as np


def empty_summary():
    return np.zeros((2, 0), "float32")


def summarize(values, epsilon):
    """A summary of one batch: every ``step``-th sorted value, weighted by ``step``."""
    values = np.sort(np.reshape(values, -1))
    step = max(values.size * epsilon, 1)
    points = values[int(step - 1)::int(step)]
    return np.stack([points, np.full_like(points, step)])


def compress(summary, epsilon):
    """About ``1/epsilon`` points placed at evenly spaced cumulative weights."""
    if summary.shape[1] * epsilon < 1:
        return summary
    targets = epsilon + np.arange(0.0, 1.0, epsilon)
    cumulative = summary[1].cumsum()
    fractions = cumulative / cumulative[-1]
    points = np.interp(targets, fractions, summary[0])
    weights = np.diff(np.interp(targets, fractions, cumulative), prepend=0.0)
    return np.stack([points, weights]).astype("float32")


def merge(summary, other, epsilon):
    """One compressed summary of the union of two."""
    both = np.concatenate([summary, other], axis=1)
    return compress(both[:, np.argsort(both[0])], epsilon)


def bin_boundaries(summary, num_bins):
    """``num_bins - 1`` boundaries splitting the summarized data into equal-weight bins.

    >>> s = merge(summarize(np.arange(100.0), 0.01), empty_summary(), 0.01)
    >>> bin_boundaries(s, 4).tolist()
    [24.0, 49.0, 74.0]
    """
    return compress(summary, 1.0 / num_bins)[0, :-1]
