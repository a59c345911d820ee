"""Inference overhead: predict and eager model(x) against a direct call of the jitted forward.

    python bench/predict.py [--repeats 5] [--no-keras]

Small input: 32 rows through the seed model; ratios against a direct call of a jitted forward
function of the same weights (returning numpy). Large input: 100,000 rows at the default
batch size 32, rows per second.
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import numpy as np  # noqa: E402


def per_call(fn, calls):
    fn()
    times = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter() - start) / calls)
    return statistics.median(times)


def seed_model(lib):
    layers = lib.layers
    return lib.Sequential([layers.Input((8,)), layers.Dense(64), layers.Activation("relu"),
                           layers.Dense(32), layers.Activation("relu"), layers.Dense(1)])


def direct_forward(weights):
    params = [jax.device_put(w) for w in weights]

    @jax.jit
    def forward(params, x):
        for i in range(0, len(params), 2):
            x = x @ params[i] + params[i + 1]
            if i < len(params) - 2:
                x = jax.nn.relu(x)
        return x
    return lambda x: np.asarray(forward(params, x))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-keras", action="store_true")
    args = parser.parse_args()
    import lamina
    rng = np.random.default_rng(0)
    small = rng.normal(size=(32, 8)).astype("float32")
    large = rng.normal(size=(100_000, 8)).astype("float32")
    model = seed_model(lamina)
    direct = direct_forward(model.get_weights())
    np.testing.assert_allclose(direct(small), model.predict(small, verbose=0), rtol=1e-5, atol=1e-6)
    base = per_call(lambda: direct(small), 2000)
    rows = {"direct jitted forward": base,
            "lamina predict": per_call(lambda: model.predict(small, verbose=0), 2000),
            "lamina model(x)": per_call(lambda: np.asarray(model(small)), 2000)}
    throughput = {"lamina predict": 100_000 / per_call(lambda: model.predict(large, verbose=0), 3)}
    if not args.no_keras:
        import keras
        kmodel = seed_model(keras)
        kmodel.set_weights(model.get_weights())
        rows["keras predict"] = per_call(lambda: kmodel.predict(small, verbose=0), 50)
        rows["keras model(x)"] = per_call(lambda: np.asarray(kmodel(small)), 200)
        throughput["keras predict"] = 100_000 / per_call(lambda: kmodel.predict(large, verbose=0), 1)
    print(f"seed model, jax {jax.__version__}, {jax.default_backend()}")
    print(f"{'32 rows':24s} {'us/call':>9s} {'x direct':>9s}")
    for name, seconds in rows.items():
        print(f"{name:24s} {seconds * 1e6:9.1f} {seconds / base:9.2f}")
    print(f"{'100,000 rows, batch 32':24s} {'rows/s':>12s}")
    for name, rate in throughput.items():
        print(f"{name:24s} {rate:12,.0f}")


if __name__ == "__main__":
    main()
