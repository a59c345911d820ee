"""HostLayer: a layer that runs eagerly on numpy (strings cannot be jax arrays).

String-handling layers (StringLookup, TextVectorization, Hashing) compute on the host, outside
compiled code: use them in the data pipeline, before the model, and feed their numeric output
to the model.
"""

import jax
import numpy as np

from lamina.core.errors import describe
from lamina.core.layer import Layer
from lamina.core.variable import Variable


class HostLayer(Layer):
    """Base of layers whose ``call`` receives numpy arrays and cannot be traced."""

    def _host_error(self):
        return TypeError(
            f"{describe(self)} runs eagerly on numpy/Python values (strings cannot be jax "
            "arrays), so it cannot be part of a symbolic or compiled model. Apply it to your data "
            "before the model (e.g. `ids = layer(texts)` in the input pipeline) and feed its "
            "output to the model.")

    def _call_symbolic(self, args, kwargs):
        raise self._host_error()

    def _convert_inputs(self, inputs):
        if isinstance(inputs, Variable):
            inputs = inputs.value
        if isinstance(inputs, jax.core.Tracer):
            raise self._host_error()
        return np.asarray(inputs)
