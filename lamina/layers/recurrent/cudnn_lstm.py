"""The LSTM's fast path on NVIDIA GPUs: cuDNN's fused LSTM through ``jax.experimental.rnn``.

Used (as Keras does) only where it computes what the scanned LSTM computes: tanh and sigmoid
activations, no mask, no recurrent dropout, not unrolled, float32. cuDNN may use TF32
matmuls, as XLA's own float32 matmuls do on the same GPUs. If cuDNN refuses the call, the
scanned loop runs instead.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina import activations


def usable(layer, mask):
    """Whether ``layer`` (an LSTM) may run on cuDNN for this call."""
    cell = layer.cell
    return (layer.use_cudnn in (True, "auto") and mask is None and not layer.unroll
            and jax.default_backend() == "gpu" and not cell.recurrent_dropout
            and cell.dropout_mask_count is None
            and cell.activation is activations.tanh
            and cell.recurrent_activation is activations.sigmoid
            and jnp.dtype(layer.compute_dtype) == jnp.float32)


def pack_weights(kernel, recurrent_kernel, bias):
    """cuDNN's flat weights from Keras's: ``W_ih, W_hh`` (gates i, f, g, o on the leading
    axis, the order of Keras's columns), then ``b_ih, b_hh`` (Keras has one bias: ``b_hh=0``).

    >>> pack_weights(jnp.ones((3, 8)), jnp.ones((2, 8)), None).shape
    (56,)
    """
    if bias is None:
        bias = jnp.zeros((kernel.shape[1],), kernel.dtype)
    return jnp.concatenate([kernel.T.ravel(), recurrent_kernel.T.ravel(), bias,
                            jnp.zeros_like(bias)])


def lstm(inputs, h0, c0, kernel, recurrent_kernel, bias, go_backwards):
    """``(outputs, h, c)`` over batch-major ``inputs``; ``outputs`` in processing order
    (reversed with ``go_backwards``, as the scan gives them). Raises ``NotImplementedError``
    where cuDNN cannot run it."""
    try:
        from jax.experimental import rnn
    except ImportError as error:
        raise NotImplementedError(f"jax.experimental.rnn is unavailable: {error}") from error
    if go_backwards:
        inputs = jnp.flip(inputs, axis=1)
    lengths = jnp.full((inputs.shape[0],), inputs.shape[1], jnp.int32)
    try:
        outputs, h, c = rnn.lstm(inputs, h0[None], c0[None],
                                 pack_weights(kernel, recurrent_kernel, bias), lengths,
                                 input_size=kernel.shape[0], hidden_size=recurrent_kernel.shape[0],
                                 num_layers=1, dropout=0.0, bidirectional=False)
    except (RuntimeError, TypeError, ValueError) as error:
        raise NotImplementedError(f"cuDNN LSTM failed: {error}") from error
    return outputs, h[0], c[0]
