"""EinsumDense: a dense layer whose contraction is written as an einsum equation.

The attention layers project ``(batch, steps, dim)`` to ``(batch, steps, heads, head_dim)`` with
it, so their kernels have Keras's shapes (``(dim, heads, head_dim)``) and ``.keras`` files load.
"""

import re

import jax.numpy as jnp

from lamina import activations, initializers
from lamina.core.errors import describe
from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer

_FRESH = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # letters for the axes an ellipsis stands for


def _spell_out(layer, equation, rank):
    """``equation`` with its ``...`` replaced by letters for an input of ``rank``; also the
    position (``"left"``, ``"right"`` or ``None``) of the ellipsis."""
    forms = (("left", r"\.\.\.([a-z]+),([a-z]+)->\.\.\.([a-z]+)"),
             ("right", r"([a-z]{2,})\.\.\.,([a-z]+)->([a-z]+)\.\.\."),
             (None, r"([a-z]+),([a-z]+)->([a-z]+)"))
    for side, pattern in forms:
        match = re.fullmatch(pattern, equation)
        if match:
            break
    else:
        raise ValueError(f"{describe(layer)}: invalid equation {equation!r}; expected the form "
                         "'ab,bc->ac', '...b,bc->...c' or 'ab...,bc->ac...' (lowercase letters).")
    inputs, kernel, outputs = match.groups()
    if rank < len(inputs) or (side is None and rank != len(inputs)):
        raise ValueError(f"{describe(layer)}: equation {equation!r} does not fit an input of "
                         f"rank {rank}.")
    extra = _FRESH[:rank - len(inputs)] if side else ""
    if side == "left":
        return extra + inputs, kernel, extra + outputs, side
    return inputs + extra, kernel, outputs + extra, side


class EinsumDense(Layer):
    """``activation(einsum(equation, inputs, kernel) + bias)``.

    Args:
        equation: ``"<input>,<kernel>-><output>"`` in lowercase letters, with an optional ``...``
            at the start or the end of the input and the output (the axes it stands for pass
            through unchanged).
        output_shape: the output's shape without the batch axis (and without the ``...`` axes);
            ``None`` for an axis shared with the input.
        activation: name or function (``None``: linear).
        bias_axes: letters of the output axes that get a bias (``None``: no bias).
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        kernel_constraint, bias_constraint: as in :class:`~lamina.layers.Dense`.

    >>> EinsumDense("abc,cde->abde", output_shape=(None, 2, 4), bias_axes="de")(
    ...     jnp.ones((3, 5, 8))).shape
    (3, 5, 2, 4)
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None,
                 gptq_unpacked_column_size=None, quantization_config=None, **kwargs):
        super().__init__(**kwargs)
        if lora_rank or quantization_config is not None or gptq_unpacked_column_size:
            raise NotImplementedError(f"{describe(self)}: LoRA and quantization are not "
                                      "implemented in lamina.")
        self.equation = equation
        self.partial_output_shape = ((output_shape,) if isinstance(output_shape, int)
                                     else tuple(output_shape))
        self.activation = activations.get(activation)
        self.bias_axes = bias_axes
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint

    def _full_output_shape(self, input_shape):
        """The output shape for ``input_shape`` and the spelled-out equation's three parts."""
        inputs, kernel, outputs, side = _spell_out(self, self.equation, len(input_shape))
        given = list(self.partial_output_shape)
        extra = len(inputs) - len(self.equation.split(",")[0].replace("...", ""))
        if side == "left":
            given = [None] * extra + given
        elif side == "right":
            given = [None] + given + [None] * extra
        else:
            given = [None] + given
        if len(given) != len(outputs):
            raise ValueError(f"{describe(self)}: `output_shape` {self.partial_output_shape} does "
                             f"not fit the output '{outputs}' of equation {self.equation!r}.")
        sizes = dict(zip(inputs, input_shape))
        shape = []
        for letter, size in zip(outputs, given):
            known = sizes.get(letter)
            if size is not None and known is not None and size != known:
                raise ValueError(f"{describe(self)}: axis '{letter}' has size {known} in the "
                                 f"input but {size} in `output_shape`.")
            shape.append(size if size is not None else known)
        return tuple(shape), (inputs, kernel, outputs)

    def build(self, input_shape):
        out_shape, (inputs, kernel, outputs) = self._full_output_shape(input_shape)
        sizes = {**dict(zip(inputs, input_shape)), **{k: v for k, v in zip(outputs, out_shape)
                                                       if v is not None}}
        missing = [c for c in kernel if sizes.get(c) is None]
        if missing:
            raise ValueError(f"{describe(self)}: the kernel axes {missing} of {self.equation!r} "
                             f"must have known sizes; input shape {tuple(input_shape)}.")
        kernel_shape = tuple(sizes[c] for c in kernel)
        init = initializers.get(self.kernel_initializer)
        if isinstance(init, initializers.VarianceScaling) and init.input_axes is None:
            # Keras's fans for an einsum kernel: contracted axes in, produced axes out.
            init = type(init).from_config({
                **init.get_config(),
                "input_axes": [i for i, c in enumerate(kernel) if c not in outputs],
                "output_axes": [i for i, c in enumerate(kernel) if c in outputs]})
        self.kernel = self.add_weight(kernel_shape, init, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")
        self.bias = None
        if self.bias_axes:
            unknown = [c for c in self.bias_axes if c not in outputs]
            if unknown:
                raise ValueError(f"{describe(self)}: bias axes {unknown} are not in the output "
                                 f"'{outputs}' of {self.equation!r}.")
            tail = outputs[min(outputs.index(c) for c in self.bias_axes):]
            bias_shape = tuple(sizes[c] if c in self.bias_axes else 1 for c in tail)
            self.bias = self.add_weight(bias_shape, self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self._spelled = f"{inputs},{kernel}->{outputs}"
        self.input_spec = InputSpec(ndim=len(input_shape))

    def call(self, inputs):
        outputs = jnp.einsum(self._spelled, inputs, self.kernel.value)
        if self.bias is not None:
            outputs = outputs + self.bias.value
        return self.activation(outputs)
