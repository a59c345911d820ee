"""Model: a Layer that trains. Subclass it, or use Sequential."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from lamina.core import call_context, symbolic
from lamina.core.layer import Layer
from lamina.core.state import StateScope, current_scope
from lamina.core.symbolic import SymbolicTensor
from lamina.training.trainer import Trainer


class Model(Trainer, Layer):
    """A model: layers plus ``compile`` / ``fit`` / ``evaluate`` / ``predict`` / ``summary``.

    Subclass it: create layers in ``__init__`` and write ``call(inputs)``.

    >>> import lamina
    >>> class MLP(Model):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = lamina.layers.Dense(4, activation="relu")
    ...         self.out = lamina.layers.Dense(1)
    ...     def call(self, inputs):
    ...         return self.out(self.hidden(inputs))
    >>> model = MLP()
    >>> model.build((None, 3))
    >>> model.count_params()
    21
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and (len(args) >= 2 or "inputs" in kwargs or "outputs" in kwargs):
            from lamina.models.functional import Functional
            return Functional.__new__(Functional)
        return super().__new__(cls)

    def __init__(self, *, name=None, trainable=True, dtype=None, **kwargs):
        super().__init__(name=name, trainable=trainable, dtype=dtype, **kwargs)
        self._init_trainer()
        self._jit_eager = True
        self._eager_programs = {}

    # -- building: a symbolic trace of `call`, which also records every sub-layer's shape ---------
    def build(self, input_shape):
        """Builds every sub-layer by tracing ``call`` on a symbolic input of ``input_shape``."""
        spec = _spec_from_shape(input_shape, self.dtype)
        self._trace_call(spec)

    def _trace_call(self, spec):
        self.built = True  # the traced call must not try to build again
        try:
            with symbolic.Recorder(owner=self) as recorder:
                out = symbolic.output_specs(lambda x: Layer.__call__(self, x, training=False),
                                            spec)
        except Exception:
            self.built = False
            raise
        finally:
            self._clear_losses()  # losses added while tracing shapes are not real losses
        self._call_order = [layer for layer in recorder.calls if layer is not self]
        self._traced_graph = recorder.graph  # the data flow of `call`, for summary and plot_model
        self._output_spec = out
        self._input_spec_tensors = spec
        return out

    def _maybe_build(self, inputs):
        if self.built:
            return
        spec = jax.tree_util.tree_map(
            lambda x: SymbolicTensor((None,) + tuple(jnp.shape(x))[1:], jnp.result_type(x)), inputs)
        if not self._build_overridden():
            self._trace_call(spec)
            return
        Layer._maybe_build(self, inputs)
        self._trace_call(spec)

    def _build_overridden(self):
        return type(self).build is not Model.build

    def compute_output_spec(self, x):
        """Output shapes/dtypes (``jax.ShapeDtypeStruct``) for inputs shaped like ``x``."""
        try:
            with StateScope(), call_context.shape_trace():  # writes made here are discarded
                return jax.eval_shape(lambda inputs: Layer.__call__(self, inputs, training=False),
                                      jax.tree_util.tree_map(
                                          lambda a: jax.ShapeDtypeStruct(jnp.shape(a),
                                                                         jnp.result_type(a)), x))
        finally:
            self._clear_losses()

    # -- calling: eager calls run one compiled program ---------------------------------------------
    def __call__(self, *args, **kwargs):
        if (self._jit_eager and current_scope() is None and len(args) == 1
                and not symbolic.is_symbolic((args, kwargs)) and _concrete(args[0])
                and set(kwargs) <= {"training"} and self.built):
            try:
                return self._eager_call(args[0], kwargs.get("training"))
            except (jax.errors.ConcretizationTypeError, jax.errors.TracerBoolConversionError,
                    jax.errors.TracerIntegerConversionError, jax.errors.TracerArrayConversionError):
                self._jit_eager = False  # `call` needs concrete values: run it op by op
        return Layer.__call__(self, *args, **kwargs)

    def _eager_call(self, inputs, training):
        store, _ = self._engine()
        key = (id(store), bool(training))
        program = self._eager_programs.get(key)
        if program is None:
            def call_once(x):
                outputs = Layer.__call__(self, x, training=training)
                self._clear_losses()  # traced values must not outlive the trace
                return outputs

            pure = store.pure(call_once)
            program = self._eager_programs[key] = jax.jit(pure)
            self._eager_programs = {k: v for k, v in self._eager_programs.items()
                                    if k[0] == id(store)}
        inputs = jax.tree_util.tree_map(self._host_cast, inputs)
        outputs, buffers = program(store.buffers, inputs)
        store.update(buffers)
        return outputs

    def _host_cast(self, x):
        """Numpy inputs go to the compiled call as they are (cheaper than a device array first),
        floats cast on the host to the layer dtype."""
        if isinstance(x, jax.Array):
            return x
        x = np.asarray(x)
        if x.dtype.kind == "f" and x.dtype != self.dtype and self.autocast:
            x = x.astype(self.dtype)
        return x

    @property
    def output_shape(self):
        """The output shape(s), ``None`` for the batch axis (the model must be built)."""
        if not self.built or getattr(self, "_output_spec", None) is None:
            raise AttributeError(f"Model '{self.name}' has not been built yet: call it on data "
                                 "or call `build(input_shape)` first.")
        return jax.tree_util.tree_map(lambda t: t.shape, self._output_spec,
                                      is_leaf=lambda t: isinstance(t, SymbolicTensor))

    # -- structure -----------------------------------------------------------------------------
    @property
    def layers(self):
        """The model's direct sub-layers."""
        from lamina.layers.input_layer import InputLayer
        return [layer for layer in self._layers if not isinstance(layer, InputLayer)]

    def get_layer(self, name=None, index=None):
        """A sub-layer by ``name`` or by ``index`` in :attr:`layers`."""
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(f"Model '{self.name}' has {len(layers)} layers; index {index} "
                                 "is out of range.")
            return layers[index]
        for layer in self._flatten_layers(include_self=False):
            if layer.name == name:
                return layer
        raise ValueError(f"No layer named '{name}' in model '{self.name}'. Layers: "
                         f"{[layer.name for layer in layers]}.")

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Prints a table of layers, output shapes and parameter counts, then the totals."""
        from lamina.models.summary import print_summary
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable,
                      layer_range=layer_range)

    # -- configs ---------------------------------------------------------------------------------
    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A new model from :meth:`get_config` output (a functional config gives a Functional)."""
        from lamina.models import serialization
        return serialization.model_from_config(cls, config, custom_objects)

    def to_json(self, **kwargs):
        """The model's class and config as a JSON string (``json.dumps`` options in ``kwargs``);
        :func:`lamina.models.model_from_json` builds a new model from it."""
        import json
        from lamina.models import serialization
        return json.dumps(serialization.serialize_model(self), **kwargs)

    # -- saving (see lamina.saving) ----------------------------------------------------------------
    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Saves the model (config, weights, optimizer and training state) to a ``.keras`` file."""
        from lamina.saving import save_model
        save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(self, filepath, overwrite=True):
        """Saves the weights and optimizer state to a ``.weights.h5`` file (Keras's layout)."""
        from lamina.saving import save_weights
        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Loads weights from a ``.weights.h5``, ``.keras`` or legacy ``.h5`` file."""
        from lamina.saving import load_weights
        load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    def export(self, filepath, format="stablehlo", **kwargs):
        """Writes the inference function as a StableHLO program (``lamina.saving.load_exported``
        runs it without this model's classes)."""
        from lamina.saving import export_model
        export_model(self, filepath, format=format, **kwargs)

    # -- stateless API (Keras's JAX form) --------------------------------------------------------
    def stateless_call(self, trainable_variables, non_trainable_variables, *args,
                       return_losses=False, **kwargs):
        """``call`` as a pure function of variable values: returns ``(outputs,
        non_trainable_variables)`` (and the added losses with ``return_losses=True``)."""
        from lamina.core.state import StateScope
        trainable, non_trainable = self.trainable_variables, self.non_trainable_variables
        bindings = dict(zip(trainable, trainable_variables))
        bindings.update(zip(non_trainable, non_trainable_variables))
        with StateScope(bindings) as scope:
            outputs = Layer.__call__(self, *args, **kwargs)
            losses = list(self.losses)
            self._clear_losses()
        new_non_trainable = [scope.get(v) for v in non_trainable]
        if return_losses:
            return outputs, new_non_trainable, losses
        return outputs, new_non_trainable

    @property
    def state(self):
        """Every variable's value, ``{path: array}`` (weights, statistics, seeds, metrics)."""
        return {v.path: v.value for v in self.variables}


def _concrete(x):
    leaves = jax.tree_util.tree_leaves(x)
    return bool(leaves) and not any(isinstance(leaf, jax.core.Tracer) for leaf in leaves)


def _spec_from_shape(input_shape, dtype):
    def is_shape(s):
        return isinstance(s, (tuple, list)) and all(d is None or isinstance(d, int) for d in s)

    if is_shape(input_shape):
        return SymbolicTensor((None,) + tuple(input_shape)[1:], dtype)
    if isinstance(input_shape, dict):
        return {k: _spec_from_shape(v, dtype) for k, v in input_shape.items()}
    return [_spec_from_shape(s, dtype) for s in input_shape]
