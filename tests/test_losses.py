"""Losses against Keras (the oracle): per-sample functions, every class and reduction, masks."""

import json

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

from lamina import losses

N, C = 8, 4
REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None]


def make_data(kind, rng):
    """``(y_true, y_pred)`` float32 arrays of the kind a loss expects."""
    f32 = lambda x: np.asarray(x, "float32")  # noqa: E731
    normal = lambda *s: f32(rng.normal(size=s))  # noqa: E731
    probs = lambda: f32(jax.nn.softmax(rng.normal(size=(N, C))))  # noqa: E731
    onehot = f32(np.eye(C)[rng.integers(0, C, N)])
    binary = f32(rng.integers(0, 2, (N, C)))
    lengths = np.arange(N) % 4
    return {
        "reg": lambda: (normal(N, C), normal(N, C)),
        "pos": lambda: (f32(rng.uniform(0, 2, (N, C))), f32(rng.uniform(0, 2, (N, C)))),
        "prob": lambda: (probs(), probs()),
        "binary": lambda: (binary, normal(N, C)),
        "pm1": lambda: (2 * binary - 1, normal(N, C)),
        "binary_prob": lambda: (binary, f32(rng.uniform(0, 1, (N, C)))),
        "onehot": lambda: (onehot, normal(N, C)),
        "onehot_prob": lambda: (onehot, probs()),
        "sparse_prob": lambda: (f32(rng.integers(0, C, N)), probs()),
        "sparse_logit": lambda: (f32(rng.integers(0, C, (N, 1))), normal(N, C)),
        # Label sequences of lengths 0 to 3, padded with the blank 0, and logits over 5 steps.
        "ctc": lambda: (f32(rng.integers(1, C, (N, 3)) * (np.arange(3) < lengths[:, None])),
                        normal(N, 5, C)),
        "embed": lambda: (f32(rng.integers(0, 3, N)), _unit(normal(N, 5))),
    }[kind]()


def _unit(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


# (function name, class name, keyword arguments, data kind)
CASES = [
    ("mean_squared_error", "MeanSquaredError", {}, "reg"),
    ("mean_absolute_error", "MeanAbsoluteError", {}, "reg"),
    ("mean_absolute_percentage_error", "MeanAbsolutePercentageError", {}, "reg"),
    ("mean_squared_logarithmic_error", "MeanSquaredLogarithmicError", {}, "pos"),
    ("huber", "Huber", {"delta": 0.7}, "reg"),
    ("log_cosh", "LogCosh", {}, "reg"),
    ("kl_divergence", "KLDivergence", {}, "prob"),
    ("poisson", "Poisson", {}, "pos"),
    ("cosine_similarity", "CosineSimilarity", {}, "reg"),
    ("hinge", "Hinge", {}, "binary"),
    ("hinge", "Hinge", {}, "pm1"),
    ("squared_hinge", "SquaredHinge", {}, "binary"),
    ("categorical_hinge", "CategoricalHinge", {}, "onehot"),
    ("binary_crossentropy", "BinaryCrossentropy", {}, "binary_prob"),
    ("binary_crossentropy", "BinaryCrossentropy", {"label_smoothing": 0.1}, "binary_prob"),
    ("binary_crossentropy", "BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.2},
     "binary"),
    ("categorical_crossentropy", "CategoricalCrossentropy", {}, "onehot_prob"),
    ("categorical_crossentropy", "CategoricalCrossentropy", {"label_smoothing": 0.1},
     "onehot_prob"),
    ("categorical_crossentropy", "CategoricalCrossentropy",
     {"from_logits": True, "label_smoothing": 0.2}, "onehot"),
    ("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy", {}, "sparse_prob"),
    ("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy", {"from_logits": True},
     "sparse_logit"),
    ("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy",
     {"from_logits": True, "ignore_class": 2}, "sparse_logit"),
    ("binary_focal_crossentropy", "BinaryFocalCrossentropy", {}, "binary_prob"),
    ("binary_focal_crossentropy", "BinaryFocalCrossentropy",
     {"apply_class_balancing": True, "alpha": 0.3, "gamma": 1.5, "label_smoothing": 0.1},
     "binary_prob"),
    ("binary_focal_crossentropy", "BinaryFocalCrossentropy", {"from_logits": True}, "binary"),
    ("categorical_focal_crossentropy", "CategoricalFocalCrossentropy", {}, "onehot_prob"),
    ("categorical_focal_crossentropy", "CategoricalFocalCrossentropy",
     {"alpha": [0.1, 0.2, 0.3, 0.4], "gamma": 1.0, "label_smoothing": 0.1}, "onehot_prob"),
    ("categorical_focal_crossentropy", "CategoricalFocalCrossentropy", {"from_logits": True},
     "onehot"),
    ("categorical_generalized_cross_entropy", "CategoricalGeneralizedCrossEntropy", {"q": 0.5},
     "sparse_prob"),
    ("categorical_generalized_cross_entropy", "CategoricalGeneralizedCrossEntropy", {"q": 0.8},
     "sparse_prob"),
    ("dice", "Dice", {}, "binary_prob"),
    ("dice", "Dice", {"axis": (1,)}, "binary_prob"),
    ("tversky", "Tversky", {"alpha": 0.3, "beta": 0.7}, "binary_prob"),
    ("tversky", "Tversky", {"alpha": 0.8, "beta": 0.2, "axis": (1,)}, "binary_prob"),
    ("ctc", "CTC", {}, "ctc"),
    ("circle", "Circle", {}, "embed"),
    ("circle", "Circle", {"gamma": 10.0, "margin": 0.25, "remove_diagonal": False}, "embed"),
]
INT_LABELS = {"sparse_categorical_crossentropy", "categorical_generalized_cross_entropy", "ctc",
              "circle"}
IDS = [f"{cls}-{'-'.join(f'{k}={v}' for k, v in kw.items())}-{kind}" for _, cls, kw, kind in CASES]


def close(a, b):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("fn_name, cls_name, kwargs, kind", CASES, ids=IDS)
def test_function_matches_keras(fn_name, cls_name, kwargs, kind, rng):
    y_true, y_pred = make_data(kind, rng)
    if fn_name in INT_LABELS:
        y_true = y_true.astype("int32")  # the functions (unlike the classes) get integer labels
    ours = getattr(losses, fn_name)(y_true, y_pred, **kwargs)
    keras_fn = getattr(keras.losses, fn_name)
    if kind in ("ctc", "embed"):  # many small ops (or a scan): one compiled program is faster
        theirs = jax.jit(lambda a, b: keras_fn(a, b, **kwargs))(y_true, y_pred)
    else:
        theirs = keras_fn(y_true, y_pred, **kwargs)
    assert ours.shape == theirs.shape
    close(ours, theirs)


@pytest.mark.parametrize("fn_name, cls_name, kwargs, kind", CASES, ids=IDS)
def test_class_matches_keras(fn_name, cls_name, kwargs, kind, rng):
    y_true, y_pred = make_data(kind, rng)
    weights = rng.uniform(0, 2, N).astype("float32")
    if kind == "ctc":  # Keras's CTC is a scan, compiled again on every eager call
        ours, theirs = losses.CTC(), keras.losses.CTC()
        close(ours(y_true, y_pred, sample_weight=weights),
              jax.jit(lambda a, b, w: theirs(a, b, sample_weight=w))(y_true, y_pred, weights))
        return
    # Every reduction for losses whose values differ in kind (per row, one number for the batch,
    # masked rows); the others share that code.
    all_reductions = cls_name in {"MeanSquaredError", "Dice", "Circle"} or "ignore_class" in kwargs
    for reduction in REDUCTIONS if all_reductions else [None, "sum_over_batch_size"]:
        ours = getattr(losses, cls_name)(reduction=reduction, **kwargs)
        theirs = getattr(keras.losses, cls_name)(reduction=reduction, **kwargs)
        for sample_weight in (None, weights):
            close(ours(y_true, y_pred, sample_weight=sample_weight),
                  theirs(y_true, y_pred, sample_weight=sample_weight))
    close(ours(y_true, y_pred, sample_weight=weights[:, None]),  # a trailing axis of 1 is squeezed
          theirs(y_true, y_pred, sample_weight=weights[:, None]))
    ours = getattr(losses, cls_name)(**kwargs)
    traced = jax.eval_shape(lambda a, b: ours(a, b, sample_weight=weights), y_true, y_pred)
    assert traced.shape == () and traced.dtype == jnp.float32


@pytest.mark.parametrize("fn_name, cls_name, kwargs, kind", CASES, ids=IDS)
def test_config_round_trip(fn_name, cls_name, kwargs, kind):
    loss = getattr(losses, cls_name)(reduction="sum", **kwargs)
    cfg = loss.get_config()
    assert json.loads(json.dumps(cfg)) == cfg
    assert type(loss).from_config(cfg).get_config() == cfg
    keras_cfg = getattr(keras.losses, cls_name)(reduction="sum", **kwargs).get_config()
    keras_cfg = json.loads(json.dumps(keras_cfg))  # tuples become lists, as in a saved file
    assert {k: cfg[k] for k in keras_cfg} == keras_cfg
    assert losses.get({"class_name": cls_name, "config": cfg}).get_config() == cfg
    assert losses.deserialize(losses.serialize(loss)).get_config() == cfg


# One case per class, and every case whose loss mixes rows (Dice, Tversky, Circle).
PADDING_CASES = [case for i, case in enumerate(CASES)
                 if case[1] not in {c[1] for c in CASES[:i]} or case[1] in {"Dice", "Circle"}]


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean_with_sample_weight"])
@pytest.mark.parametrize("fn_name, cls_name, kwargs, kind", PADDING_CASES,
                         ids=[f"{c[1]}-{c[2]}-{c[3]}" for c in PADDING_CASES])
def test_masked_padding_equals_unpadded(fn_name, cls_name, kwargs, kind, reduction, rng):
    y_true, y_pred = make_data(kind, rng)
    weights = rng.uniform(0.5, 2, N).astype("float32")
    pad = lambda x, fill: np.concatenate([x, np.full((2,) + x.shape[1:], fill, x.dtype)])  # noqa
    mask = np.array([1] * N + [0, 0])
    loss = getattr(losses, cls_name)(reduction=reduction, **kwargs)
    for sample_weight in (None, weights):
        expected = loss(y_true, y_pred, sample_weight=sample_weight)
        padded_weight = None if sample_weight is None else pad(sample_weight, 7.0)
        got = loss(pad(y_true, 0.0), pad(y_pred, 0.5), sample_weight=padded_weight, mask=mask)
        close(got, expected)
    # Non-finite garbage in padded rows must not leak in either.
    y_true, y_pred = make_data("reg", rng)
    mse = losses.MeanSquaredError(reduction=reduction)
    close(mse(pad(y_true, 0.0), pad(y_pred, np.inf), mask=mask), mse(y_true, y_pred))


def test_masked_gradient_ignores_padding(rng):
    y_true, y_pred = make_data("onehot", rng)
    loss = losses.CategoricalCrossentropy(from_logits=True)
    padded_true, padded_pred = np.pad(y_true, ((0, 2), (0, 0))), np.pad(y_pred, ((0, 2), (0, 0)))
    mask = jnp.arange(N + 2) < N
    grad = jax.grad(lambda p: loss(padded_true, p, mask=mask))(padded_pred)
    close(grad[:N], jax.grad(lambda p: loss(y_true, p))(y_pred))
    close(grad[N:], np.zeros((2, C)))


def test_mask_with_reduction_none_zeroes_rows():
    values = losses.MeanAbsoluteError(reduction=None)(np.ones((3, 2)), np.zeros((3, 2)),
                                                      mask=[1, 0, 1])
    assert values.tolist() == [1.0, 0.0, 1.0]


def test_mask_combines_with_ignore_class():
    y_true, y_pred = np.array([0, 2, 1, 0]), np.log(np.full((4, 3), 1 / 3, "float32"))
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=2)
    # Row 1 is ignored by its label, row 3 by the mask: mean over rows 0 and 2.
    close(loss(y_true, y_pred, mask=[1, 1, 1, 0]), np.log(3.0))


def test_custom_loss_and_wrapper_config():
    class Scaled(losses.Loss):
        def __init__(self, scale=2.0, name="scaled"):
            super().__init__(name=name)
            self.scale = scale

        def call(self, y_true, y_pred):
            return self.scale * jnp.abs(y_true - y_pred)

    loss = Scaled(scale=3.0)
    assert loss.get_config() == {"scale": 3.0, "name": "scaled", "reduction": "sum_over_batch_size"}
    close(loss(np.zeros(4), np.ones(4)), 3.0)
    wrapper = losses.LossFunctionWrapper(losses.huber, delta=0.5, name="h")
    cfg = wrapper.get_config()
    assert cfg["fn"] == "huber" and cfg["delta"] == 0.5
    restored = losses.LossFunctionWrapper.from_config(cfg)
    assert restored.fn is losses.huber
    close(restored(np.zeros((2, 2)), np.ones((2, 2))), losses.huber(np.zeros(2), np.ones(2), 0.5))


def test_get():
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get("binary_crossentropy") is losses.binary_crossentropy
    assert losses.get("KLD") is losses.kl_divergence
    assert isinstance(losses.get("CategoricalCrossentropy"), losses.CategoricalCrossentropy)
    huber = losses.get({"class_name": "Huber", "config": {"delta": 2.0}})
    assert huber.get_config()["delta"] == 2.0
    assert losses.get({"class_name": "function", "config": "mae"}) is losses.mean_absolute_error
    loss = losses.Hinge()
    assert losses.get(loss) is loss
    assert losses.get(abs) is abs and losses.get(None) is None
    with pytest.raises(ValueError, match="Valid names.*mean_squared_error"):
        losses.get("mean_sqared_error")
    with pytest.raises(ValueError, match="Invalid `reduction`"):
        losses.MeanSquaredError(reduction="avg")


def test_default_names_and_dtype():
    assert losses.Huber().name == "huber_loss"
    assert losses.MeanSquaredError().get_config() == {"name": "mean_squared_error",
                                                      "reduction": "sum_over_batch_size"}
    out = losses.MeanSquaredError()(np.ones((2, 2), "float64"), np.zeros((2, 2), "int32"))
    assert out.dtype == jnp.float32


# The losses with arithmetic of their own (CTC's gradient is optax's).
GRADIENT_CASES = [case for case in CASES if case[1::2] in {
    ("BinaryFocalCrossentropy", "binary"), ("CategoricalFocalCrossentropy", "onehot"),
    ("CategoricalGeneralizedCrossEntropy", "sparse_prob"), ("Dice", "binary_prob"),
    ("Tversky", "binary_prob"), ("Circle", "embed")}]


@pytest.mark.parametrize("fn_name, cls_name, kwargs, kind", GRADIENT_CASES,
                         ids=[f"{c[1]}-{c[2]}" for c in GRADIENT_CASES])
def test_gradient_matches_keras(fn_name, cls_name, kwargs, kind, rng):
    """Keras's losses trace under JAX too, so its gradient is the oracle for ours."""
    y_true, y_pred = make_data(kind, rng)
    weights = rng.uniform(0, 2, N).astype("float32")
    ours = getattr(losses, cls_name)(**kwargs)
    theirs = getattr(keras.losses, cls_name)(**kwargs)
    grad = jax.jit(jax.grad(lambda p: ours(y_true, p, sample_weight=weights)))(y_pred)
    expected = jax.jit(jax.grad(lambda p: theirs(y_true, p, sample_weight=weights)))(y_pred)
    np.testing.assert_allclose(grad, expected, rtol=1e-4, atol=1e-5)


def test_new_loss_errors():
    with pytest.raises(ValueError, match="q must be in the interval|`q` must be in"):
        losses.CategoricalGeneralizedCrossEntropy(q=1.5)
    with pytest.raises(ValueError, match=r"ctc: `y_true` must be .*received shape \(2,\)"):
        losses.ctc(np.ones(2), np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match=r"ctc: `y_pred` must be logits"):
        losses.ctc(np.ones((2, 2)), np.zeros((2, 3)))


def test_ctc_matches_known_value():
    """One label, one step, uniform logits over 2 classes: -log(1/2)."""
    close(losses.ctc(np.array([[1]]), np.zeros((1, 1, 2), "float32")), [np.log(2.0)])
