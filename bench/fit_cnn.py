"""Training speed of a small CNN: lamina fit against a plain jax.jit loop, Keras 3 fit and PyTorch.

Model: 28x28x1 -> Conv2D(32, 3, relu) -> MaxPooling2D -> Conv2D(64, 3, relu) -> MaxPooling2D
-> Flatten -> Dense(128, relu) -> Dense(10); sparse categorical cross-entropy on logits, Adam,
batch 128. Prints milliseconds per training step (median over ``--repeats`` runs of the median
epoch, first epoch excluded; contenders run round robin) and ratios against the plain jit loop,
all in this one process.
The jit loop is the model written directly with ``lax.conv_general_dilated`` and
``lax.reduce_window`` and differentiated by JAX, one compiled call per step.

    python bench/fit_cnn.py [--rows 2048] [--epochs 4] [--repeats 3] [--no-keras] [--no-torch]
"""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402
from _timing import (add_baselines, fit_epoch_times, per_epoch_times,  # noqa: E402
                     round_robin, torch_epoch_times, training_parser)
from jax import lax  # noqa: E402

BATCH = 128


def data(rows):
    rng = np.random.default_rng(0)
    x = rng.random((rows, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, rows).astype("int32")
    return x, y


# -- the plain jit loop --------------------------------------------------------------------------
def init_params(key):
    shapes = {"c1": (3, 3, 1, 32), "c2": (3, 3, 32, 64), "d1": (1600, 128), "d2": (128, 10)}
    keys = dict(zip(shapes, jax.random.split(key, len(shapes))))
    params = {}
    for name, shape in shapes.items():
        fan_in = int(np.prod(shape[:-1]))
        params[name] = jax.random.normal(keys[name], shape) * np.sqrt(2 / fan_in)
        params[name.replace("c", "b").replace("d", "e")] = jnp.zeros(shape[-1])
    return params


def forward(p, x):
    def conv(x, w, b):
        y = lax.conv_general_dilated(x, w, (1, 1), "VALID",
                                     dimension_numbers=("NHWC", "HWIO", "NHWC"))
        return jax.nn.relu(y + b)

    def pool(x):
        return lax.reduce_window(x, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")

    x = pool(conv(x, p["c1"], p["b1"]))
    x = pool(conv(x, p["c2"], p["b2"]))
    x = jax.nn.relu(x.reshape(x.shape[0], -1) @ p["d1"] + p["e1"])
    return x @ p["d2"] + p["e2"]


def bench_jit_loop(x, y, epochs):
    tx = optax.adam(1e-3)

    def step(params, opt_state, xb, yb):
        def loss_fn(p):
            return optax.softmax_cross_entropy_with_integer_labels(forward(p, xb), yb).mean()
        loss, grads = jax.value_and_grad(loss_fn)(params)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    step = jax.jit(step, donate_argnums=(0, 1))
    steps = len(x) // BATCH
    xd, yd = jax.device_put(x), jax.device_put(y)
    take = jax.jit(lambda a, order, i: a[lax.dynamic_slice_in_dim(order, i * BATCH, BATCH)])
    state = {"params": init_params(jax.random.key(0)), "epoch": 0}
    state["opt"] = tx.init(state["params"])

    def epoch():
        order = jax.random.permutation(jax.random.key(state["epoch"]), len(x))
        p, o = state["params"], state["opt"]
        for i in range(steps):
            p, o, loss = step(p, o, take(xd, order, i), take(yd, order, i))
        loss.block_until_ready()
        state["params"], state["opt"], state["epoch"] = p, o, state["epoch"] + 1
    return per_epoch_times(epoch, epochs)


# -- lamina and Keras fit ------------------------------------------------------------------------
def cnn(lib):
    layers = lib.layers
    if not hasattr(layers, "Conv2D"):  # until lamina.layers exports them
        from lamina.layers import conv, pooling
        layers = type("layers", (), {**vars(lib.layers), "Conv2D": conv.Conv2D,
                                     "MaxPooling2D": pooling.MaxPooling2D})
    return lib.Sequential([
        layers.Input((28, 28, 1)),
        layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(),
        layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(),
        layers.Flatten(), layers.Dense(128, activation="relu"), layers.Dense(10)])


def bench_fit(lib, x, y, epochs):
    model = cnn(lib)
    model.compile(optimizer="adam", loss=lib.losses.SparseCategoricalCrossentropy(from_logits=True))
    return fit_epoch_times(lib, model, x, y, BATCH, epochs)


# -- PyTorch eager -------------------------------------------------------------------------------
def bench_torch(x, y, epochs):
    import torch
    from torch import nn

    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(),
                          nn.Linear(128, 10))
    return torch_epoch_times(model, x.transpose(0, 3, 1, 2), y, BATCH, epochs)


def main():
    args = training_parser(__doc__.splitlines()[0], rows=2048).parse_args()
    x, y = data(args.rows)
    steps = args.rows // BATCH
    import lamina
    runs = {"jax.jit loop (lax ops)": lambda: bench_jit_loop(x, y, args.epochs),
            "lamina fit": lambda: bench_fit(lamina, x, y, args.epochs)}
    add_baselines(runs, args, lambda keras: bench_fit(keras, x, y, args.epochs), "torch eager",
                  lambda: bench_torch(x, y, args.epochs))
    results = {name: seconds / steps * 1e3
               for name, seconds in round_robin(runs, args.repeats).items()}
    base = results["jax.jit loop (lax ops)"]
    print(f"small CNN, batch {BATCH}, {args.rows} rows, {args.epochs} epochs (first excluded), "
          f"{args.repeats} repeats, jax {jax.__version__}, {jax.default_backend()}, "
          f"{os.cpu_count()} CPUs")
    print(f"{'run':26s} {'ms/step':>8s} {'x jit loop':>11s}")
    for name, ms in results.items():
        print(f"{name:26s} {ms:8.1f} {ms / base:11.2f}")
    for other in ("keras fit (jax)", "torch eager"):
        if other in results:
            print(f"lamina fit vs {other}: {results[other] / results['lamina fit']:.2f}x faster")


if __name__ == "__main__":
    main()
