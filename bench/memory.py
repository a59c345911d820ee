"""Memory and compilation over repeated calls: 100 rounds of fit/predict/evaluate on one model.

    python bench/memory.py [--rounds 100]

Reports the process's resident memory after the first round and after the last (it should stay
flat, within 5%), and how many programs were traced after the first round (it should be 0).
"""

import argparse
import os

import numpy as np


def rss_mb():
    with open(f"/proc/{os.getpid()}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def run(rounds):
    import lamina
    from lamina.layers import Activation, Dense
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2048, 8)).astype("float32")
    y = x[:, :1] * 2.0
    model = lamina.Sequential([Dense(64, input_dim=8), Activation("relu"), Dense(32),
                               Activation("relu"), Dense(1)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])

    def one_round():
        model.fit(x, y, batch_size=32, epochs=1, validation_split=0.1, verbose=0)
        model.predict(x[:100], verbose=0)
        model.evaluate(x, y, verbose=0)

    one_round()
    first_rss, first_traces = rss_mb(), model._trace_count
    for _ in range(rounds - 1):
        one_round()
    return first_rss, rss_mb(), model._trace_count - first_traces


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()
    first, last, traces = run(args.rounds)
    print(f"{args.rounds} rounds of fit/predict/evaluate")
    print(f"resident memory after round 1: {first:.1f} MB, after round {args.rounds}: "
          f"{last:.1f} MB ({(last - first) / first * 100:+.1f}%)")
    print(f"programs traced after round 1: {traces}")


if __name__ == "__main__":
    main()
