"""Training speed of the seed MLP: lamina fit against hand-written JAX loops and Keras 3 fit.

Seed model Dense(64)-relu-Dense(32)-relu-Dense(1), Adam, MSE, batch 32, 32,768 rows, 5 epochs.
Prints microseconds per training step (median of ``--repeats`` runs, first epoch excluded) and
ratios against the ``lax.scan`` floor, all measured in this one process.

    python bench/fit_mlp.py [--repeats 3] [--no-keras]
"""

import argparse
import os
import statistics
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402
from _timing import fit_epoch_times, per_epoch_times  # noqa: E402

ROWS, BATCH, EPOCHS = 32768, 32, 5
STEPS = ROWS // BATCH


def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(ROWS, 8)).astype("float32")
    y = (np.sin(x[:, :1]) + x[:, 1:2] * x[:, 2:3]).astype("float32")
    return x, y


def init_params(key):
    sizes = [(8, 64), (64, 32), (32, 1)]
    keys = jax.random.split(key, 3)
    return [(jax.random.normal(k, s) * np.sqrt(1 / s[0]), jnp.zeros(s[1])) for k, s in zip(keys, sizes)]


def forward(params, x):
    for i, (w, b) in enumerate(params):
        x = x @ w + b
        if i < len(params) - 1:
            x = jax.nn.relu(x)
    return x


def make_step(tx):
    def step(params, opt_state, xb, yb):
        loss, grads = jax.value_and_grad(lambda p: jnp.mean((forward(p, xb) - yb) ** 2))(params)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss
    return step


def bench_jit_loop(x, y):
    tx = optax.adam(1e-3)
    step = jax.jit(make_step(tx), donate_argnums=(0, 1))
    xd, yd = jax.device_put(x), jax.device_put(y)
    state = {"params": init_params(jax.random.key(0))}
    state["opt"] = tx.init(state["params"])
    gather = jax.jit(lambda a, i: jax.lax.dynamic_slice_in_dim(a, i * BATCH, BATCH))

    def epoch():
        p, o = state["params"], state["opt"]
        for i in range(STEPS):
            p, o, loss = step(p, o, gather(xd, i), gather(yd, i))
        loss.block_until_ready()
        state["params"], state["opt"] = p, o
    return per_epoch_times(epoch, EPOCHS)


def bench_scan(x, y):
    tx = optax.adam(1e-3)
    step = make_step(tx)
    xd = jax.device_put(x.reshape(STEPS, BATCH, 8))
    yd = jax.device_put(y.reshape(STEPS, BATCH, 1))

    @jax.jit
    def run(params, opt_state, xs, ys):
        def body(carry, batch):
            p, o = carry
            p, o, loss = step(p, o, *batch)
            return (p, o), loss
        (params, opt_state), losses = jax.lax.scan(body, (params, opt_state), (xs, ys))
        return params, opt_state, losses[-1]

    state = {"params": init_params(jax.random.key(0))}
    state["opt"] = tx.init(state["params"])

    def epoch():
        p, o, loss = run(state["params"], state["opt"], xd, yd)
        loss.block_until_ready()
        state["params"], state["opt"] = p, o
    return per_epoch_times(epoch, EPOCHS)


def seed_model(lib):
    layers = lib.layers
    return lib.Sequential([layers.Input((8,)), layers.Dense(64), layers.Activation("relu"),
                           layers.Dense(32), layers.Activation("relu"), layers.Dense(1)])


def bench_library(lib, x, y, batch_hooks=False, **compile_kwargs):
    model = seed_model(lib)
    model.compile(optimizer="adam", loss="mse", **compile_kwargs)
    callbacks = []
    if batch_hooks:
        class BatchHook(lib.callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                self.last = batch
        callbacks.append(BatchHook())
    return fit_epoch_times(lib, model, x, y, BATCH, EPOCHS, callbacks)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-keras", action="store_true")
    args = parser.parse_args()
    x, y = data()
    import lamina
    runs = {
        "lax.scan floor": lambda: bench_scan(x, y),
        "jax.jit + optax loop": lambda: bench_jit_loop(x, y),
        "lamina fit": lambda: bench_library(lamina, x, y),
        "lamina fit + batch hooks": lambda: bench_library(lamina, x, y, batch_hooks=True),
    }
    if not args.no_keras:
        try:
            import keras
            runs["keras fit"] = lambda: bench_library(keras, x, y)
            runs["keras fit spe=32"] = lambda: bench_library(keras, x, y, steps_per_execution=32)
        except ImportError:
            print("keras not installed: skipping the Keras baselines", file=sys.stderr)
    results = {}
    for name, run in runs.items():
        medians = [statistics.median(run()) / STEPS * 1e6 for _ in range(args.repeats)]
        results[name] = statistics.median(medians)
    floor = results["lax.scan floor"]
    print(f"seed MLP, batch {BATCH}, {ROWS} rows, {EPOCHS} epochs, jax {jax.__version__}, "
          f"{jax.default_backend()}")
    print(f"{'run':28s} {'us/step':>9s} {'x floor':>8s}")
    for name, us in results.items():
        print(f"{name:28s} {us:9.1f} {us / floor:8.2f}")
    if "keras fit" in results:
        print(f"lamina fit is {results['keras fit'] / results['lamina fit']:.1f}x faster than keras fit")


if __name__ == "__main__":
    main()
