"""The parity table: for each op name, a builder of small inputs ``rng -> (args, kwargs)``.

A key ``name#variant`` checks ``name`` once more with other arguments; ``image.resize`` names an op
of a sub-module. Every builder's inputs are plain NumPy so Keras and lamina see the same values.
"""

import numpy as np


def f(rng, *shape):
    return rng.normal(size=shape).astype("float32")


def pos(rng, *shape):
    return rng.uniform(0.5, 2.0, size=shape).astype("float32")


def unit(rng, *shape):
    return rng.uniform(-0.9, 0.9, size=shape).astype("float32")


def prob(rng, *shape):
    return rng.uniform(0.05, 0.95, size=shape).astype("float32")


def ints(rng, *shape, low=0, high=5):
    return rng.integers(low, high, size=shape).astype("int32")


def spd(rng, n=3):
    a = f(rng, n, n)
    return (a @ a.T + n * np.eye(n)).astype("float32")


def call(*args, **kwargs):
    return lambda rng: (args, kwargs)


def build(fn):
    """A builder from a function of the rng returning ``(args, kwargs)`` or just ``args``."""
    def builder(rng):
        out = fn(rng)
        return out if isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], dict) \
            else (out, {})
    return builder


def each(names, fn):
    return {name: build(fn) for name in names.split()}


CASES = {}

# -- numpy: element-wise --------------------------------------------------------------------------
CASES.update(each("""abs absolute cbrt ceil conj conjugate copy cos cosh deg2rad exp exp2 expm1
    fabs floor imag isfinite isinf isnan isneginf isposinf isreal negative rad2deg ravel real
    sign signbit sin sinc sinh square tan tanh trunc ndim size nonzero round angle""",
                  lambda r: (f(r, 3, 4),)))
CASES.update(each("log log10 log1p log2 sqrt reciprocal i0", lambda r: (pos(r, 3, 4),)))
CASES.update(each("arccos arcsin arctanh arctan arcsinh", lambda r: (unit(r, 3, 4),)))
CASES["arccosh"] = build(lambda r: (pos(r, 3, 4) + 1.0,))
CASES.update(each("""add subtract multiply divide true_divide maximum minimum fmod arctan2 hypot
    logaddexp logaddexp2 nextafter fmax fmin heaviside greater greater_equal less less_equal equal
    not_equal divide_no_nan floor_divide mod""", lambda r: (f(r, 3, 4), f(r, 3, 4))))
CASES["divide_no_nan#zeros"] = call(np.array([1.0, 2.0], "float32"), np.array([0.0, 4.0], "float32"))
CASES["power"] = build(lambda r: (pos(r, 3, 4), f(r, 3, 4)))
CASES.update(each("logical_and logical_or logical_xor",
                  lambda r: (f(r, 3, 4) > 0, f(r, 3, 4) > 0)))
CASES["logical_not"] = build(lambda r: (f(r, 3, 4) > 0,))
CASES.update(each("bitwise_and bitwise_or bitwise_xor gcd lcm",
                  lambda r: (ints(r, 3, 4, high=50), ints(r, 3, 4, low=1, high=50))))
CASES.update(each("bitwise_invert bitwise_not", lambda r: (ints(r, 3, 4, high=50),)))
CASES.update(each("left_shift right_shift bitwise_left_shift bitwise_right_shift",
                  lambda r: (ints(r, 3, 4, high=50), ints(r, 3, 4, high=4))))
CASES["ldexp"] = build(lambda r: (f(r, 3, 4), ints(r, 3, 4, high=4)))
CASES.update(each("dot matmul", lambda r: (f(r, 3, 4), f(r, 4, 2))))
CASES["inner"] = build(lambda r: (f(r, 3, 4), f(r, 2, 4)))
CASES.update(each("outer kron vdot", lambda r: (f(r, 3), f(r, 3))))
CASES["tensordot"] = build(lambda r: ((f(r, 2, 3, 4), f(r, 3, 4, 5)), {"axes": 2}))
CASES["tensordot#pairs"] = build(lambda r: ((f(r, 2, 3), f(r, 3, 5)), {"axes": ([1], [0])}))
CASES["einsum"] = build(lambda r: ("ij,jk->ik", f(r, 2, 3), f(r, 3, 4)))
CASES["cross"] = build(lambda r: (f(r, 4, 3), f(r, 4, 3)))
CASES["isclose"] = build(lambda r: (f(r, 3, 4), f(r, 3, 4)))
CASES["allclose"] = build(lambda r: ((f(r, 3, 4),) * 2, {"rtol": 1e-3}))
CASES["isin"] = build(lambda r: (ints(r, 3, 4), ints(r, 3)))
CASES["clip"] = build(lambda r: ((f(r, 3, 4),), {"x_min": -0.5, "x_max": 0.5}))
CASES["clip#bool"] = build(lambda r: (f(r, 3, 4) > 0, 0, 1))
CASES["where"] = build(lambda r: (f(r, 3, 4) > 0, f(r, 3, 4), f(r, 3, 4)))
CASES["where#keywords"] = build(lambda r: ((f(r, 3, 4) > 0,), {"x1": f(r, 3, 4), "x2": 0.0}))
CASES["select"] = build(lambda r: ([f(r, 5) > 0, f(r, 5) > 1], [f(r, 5), f(r, 5)], -1.0))
CASES["digitize"] = build(lambda r: (f(r, 6), np.array([-1.0, 0.0, 1.0], "float32")))
CASES["searchsorted"] = build(lambda r: ((np.sort(f(r, 6)), f(r, 4)), {"side": "right"}))
CASES["nan_to_num"] = call(np.array([np.nan, np.inf, -np.inf, 1.0], "float32"), nan=2.0,
                           posinf=5.0)
CASES["correlate"] = build(lambda r: ((f(r, 6), f(r, 3)), {"mode": "same"}))

# -- numpy: reductions ----------------------------------------------------------------------------
CASES.update(each("""sum mean std var max min amax amin prod ptp argmax argmin median nanmax nanmin
    nanmean nansum nanprod nanstd nanvar nanargmax nanargmin nanmedian""",
                  lambda r: ((f(r, 3, 4, 2),), {"axis": 1, "keepdims": True})))
CASES.update(each("sum#all mean#all max#all median#all std#all",
                  lambda r: ((f(r, 3, 4),), {"keepdims": True})))
CASES["mean#axes"] = build(lambda r: ((f(r, 3, 4, 2),), {"axis": (0, 2)}))
CASES["max#initial"] = build(lambda r: ((f(r, 3, 4),), {"axis": 0, "initial": 0.5}))
CASES["nansum#nan"] = call(np.array([[1.0, np.nan], [2.0, 3.0]], "float32"), axis=1)
CASES.update(each("all any", lambda r: ((f(r, 3, 4) > 0,), {"axis": 0})))
CASES["count_nonzero"] = build(lambda r: ((ints(r, 3, 4, high=2),), {"axis": 1}))
CASES["average"] = build(lambda r: ((f(r, 3, 4),), {"axis": 1, "weights": pos(r, 4)}))
CASES.update(each("cumsum cumprod nancumsum nancumprod", lambda r: ((f(r, 3, 4),), {"axis": 1})))
CASES.update(each("quantile nanquantile", lambda r: (f(r, 3, 5), np.array([0.25, 0.5], "float32"), 1)))
CASES.update(each("percentile nanpercentile",
                  lambda r: ((f(r, 3, 5), 30.0), {"axis": 1, "method": "nearest", "keepdims": True})))
CASES["quantile#all"] = build(lambda r: ((f(r, 3, 5), 0.3), {"keepdims": True}))
CASES["histogram"] = build(lambda r: ((f(r, 20),), {"bins": 4, "range": (-2.0, 2.0)}))
CASES["bincount"] = build(lambda r: ((ints(r, 8),), {"weights": pos(r, 8), "minlength": 7}))
CASES["bincount#rows"] = build(lambda r: ((ints(r, 2, 6),), {"minlength": 5}))
CASES["trapezoid"] = build(lambda r: ((f(r, 3, 5),), {"dx": 0.5}))
CASES["diff"] = build(lambda r: ((f(r, 3, 5),), {"n": 2, "axis": 1}))
CASES["corrcoef"] = build(lambda r: (f(r, 3, 6),))
CASES["argsort"] = build(lambda r: ((f(r, 3, 5),), {"axis": 0}))
CASES["sort"] = build(lambda r: (f(r, 3, 5),))
CASES["argpartition"] = build(lambda r: ((np.arange(12.0, dtype="float32")[::-1].reshape(3, 4), 2),
                                         {"axis": None}))
CASES["unique"] = call(np.array([3, 1, 3, 2, 1], "int32"), return_counts=True, return_inverse=True)
CASES["slogdet"] = build(lambda r: (spd(r),))
CASES["trace"] = build(lambda r: ((f(r, 3, 4, 2),), {"offset": 1, "axis1": 0, "axis2": 1}))

# -- numpy: creation ------------------------------------------------------------------------------
CASES.update({
    "zeros": call((2, 3)), "empty": call((2, 3)), "empty_like": call(np.ones((2, 2), "int32")),
    "ones": call((2, 3), dtype="int32"), "full": call((2, 2), 3),
    "full#dtype": call((2,), 1.5, dtype="float32"),
    "eye": call(3, 4, k=1), "identity": call(3), "tri": call(3, 4, k=-1),
    "arange": call(1, 7, 2), "arange#float": call(0.5, 2.0, 0.5), "arange#stop": call(5),
    "linspace": call(0.0, 1.0, 5), "logspace": call(0.0, 2.0, 4, base=2.0),
    "geomspace": call(1.0, 100.0, 3), "bartlett": call(5), "blackman": call(5),
    "hamming": call(5), "hanning": call(5), "kaiser": call(5, 2.0),
    "array": call([[1, 2], [3, 4]], dtype="float32"),
    "tril": call(np.arange(9.0, dtype="float32").reshape(3, 3), k=-1),
    "triu": call(np.arange(9.0, dtype="float32").reshape(3, 3), 1),
    "unravel_index": call(np.array([1, 5, 7], "int32"), (2, 4)),
    "vander": call(np.array([1.0, 2.0, 3.0], "float32"), 3, increasing=True),
})
CASES.update(each("zeros_like ones_like", lambda r: ((f(r, 2, 3),), {"dtype": "int32"})))
CASES["full_like"] = build(lambda r: (f(r, 2, 3), 2.5))
CASES["diag"] = build(lambda r: (f(r, 3),))
CASES["diag#matrix"] = build(lambda r: ((f(r, 3, 3),), {"k": 1}))
CASES["diagflat"] = build(lambda r: (f(r, 2, 2),))
CASES["diagonal"] = build(lambda r: ((f(r, 3, 4, 2),), {"offset": 1, "axis1": 0, "axis2": 1}))

# -- numpy: shapes --------------------------------------------------------------------------------
CASES.update({
    "reshape": build(lambda r: (f(r, 2, 6), (3, -1))),
    "reshape#keyword": build(lambda r: ((f(r, 2, 6),), {"newshape": (4, 3)})),
    "transpose": build(lambda r: ((f(r, 2, 3, 4),), {"axes": (2, 0, 1)})),
    "expand_dims": build(lambda r: (f(r, 2, 3), 1)),
    "squeeze": build(lambda r: ((f(r, 2, 1, 3),), {"axis": 1})),
    "moveaxis": build(lambda r: (f(r, 2, 3, 4), 0, -1)),
    "swapaxes": build(lambda r: (f(r, 2, 3, 4), 0, 2)),
    "broadcast_to": build(lambda r: (f(r, 3), (2, 3))),
    "tile": build(lambda r: (f(r, 2, 3), (2, 1))),
    "repeat": build(lambda r: ((f(r, 2, 3), 2), {"axis": 1})),
    "roll": build(lambda r: ((f(r, 3, 4), 1), {"axis": 0})),
    "flip": build(lambda r: ((f(r, 3, 4),), {"axis": 1})),
    "fliplr": build(lambda r: (f(r, 3, 4),)),
    "flipud": build(lambda r: (f(r, 3, 4),)),
    "rot90": build(lambda r: ((f(r, 3, 4),), {"k": 3})),
    "split": build(lambda r: ((f(r, 4, 6), 3), {"axis": 1})),
    "array_split": build(lambda r: (f(r, 5, 2), 3)),
    "hsplit": build(lambda r: (f(r, 4, 6), 2)),
    "vsplit": build(lambda r: (f(r, 4, 6), 2)),
    "dsplit": build(lambda r: (f(r, 2, 3, 4), 2)),
    "concatenate": build(lambda r: (([f(r, 2, 3), f(r, 2, 3)],), {"axis": 1})),
    "stack": build(lambda r: (([f(r, 2, 3), f(r, 2, 3)],), {"axis": -1})),
    "hstack": build(lambda r: ([f(r, 2, 3), f(r, 2, 1)],)),
    "vstack": build(lambda r: ([f(r, 2, 3), f(r, 1, 3)],)),
    "dstack": build(lambda r: ([f(r, 2, 3), f(r, 2, 3)],)),
    "append": build(lambda r: ((f(r, 2, 3), f(r, 1, 3)), {"axis": 0})),
    "take": build(lambda r: ((f(r, 4, 3), np.array([3, 0, 1], "int32")), {"axis": 0})),
    "take_along_axis": build(lambda r: ((f(r, 3, 4), ints(r, 3, 2, high=4)), {"axis": 1})),
    "take_along_axis#flat": build(lambda r: (f(r, 3, 4), ints(r, 5, high=12))),
    "pad": build(lambda r: ((f(r, 2, 3), ((1, 0), (0, 2))), {"constant_values": 1.5})),
    "pad#reflect": build(lambda r: ((f(r, 3, 4), 1), {"mode": "reflect"})),
    "meshgrid": build(lambda r: ((f(r, 3), f(r, 2)), {"indexing": "ij"})),
    "get_item": build(lambda r: (f(r, 3, 4), (1, slice(None, 2)))),
    "view": build(lambda r: ((f(r, 3, 4),), {"dtype": "int32"})),
})

# -- math -----------------------------------------------------------------------------------------
_IDS = np.array([0, 0, 1, 2, 2, 2], "int32")
CASES.update(each("segment_sum segment_max segment_min segment_prod",
                  lambda r: ((f(r, 6, 3), _IDS), {"num_segments": 3, "sorted": True})))
CASES.update({
    "top_k": build(lambda r: (f(r, 3, 6), 2)),
    "in_top_k": build(lambda r: (ints(r, 3, high=6), f(r, 3, 6), 2)),
    "logsumexp": build(lambda r: ((f(r, 3, 4),), {"axis": 1, "keepdims": True})),
    "cdist": build(lambda r: (f(r, 2, 3, 4), f(r, 2, 5, 4))),
    "extract_sequences": build(lambda r: (f(r, 2, 10), 4, 3)),
    "fft": build(lambda r: ((f(r, 3, 8), f(r, 3, 8)),)),
    "fft2": build(lambda r: ((f(r, 2, 4, 4), f(r, 2, 4, 4)),)),
    "ifft2": build(lambda r: ((f(r, 2, 4, 4), f(r, 2, 4, 4)),)),
    "rfft": build(lambda r: ((f(r, 3, 8),), {"fft_length": 8})),
    "irfft": build(lambda r: (((f(r, 3, 5), f(r, 3, 5)),), {"fft_length": 8})),
    "stft": build(lambda r: (f(r, 2, 32), 8, 4, 16)),
    "stft#hamming": build(lambda r: ((f(r, 2, 30), 10, 5, 16), {"window": "hamming", "center": False})),
    "istft": build(lambda r: ((f(r, 2, 7, 9), f(r, 2, 7, 9)), 8, 4, 16)),
    "istft#length": build(lambda r: (((f(r, 7, 9), f(r, 7, 9)), 16, 4, 16),
                                     {"length": 20, "window": "hamming", "center": False})),
    "rsqrt": build(lambda r: (pos(r, 3, 4),)),
    "erf": build(lambda r: (f(r, 3, 4),)),
    "erfc": build(lambda r: (f(r, 3, 4),)),
    "erfinv": build(lambda r: (unit(r, 3, 4),)),
    "logdet": build(lambda r: (spd(r),)),
    "view_as_complex": build(lambda r: (f(r, 3, 2),)),
    "view_as_real": build(lambda r: ((f(r, 3) + 1j * f(r, 3)).astype("complex64"),)),
})

# -- core -----------------------------------------------------------------------------------------
CASES.update({
    "cast": build(lambda r: (f(r, 3, 4) * 3, "int32")),
    "convert_to_tensor": call([1, 2, 3], dtype="float32"),
    "convert_to_numpy": build(lambda r: (f(r, 2, 3),)),
    "is_tensor": build(lambda r: (f(r, 2),)),
    "shape": build(lambda r: (f(r, 2, 3),)),
    "dtype": build(lambda r: (ints(r, 2),)),
    "saturate_cast": build(lambda r: (f(r, 3, 4) * 300, "uint8")),
    "cond": call(np.bool_(False), lambda: np.float32(1.0), lambda: np.float32(2.0)),
    "switch": build(lambda r: (1, [lambda x: x + 1, lambda x: x * 2], f(r, 3))),
    "scan": build(lambda r: (lambda c, x: (c + x, c * x), np.float32(0.0), f(r, 5))),
    "scan#reverse": build(lambda r: ((lambda c, x: (c * 0.5 + x, c), np.float32(1.0), f(r, 5)),
                                     {"reverse": True, "unroll": 2})),
    "map": build(lambda r: (lambda x: x * 2 + 1, f(r, 3, 4))),
    "associative_scan": build(lambda r: ((lambda a, b: a + b, f(r, 5)), {"reverse": True})),
    "fori_loop": call(0, 5, lambda i, v: v * 2 + i, np.float32(1.0)),
    "while_loop": call(lambda i, s: i < 5, lambda i, s: (i + 1, s * 2),
                       (np.int32(0), np.float32(1.0)), maximum_iterations=3),
    "while_loop#single": call(lambda v: v < 10, lambda v: v + 3, np.int32(0)),
    "stop_gradient": build(lambda r: (f(r, 3),)),
    "scatter": call(np.array([[0, 1], [2, 2], [0, 1]], "int32"),
                    np.array([1.0, 2.0, 3.0], "float32"), (3, 3)),
    "scatter_update": build(lambda r: (f(r, 3, 3), np.array([[0, 1], [2, 2]], "int32"), f(r, 2))),
    "scatter_update#add": build(lambda r: ((f(r, 3, 3), np.array([[0, 1], [0, 1]], "int32"),
                                           f(r, 2)), {"reduction": "add"})),
    "slice": build(lambda r: (f(r, 4, 5), (1, 2), (2, -1))),
    "slice_update": build(lambda r: (f(r, 4, 5), (1, 1), f(r, 2, 2))),
    "unstack": build(lambda r: ((f(r, 3, 4),), {"axis": 1})),
    "vectorized_map": build(lambda r: (lambda x: x * x.sum(), f(r, 3, 4))),
    "rearrange": build(lambda r: ((f(r, 2, 6, 3), "b (h w) c -> b c h w"), {"h": 2})),
    "rearrange#merge": build(lambda r: (f(r, 2, 3, 4), "b h w -> (w b) h")),
})

# -- linalg ---------------------------------------------------------------------------------------
_LOWER = np.tril(np.arange(1.0, 10.0, dtype="float32").reshape(3, 3)) + np.eye(3, dtype="float32")
CASES.update({
    "cholesky": build(lambda r: (spd(r),)),
    "cholesky#upper": build(lambda r: ((spd(r),), {"upper": True})),
    "cholesky_inverse": call(_LOWER),
    "cholesky_inverse#upper": call(_LOWER.T, upper=True),
    "det": build(lambda r: (f(r, 2, 3, 3),)),
    "eig": build(lambda r: (spd(r),)),
    "eigh": build(lambda r: (spd(r),)),
    "inv": build(lambda r: (spd(r),)),
    "lu_factor": build(lambda r: (f(r, 2, 3, 3),)),
    "norm": build(lambda r: ((f(r, 3, 4),), {"axis": 1, "keepdims": True})),
    "norm#fro": build(lambda r: (f(r, 3, 4),)),
    "norm#ord": build(lambda r: ((f(r, 3, 4),), {"ord": 1, "axis": 0})),
    "qr": build(lambda r: (f(r, 4, 3),)),
    "qr#complete": build(lambda r: ((f(r, 4, 3),), {"mode": "complete"})),
    "solve": build(lambda r: (spd(r), f(r, 3, 2))),
    "solve_triangular": build(lambda r: ((_LOWER, f(r, 3, 2)), {"lower": True})),
    "svd": build(lambda r: ((f(r, 4, 3),), {"full_matrices": False})),
    "lstsq": build(lambda r: (f(r, 5, 3), f(r, 5, 2))),
    "matrix_rank": call(np.array([[1.0, 2.0], [2.0, 4.0]], "float32")),
    "pinv": build(lambda r: (f(r, 4, 3),)),
    "jvp": build(lambda r: (lambda x: x * x, (f(r, 3),), (f(r, 3),))),
})

# -- nn: activations and losses -------------------------------------------------------------------
CASES.update(each("""relu relu6 sigmoid sparse_sigmoid softplus softsign soft_shrink sparse_plus silu
    swish log_sigmoid leaky_relu hard_sigmoid hard_silu hard_swish elu selu gelu celu hard_tanh
    hard_shrink tanh_shrink softmax log_softmax glu squareplus""",
                  lambda r: (f(r, 3, 4) * 3,)))
CASES.update({
    "gelu#exact": build(lambda r: ((f(r, 3, 4),), {"approximate": False})),
    "softmax#axis": build(lambda r: ((f(r, 3, 4),), {"axis": 0})),
    "softmax#axes": build(lambda r: ((f(r, 2, 3, 4),), {"axis": (1, 2)})),
    "log_softmax#axis": build(lambda r: ((f(r, 3, 4),), {"axis": 0})),
    # Keras's JAX sparsemax is only right when one class takes all the mass; see test_sparsemax
    "sparsemax": call(np.array([[3.0, 0.5, -1.0], [0.1, 2.5, 0.2]], "float32")),
    "sparsemax#axis": call(np.array([[3.0, 0.5], [0.1, 2.5]], "float32"), axis=0),
    "elu#alpha": build(lambda r: ((f(r, 3, 4),), {"alpha": 0.5})),
    "leaky_relu#slope": build(lambda r: ((f(r, 3, 4),), {"negative_slope": 0.1})),
    "threshold": build(lambda r: (f(r, 3, 4), 0.2, -1.0)),
    "squareplus#b": build(lambda r: ((f(r, 3, 4),), {"b": 2})),
    "one_hot": build(lambda r: (np.array([0, 3, -1, 2], "int32"), 4)),
    "one_hot#axis": build(lambda r: ((ints(r, 2, 3, high=4), 4), {"axis": 0, "dtype": "int32"})),
    "multi_hot": build(lambda r: (ints(r, 2, 3), 5)),
    "multi_hot#vector": build(lambda r: ((ints(r, 3),), {"num_classes": 5})),
    "binary_crossentropy": build(lambda r: (prob(r, 3, 4), prob(r, 3, 4))),
    "binary_crossentropy#logits": build(lambda r: ((prob(r, 3, 4), f(r, 3, 4)), {"from_logits": True})),
    "categorical_crossentropy": build(lambda r: (prob(r, 3, 4), prob(r, 3, 4))),
    "categorical_crossentropy#logits": build(lambda r: ((prob(r, 3, 4), f(r, 3, 4)),
                                                        {"from_logits": True, "axis": 0})),
    "sparse_categorical_crossentropy": build(lambda r: (ints(r, 3, high=4), prob(r, 3, 4))),
    "sparse_categorical_crossentropy#logits": build(lambda r: ((ints(r, 3, 1, high=4), f(r, 3, 4)),
                                                               {"from_logits": True})),
    "moments": build(lambda r: (f(r, 3, 4, 5), [0, 2])),
    "moments#keepdims": build(lambda r: ((f(r, 3, 4),), {"axes": 1, "keepdims": True})),
    "batch_normalization": build(lambda r: ((f(r, 3, 4), f(r, 4), pos(r, 4), -1),
                                            {"offset": f(r, 4), "scale": pos(r, 4)})),
    "batch_normalization#axis": build(lambda r: (f(r, 3, 4, 2), f(r, 4), pos(r, 4), 1)),
    "layer_normalization": build(lambda r: ((f(r, 3, 4),), {"gamma": pos(r, 4), "beta": f(r, 4)})),
    "layer_normalization#axes": build(lambda r: ((f(r, 2, 3, 4),), {"axis": (1, 2), "epsilon": 1e-3})),
    "rms_normalization": build(lambda r: ((f(r, 3, 4),), {"scale": pos(r, 4)})),
    "normalize": build(lambda r: (f(r, 3, 4),)),
    "normalize#l1": build(lambda r: ((f(r, 3, 4),), {"axis": 0, "order": 1})),
    "psnr": build(lambda r: (prob(r, 4, 4), prob(r, 4, 4), 1.0)),
    "polar": build(lambda r: (pos(r, 3), f(r, 3))),
    "dot_product_attention": build(lambda r: (f(r, 2, 4, 2, 8), f(r, 2, 5, 2, 8), f(r, 2, 5, 2, 8))),
    "dot_product_attention#mask": build(lambda r: ((f(r, 2, 4, 4, 8), f(r, 2, 4, 2, 8), f(r, 2, 4, 2, 8)),
                                                   {"mask": f(r, 2, 1, 4, 4) > -0.5, "scale": 0.3})),
    "dot_product_attention#causal": build(lambda r: ((f(r, 2, 4, 2, 8),) * 3,
                                                     {"is_causal": True, "bias": f(r, 1, 2, 4, 4)})),
    "ctc_loss": build(lambda r: (ints(r, 2, 3, low=1), f(r, 2, 6, 5), np.array([3, 2], "int32"),
                                 np.array([6, 5], "int32"))),
    "ctc_decode": build(lambda r: (f(r, 2, 6, 5), np.array([6, 4], "int32"))),
    "ctc_decode#nomerge": build(lambda r: ((f(r, 2, 6, 3), np.array([6, 6], "int32")),
                                           {"merge_repeated": False, "mask_index": 2})),
})

# -- nn: convolution and pooling ------------------------------------------------------------------
CASES.update({
    "conv": build(lambda r: (f(r, 2, 6, 6, 3), f(r, 3, 3, 3, 4))),
    "conv#same": build(lambda r: ((f(r, 2, 7, 7, 3), f(r, 3, 3, 3, 4)),
                                  {"strides": 2, "padding": "same", "dilation_rate": 1})),
    "conv#dilated": build(lambda r: ((f(r, 2, 9, 3), f(r, 3, 3, 2)),
                                     {"padding": "same", "dilation_rate": 2})),
    "conv#groups_first": build(lambda r: ((f(r, 2, 4, 6, 6), f(r, 3, 3, 2, 6)),
                                          {"data_format": "channels_first", "strides": (1, 2)})),
    "depthwise_conv": build(lambda r: ((f(r, 2, 6, 6, 3), f(r, 3, 3, 3, 2)), {"padding": "same"})),
    "depthwise_conv#first": build(lambda r: ((f(r, 2, 3, 8), f(r, 3, 3, 1)),
                                             {"strides": 2, "data_format": "channels_first"})),
    "separable_conv": build(lambda r: ((f(r, 2, 6, 6, 3), f(r, 3, 3, 3, 2), f(r, 1, 1, 6, 5)),
                                       {"padding": "same"})),
    "conv_transpose": build(lambda r: ((f(r, 2, 5, 5, 3), f(r, 3, 3, 4, 3)), {"strides": 2})),
    "conv_transpose#same": build(lambda r: ((f(r, 2, 5, 5, 3), f(r, 3, 3, 4, 3)),
                                            {"strides": 2, "padding": "same"})),
    "conv_transpose#outpad": build(lambda r: ((f(r, 2, 5, 3), f(r, 4, 2, 3)),
                                              {"strides": 3, "padding": "same", "output_padding": 1})),
    "conv_transpose#first": build(lambda r: ((f(r, 2, 3, 4, 4), f(r, 2, 2, 5, 3)),
                                             {"strides": 2, "dilation_rate": 1,
                                              "data_format": "channels_first"})),
    "max_pool": build(lambda r: ((f(r, 2, 6, 6, 3), 2), {"strides": 2})),
    "max_pool#same": build(lambda r: ((f(r, 2, 7, 7, 3), 3), {"strides": 2, "padding": "same"})),
    "max_pool#1d_first": build(lambda r: ((f(r, 2, 3, 9), 2), {"strides": 2,
                                                               "data_format": "channels_first"})),
    "average_pool": build(lambda r: ((f(r, 2, 6, 6, 3), (2, 3)), {"strides": (2, 3)})),
    "max_pool#odd": build(lambda r: ((f(r, 2, 7, 5, 3), (2, 2)), {"strides": (2, 2)})),
    "average_pool#odd": build(lambda r: ((f(r, 2, 3, 7, 5), 2), {"strides": 2,
                                                                "data_format": "channels_first"})),
    "average_pool#same": build(lambda r: ((f(r, 2, 7, 7, 3), 3), {"strides": 2, "padding": "same"})),
    "average_pool#3d": build(lambda r: ((f(r, 1, 4, 5, 4, 2), 2), {"strides": 1})),
    "adaptive_average_pool": build(lambda r: (f(r, 2, 7, 5, 3), (3, 2))),
    "adaptive_average_pool#1d_first": build(lambda r: ((f(r, 2, 3, 10), 4),
                                                       {"data_format": "channels_first"})),
    "adaptive_max_pool": build(lambda r: (f(r, 2, 7, 5, 3), (3, 2))),
    "adaptive_max_pool#3d": build(lambda r: (f(r, 1, 5, 6, 7, 2), 3)),
    "unfold": build(lambda r: ((f(r, 2, 3, 6, 6), 3), {"padding": 1, "stride": 2})),
    "fold": build(lambda r: ((f(r, 2, 27, 9), (6, 6), 3), {"padding": 1, "stride": 2})),
    "depth_to_space": build(lambda r: (f(r, 2, 3, 3, 8), 2)),
    "depth_to_space#first": build(lambda r: ((f(r, 2, 8, 3, 3), 2), {"data_format": "channels_first"})),
    "space_to_depth": build(lambda r: (f(r, 2, 4, 6, 3), 2)),
    "space_to_depth#first": build(lambda r: ((f(r, 2, 3, 4, 6), 2), {"data_format": "channels_first"})),
})

# -- image ----------------------------------------------------------------------------------------
_TRANSFORM = np.array([[1.1, 0.2, -1.0, -0.1, 0.9, 0.5, 0.0, 0.0],
                       [0.8, 0.0, 1.0, 0.0, 1.2, -0.5, 0.0, 0.0]], "float32")
_CORNERS = np.array([[0, 0], [7, 0], [0, 7], [7, 7]], "float32")
CASES.update({
    "image.resize": build(lambda r: (f(r, 2, 8, 6, 3), (4, 5))),
    "image.resize#nearest": build(lambda r: ((f(r, 8, 6, 3), (5, 12)), {"interpolation": "nearest"})),
    "image.resize#antialias": build(lambda r: ((f(r, 2, 8, 8, 1), (3, 3)),
                                               {"interpolation": "bicubic", "antialias": True})),
    "image.resize#crop": build(lambda r: ((f(r, 2, 8, 6, 3), (4, 4)), {"crop_to_aspect_ratio": True})),
    "image.resize#pad": build(lambda r: ((f(r, 2, 3, 8, 6), (4, 4)),
                                         {"pad_to_aspect_ratio": True, "fill_value": 0.5,
                                          "data_format": "channels_first"})),
    "image.resize#uint8": call((np.arange(48).reshape(4, 4, 3) * 5).astype("uint8"), (7, 3),
                               interpolation="lanczos3"),
    "image.rgb_to_grayscale": build(lambda r: (prob(r, 2, 4, 4, 3),)),
    "image.rgb_to_grayscale#first": build(lambda r: ((prob(r, 3, 4, 5),),
                                                     {"data_format": "channels_first"})),
    "image.rgb_to_hsv": build(lambda r: (prob(r, 2, 4, 4, 3),)),
    "image.hsv_to_rgb": build(lambda r: (prob(r, 2, 4, 4, 3),)),
    "image.affine_transform": build(lambda r: (f(r, 2, 6, 7, 3), _TRANSFORM)),
    "image.affine_transform#nearest": build(lambda r: ((f(r, 6, 7, 2), _TRANSFORM[0]),
                                                       {"interpolation": "nearest",
                                                        "fill_mode": "reflect"})),
    "image.perspective_transform": build(lambda r: (f(r, 2, 8, 8, 3), np.stack([_CORNERS] * 2),
                                                    np.stack([_CORNERS, _CORNERS[::-1]]) + 1)),
    "image.perspective_transform#single": build(lambda r: (
        (f(r, 8, 8, 2), _CORNERS, _CORNERS + np.array([[1, 0], [-1, 1], [0, -1], [-1, -1]], "float32")),
        {"interpolation": "nearest", "fill_value": 0.5})),
    "image.map_coordinates": build(lambda r: ((f(r, 5, 6), r.uniform(-1, 6, (2, 3, 4)).astype("float32"),
                                               1), {"fill_mode": "nearest"})),
    "image.gaussian_blur": build(lambda r: ((f(r, 2, 6, 7, 3),),
                                            {"kernel_size": (3, 5), "sigma": (1.0, 2.0),
                                             "data_format": "channels_last"})),
    "image.scale_and_translate": build(lambda r: (f(r, 2, 6, 6, 3), (2, 4, 5, 3),
                                                  np.array([0.7, 0.8], "float32"),
                                                  np.array([0.5, -0.2], "float32"), (1, 2), "bilinear")),
    "image.sobel_edges": build(lambda r: (f(r, 2, 5, 6, 3),)),
    "image.ssim": build(lambda r: (prob(r, 2, 12, 12, 3), prob(r, 2, 12, 12, 3))),
    "image.ssim#single": build(lambda r: ((prob(r, 12, 13, 1), prob(r, 12, 13, 1)),
                                          {"max_val": 2.0, "filter_size": 5})),
    "image.extract_patches": build(lambda r: (f(r, 2, 6, 6, 3), 2)),
    "image.extract_patches#same": build(lambda r: ((f(r, 7, 7, 2), (3, 2)),
                                                   {"strides": (2, 2), "padding": "same"})),
    "image.extract_patches_3d": build(lambda r: (f(r, 1, 4, 4, 4, 2), (2, 2, 2))),
    "image.pad_images": build(lambda r: ((f(r, 2, 4, 5, 3), 1, 2), {"target_height": 7,
                                                                    "target_width": 9})),
    "image.crop_images": build(lambda r: ((f(r, 3, 6, 7),), {"top_cropping": 1, "bottom_cropping": 2,
                                                             "left_cropping": 1, "target_width": 4,
                                                             "data_format": "channels_first"})),
})
