"""Input and InputLayer: the entry points of a model graph."""

from lamina.core.layer import Layer
from lamina.core.symbolic import Node, SymbolicTensor
from lamina.layers import operation  # noqa: F401  (ops on the tensors of Input become nodes)


class InputLayer(Layer):
    """Holds the symbolic input of a model: its shape (``None`` batch) and dtype."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, name=None, **kwargs):
        super().__init__(name=name, dtype=dtype, **kwargs)
        if sparse:
            raise NotImplementedError("InputLayer: sparse inputs are not supported by lamina.")
        if batch_shape is None:
            if shape is None:
                raise ValueError("InputLayer: pass `shape` (without the batch axis) or `batch_shape`.")
            batch_shape = (batch_size,) + tuple(shape)
        self.batch_shape = tuple(batch_shape)
        self.output = input_tensor or SymbolicTensor(self.batch_shape, self.dtype, name=self.name,
                                                     history=(self, 0, 0))
        self._inbound_nodes.append(Node(self, (), {}, [self.output]))
        self._recorded_output_shape = self.batch_shape
        self.built = True

    def call(self, inputs):
        return inputs


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None):
    """A symbolic input tensor: ``Input((8,))`` has shape ``(None, 8)``.

    >>> Input((8,)).shape
    (None, 8)
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, name=name, input_tensor=tensor)
    return layer.output

