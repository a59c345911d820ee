"""Sequential: a model that runs a stack of layers in order."""

from __future__ import annotations

from lamina.core import symbolic
from lamina.core.errors import describe
from lamina.core.layer import Layer
from lamina.core.symbolic import SymbolicTensor
from lamina.layers.input_layer import InputLayer
from lamina.models.model import Model


class Sequential(Model):
    """A linear stack of layers: each layer's output is the next one's input.

    The input shape comes from an ``Input``, an ``InputLayer``, or an ``input_shape=`` /
    ``input_dim=`` argument of the first layer; the model is then built at once. Otherwise it is
    built on the first call or ``fit``.

    >>> from lamina.layers import Dense, Activation
    >>> model = Sequential([Dense(64, input_dim=8), Activation("relu"), Dense(32),
    ...                     Activation("relu"), Dense(1)])
    >>> model.count_params()
    2689
    """

    def __init__(self, layers=None, trainable=True, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        self._stack = []
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    def add(self, layer, rebuild=True):
        """Appends a layer (or an ``Input`` tensor, as the first entry)."""
        if isinstance(layer, SymbolicTensor):
            layer = layer.history[0]
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add: expected a Layer, received {type(layer).__name__}: "
                            f"{layer!r}.")
        if isinstance(layer, InputLayer) and self._stack:
            raise ValueError(f"Sequential '{self.name}': an Input can only be the first layer.")
        if not self._stack and not isinstance(layer, InputLayer) and \
                layer._declared_input_shape is not None:
            shape = layer._declared_input_shape
            self._stack.append(InputLayer(batch_shape=shape, dtype=layer.dtype))
        self._stack.append(layer)
        self._stack = self._stack  # reassigned so trackers see the change
        if rebuild:
            self._maybe_rebuild()
        else:
            self.built = False

    def pop(self, rebuild=True):
        """Removes and returns the last layer."""
        if not self.layers:
            raise TypeError(f"Sequential '{self.name}': there are no layers to pop.")
        layer = self._stack.pop()
        self._stack = self._stack  # reassigned so trackers see the change
        self.built = False
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self):
        """Builds when the input shape is known; a built model only traces the new layer, so
        ``add`` stays linear in the number of layers."""
        if not (self._stack and isinstance(self._stack[0], InputLayer) and len(self._stack) > 1):
            self.built = False
            return
        if self.built and getattr(self, "_traced_layers", 0) == len(self._stack) - 1:
            with symbolic.Recorder() as recorder:
                self._output_spec = self._stack[-1](self._output_spec)
            self._call_order.extend(recorder.calls)
        else:
            self._trace_call(self._stack[0].output)
        self._traced_layers = len(self._stack)

    @property
    def input_shape(self):
        if self._stack and isinstance(self._stack[0], InputLayer):
            return self._stack[0].batch_shape
        raise AttributeError(f"Sequential '{self.name}' has no defined input shape yet.")

    def get_config(self):
        """Name, dtype and the layers in order (the InputLayer first), in Keras's format."""
        from lamina.models import serialization
        return serialization.sequential_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A new Sequential (fresh weights) from :meth:`get_config` output."""
        from lamina.models import serialization
        return serialization.sequential_from_config(cls, config, custom_objects)

    @property
    def inputs(self):
        """The symbolic input (Keras's ``model.inputs``), when the input shape is known."""
        return [self._stack[0].output] if self._stack and isinstance(
            self._stack[0], InputLayer) else None

    @property
    def outputs(self):
        """The symbolic output, once built from a known input shape."""
        spec = getattr(self, "_output_spec", None)
        return [spec] if self.inputs and self.built and spec is not None else None

    def call(self, inputs, training=None, mask=None):
        """Runs the layers in order, passing each layer's output mask to the next."""
        x = inputs
        for layer in self._stack:
            if isinstance(layer, InputLayer):
                continue
            kwargs = {"mask": mask} if mask is not None and layer._call_accepts_mask else {}
            try:
                outputs = layer(x, **kwargs)
            except ValueError as error:
                if describe(layer) in str(error):
                    raise
                raise ValueError(f"{describe(layer)} in Sequential '{self.name}': {error}") from error
            mask = layer.compute_mask(x, mask)
            x = outputs
        return x
