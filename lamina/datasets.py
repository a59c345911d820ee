"""Small built-in data sets, generated on the fly (nothing is downloaded)."""

import numpy as np


def regression8(rows=4096, seed=0, test_fraction=0.2):
    """A smooth nonlinear 8-feature regression problem: ``((x_train, y_train), (x_test, y_test))``.

    >>> (x, y), (xt, yt) = regression8(rows=100)
    >>> x.shape, y.shape, xt.shape
    ((80, 8), (80, 1), (20, 8))
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 8)).astype("float32")
    y = (np.sin(x[:, 0]) + 0.5 * x[:, 1] * x[:, 2] - 0.3 * x[:, 3] ** 2 + 0.2 * x[:, 4:].sum(1)
         + 0.05 * rng.normal(size=rows)).astype("float32")[:, None]
    split = int(rows * (1 - test_fraction))
    return (x[:split], y[:split]), (x[split:], y[split:])
