"""Training speed of an LSTM classifier: lamina fit against Keras 3 fit (JAX) and PyTorch.

Model: (100 steps, 8 features) -> LSTM(64) -> Dense(10); sparse categorical cross-entropy on
logits, Adam, batch 64, random sequences. Prints training steps per second (median over
``--repeats`` runs of the median epoch, first epoch excluded; contenders run round robin) and
ratios, all in this one process. "lamina fit, scanned cell" is the same model with
``RNN(LSTMCell(64))``, which differentiates the scanned cell instead of running the LSTM's
fused loop. PyTorch (``nn.LSTM``, eager) runs when it is installed. ``--cell gru`` measures
the same with GRU(64) (``nn.GRU``).

    python bench/fit_lstm.py [--cell lstm|gru] [--rows 512] [--epochs 4] [--repeats 3]
                             [--no-keras] [--no-torch]
"""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import numpy as np  # noqa: E402
from _timing import (add_baselines, fit_epoch_times, round_robin,  # noqa: E402
                     torch_epoch_times, training_parser)

BATCH, STEPS, FEATURES, UNITS, CLASSES = 64, 100, 8, 64, 10


def data(rows):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(rows, STEPS, FEATURES)).astype("float32")
    y = rng.integers(0, CLASSES, rows).astype("int32")
    return x, y


def bench_fit(lib, x, y, epochs, kind, scanned_cell=False):
    layers = lib.layers
    name = kind.upper()
    recurrent = (layers.RNN(getattr(layers, f"{name}Cell")(UNITS)) if scanned_cell
                 else getattr(layers, name)(UNITS))
    model = lib.Sequential([layers.Input((STEPS, FEATURES)), recurrent, layers.Dense(CLASSES)])
    model.compile(optimizer="adam",
                  loss=lib.losses.SparseCategoricalCrossentropy(from_logits=True))
    return fit_epoch_times(lib, model, x, y, BATCH, epochs)


def bench_torch(x, y, epochs, kind):
    import torch
    from torch import nn

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = getattr(nn, kind.upper())(FEATURES, UNITS, batch_first=True)
            self.head = nn.Linear(UNITS, CLASSES)

        def forward(self, x):
            outputs, _ = self.rnn(x)
            return self.head(outputs[:, -1])

    torch.manual_seed(0)
    return torch_epoch_times(Classifier(), x, y, BATCH, epochs)


def main():
    parser = training_parser(__doc__.splitlines()[0], rows=512)
    parser.add_argument("--cell", choices=["lstm", "gru"], default="lstm")
    args = parser.parse_args()
    x, y = data(args.rows)
    steps = args.rows // BATCH
    import lamina
    kind = args.cell
    runs = {"lamina fit": lambda: bench_fit(lamina, x, y, args.epochs, kind),
            "lamina fit, scanned cell": lambda: bench_fit(lamina, x, y, args.epochs, kind, True)}
    add_baselines(runs, args, lambda keras: bench_fit(keras, x, y, args.epochs, kind),
                  f"torch nn.{kind.upper()} (eager)", lambda: bench_torch(x, y, args.epochs, kind))
    results = {name: steps / seconds for name, seconds in round_robin(runs, args.repeats).items()}
    print(f"{kind.upper()}({UNITS}) classifier, {STEPS} steps x {FEATURES} features, batch "
          f"{BATCH}, {args.rows} rows, {args.epochs} epochs (first excluded), {args.repeats} "
          f"repeats, jax {jax.__version__}, {jax.default_backend()}, {os.cpu_count()} CPUs")
    ours = results["lamina fit"]
    print(f"{'run':26s} {'steps/s':>9s} {'lamina speed-up':>16s}")
    for name, rate in results.items():
        print(f"{name:26s} {rate:9.1f} {ours / rate:15.2f}x")


if __name__ == "__main__":
    main()
