"""Layer: the base of everything with weights, from ``Dense`` to a whole ``Model``."""

from __future__ import annotations

import functools
import inspect

import jax
import jax.numpy as jnp
import numpy as np

from lamina.core import call_context, config, naming, symbolic
from lamina.core.errors import describe
from lamina.core.variable import Variable
from lamina import mixed_precision

# Attributes that point at other objects but do not make them part of this layer.
_UNTRACKED = frozenset({"_inbound_nodes", "_outbound_nodes", "_recorded_output_shape", "_init_args",
                        "optimizer", "input_spec", "_call_order", "_output_spec",
                        "_input_spec_tensors", "_state_variables_cache", "_engine_state",
                        "_eager_programs", "history", "_compile_loss", "_compile_metrics"})


# Input-shape arguments every layer accepts; Keras keeps them out of configs (the model's
# InputLayer holds the shape).
_SHAPE_ARGUMENTS = ("input_shape", "input_dim", "batch_size", "batch_input_shape")

_structure = [0]  # bumped whenever a layer gains or loses sub-layers or variables


def structure_version():
    """A counter that changes whenever any layer's set of sub-layers or variables may have
    changed; lets callers cache walks of the layer tree (the walk grows with the model)."""
    return _structure[0]


def _marks_built(build):
    """Wraps a ``build`` so that calling it directly also marks the layer built (as in Keras)."""
    @functools.wraps(build)
    def wrapper(self, *args, **kwargs):
        out = build(self, *args, **kwargs)
        self.built = True
        return out
    return wrapper


def _is_state_holder(value):
    """Seed generators and metrics: objects whose variables are state but not weights."""
    return getattr(type(value), "_lamina_state_holder", False)


class Layer:
    """Base class of all layers: tracks sub-layers and variables, builds lazily, serializes itself.

    Subclass it the Keras way: create sub-layers in ``__init__``, weights in ``build(input_shape)``
    with :meth:`add_weight`, and write ``call(inputs)``. Sub-layers and variables assigned as
    attributes, also inside lists and dicts, are tracked automatically.

    >>> class Scale(Layer):
    ...     def build(self, input_shape):
    ...         self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")
    ...     def call(self, x):
    ...         return x * self.w
    >>> Scale()(jnp.ones((2, 3))).shape
    (2, 3)
    """

    # Constructor arguments whose names match a pattern are written in configs through that
    # lamina module's `get` and `serialize` (Keras's form: an initializer as its class dict).
    config_argument_kinds = {"*_initializer": "initializers", "*_regularizer": "regularizers",
                             "*_constraint": "constraints", "activation": "activations",
                             "*_activation": "activations"}


    supports_masking = False  # True: the layer passes its input mask through unchanged

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        config.capture_init(cls)
        config.register(cls, getattr(cls, "_registered_name", None) or cls.__name__)
        if "build" in cls.__dict__:
            cls.build = _marks_built(cls.__dict__["build"])
        params = inspect.signature(cls.call).parameters
        cls._call_accepts_training = "training" in params
        cls._call_accepts_mask = "mask" in params
        default = params["training"].default if "training" in params else None
        cls._call_training_default = None if default is inspect.Parameter.empty else default

    def __init__(self, *, name=None, trainable=True, dtype=None, autocast=True,
                 input_shape=None, input_dim=None, batch_size=None, batch_input_shape=None,
                 activity_regularizer=None, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument(s) {sorted(kwargs)}.")
        self.name = name or naming.unique_name(naming.class_snake_name(type(self)))
        self._trainable = bool(trainable)
        self.dtype_policy = mixed_precision.get(dtype)  # None: the global policy
        self.autocast = autocast
        self.built = False
        self.input_spec = None
        from lamina import regularizers

        self.activity_regularizer = regularizers.get(activity_regularizer)
        self._own_variables = []
        self._losses = []
        self._inbound_nodes = []
        if input_dim is not None:
            input_shape = (input_dim,)
        if batch_input_shape is not None:
            batch_size, input_shape = batch_input_shape[0], batch_input_shape[1:]
        self._declared_input_shape = None if input_shape is None else (
            (batch_size,) + tuple(input_shape))

    # -- tracking ------------------------------------------------------------------------------
    def __setattr__(self, name, value):
        if name not in _UNTRACKED and (isinstance(value, (Layer, Variable, list, tuple, dict))
                                       or _is_state_holder(value)):
            _structure[0] += 1
        object.__setattr__(self, name, value)

    def _tracked(self, kind):
        """Direct attributes of type ``kind`` (a class or a predicate), also inside lists,
        tuples and dicts, in assignment order."""
        found, seen = [], set()
        matches = kind if not isinstance(kind, type) else (lambda v: isinstance(v, kind))

        def visit(value):
            if matches(value):
                if id(value) not in seen and value is not self:
                    seen.add(id(value))
                    found.append(value)
            elif isinstance(value, (list, tuple)):
                for item in value:
                    visit(item)
            elif isinstance(value, dict):
                for item in value.values():
                    visit(item)

        for key, value in self.__dict__.items():
            if key not in _UNTRACKED:
                visit(value)
        return found

    @property
    def _layers(self):
        """Direct sub-layers."""
        return self._tracked(Layer)

    def _flatten_layers(self, include_self=True):
        """This layer and all nested sub-layers, depth first, each once."""
        out, seen, stack = [], set(), [self]
        while stack:
            layer = stack.pop(0)
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            if include_self or layer is not self:
                out.append(layer)
            stack[0:0] = layer._layers
        return out

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        """Setting it sets every sub-layer too (as in Keras): a frozen BatchNormalization also
        stops updating its statistics."""
        for layer in self._flatten_layers():
            layer._trainable = bool(value)
        _structure[0] += 1

    def _collect_variables(self, trainable=None, include_state=False):
        out, seen = [], set()

        def visit(layer, frozen):
            frozen = frozen or not layer._trainable
            own = layer._own_variables + [v for v in layer._tracked(Variable)
                                          if v not in layer._own_variables]
            for want in (True, False):
                for v in own:
                    if v.trainable == want and id(v) not in seen:
                        effective = v.trainable and not frozen
                        if trainable is None or trainable == effective:
                            seen.add(id(v))
                            out.append(v)
            if include_state and trainable is not True:
                for holder in layer._tracked(_is_state_holder):
                    for v in holder.variables:
                        if id(v) not in seen:
                            seen.add(id(v))
                            out.append(v)
            for sub in layer._layers:
                visit(sub, frozen)

        visit(self, False)
        return out

    @property
    def variables(self):
        """Every variable of this layer and its sub-layers, including random-seed and metric
        state (``weights`` excludes those)."""
        return self._collect_variables(include_state=True)

    @property
    def weights(self):
        """The weights of this layer and its sub-layers: trainable first, per layer."""
        return self._collect_variables()

    @property
    def trainable_variables(self):
        """Variables that ``fit`` updates (excludes those of frozen layers)."""
        return self._collect_variables(trainable=True)

    trainable_weights = trainable_variables

    @property
    def non_trainable_variables(self):
        """Variables ``fit`` does not differentiate: frozen weights, statistics, seeds, metrics."""
        return self._collect_variables(trainable=False, include_state=True)

    @property
    def non_trainable_weights(self):
        """Non-trainable weights (BatchNorm statistics, frozen layers' weights)."""
        return self._collect_variables(trainable=False)

    @property
    def dtype(self):
        """The dtype of the layer's weights (``variable_dtype``), as a name."""
        return self.dtype_policy.variable_dtype

    @dtype.setter
    def dtype(self, value):
        self.dtype_policy = mixed_precision.get(value)

    @property
    def variable_dtype(self):
        return self.dtype_policy.variable_dtype

    @property
    def compute_dtype(self):
        """The dtype inputs are cast to and weights are read in during ``call``."""
        return self.dtype_policy.compute_dtype

    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True,
                   regularizer=None, constraint=None, name=None, autocast=True):
        """Creates a variable owned by this layer (call it from ``build``).

        ``initializer`` is a name (``"glorot_uniform"``), an initializer object or a callable;
        the default is ``glorot_uniform`` for floats and ``zeros`` otherwise. With ``autocast``,
        reads inside a mixed-precision call give the compute dtype.
        """
        from lamina import initializers, regularizers, constraints

        dtype = jnp.dtype(dtype or self.variable_dtype).name
        if initializer is None:
            initializer = "glorot_uniform" if jnp.issubdtype(dtype, jnp.floating) else "zeros"
        kind = mixed_precision.AutocastVariable if autocast else Variable
        variable = kind(initializers.get(initializer), shape=tuple(shape or ()), dtype=dtype,
                        trainable=trainable, name=name or f"variable_{len(self._own_variables)}")
        variable.path = f"{self.name}/{variable.name}"
        variable.regularizer = regularizers.get(regularizer)
        variable.constraint = constraints.get(constraint)
        self._own_variables.append(variable)
        _structure[0] += 1
        return variable

    # -- building and calling ------------------------------------------------------------------
    def build(self, input_shape):
        """Creates the weights for inputs of ``input_shape``; the default creates none."""

    def _maybe_build(self, inputs):
        if self.built:
            return
        shapes = jax.tree_util.tree_map(lambda x: symbolic.known_shape(jnp.shape(x)), inputs)
        try:
            self.build(shapes)
        except (ValueError, TypeError) as error:
            if type(error) not in (ValueError, TypeError) or describe(self) in str(error):
                raise
            raise type(error)(f"{describe(self)} could not be built for input shape {shapes}: {error}") from error
        self.built = True

    def call(self, inputs, *args, **kwargs):
        """The layer's computation on arrays; subclasses override it."""
        raise NotImplementedError(f"{describe(self)}: layers must implement `call`.")

    def __call__(self, *args, **kwargs):
        if symbolic.is_symbolic((args, kwargs)):
            return self._call_symbolic(args, kwargs)
        if not args:
            raise TypeError(f"{describe(self)}: call it with the inputs as first argument.")
        inputs = self._convert_inputs(args[0])
        args = (inputs,) + args[1:]
        self._maybe_build(inputs)
        if self.input_spec is not None:
            for leaf in jax.tree_util.tree_leaves(inputs):
                self.input_spec.check(self, jnp.shape(leaf))
        mask = kwargs.pop("mask", None)
        if self._call_accepts_mask:
            kwargs["mask"] = mask
        training = kwargs.pop("training", None)
        if training is None:
            training = call_context.current_training()
        if training is None:
            training = self._call_training_default
        if self._call_accepts_training:
            kwargs["training"] = training
        with call_context.training_scope(training), mixed_precision.layer_autocast(self):
            outputs = self.call(*args, **kwargs)
        if self.activity_regularizer is not None:
            self._add_activity_loss(outputs)
        symbolic.record(self, outputs, (args, kwargs))
        return outputs

    def _convert_inputs(self, inputs):
        def convert(x):
            if isinstance(x, Variable):
                x = x.value
            if not isinstance(x, (jax.Array, jax.core.Tracer)):
                x = np.asarray(x)
                if x.dtype == np.float64:
                    x = x.astype(self.compute_dtype if self.autocast else "float32")
                x = jnp.asarray(x)
            if (self.autocast and jnp.issubdtype(x.dtype, jnp.floating)
                    and x.dtype != self.compute_dtype):
                x = x.astype(self.compute_dtype)
            return x

        return jax.tree_util.tree_map(convert, inputs)

    def _call_symbolic(self, args, kwargs):
        # Only the symbolic tensors (positional or keyword) are traced; other arguments
        # (use_causal_mask=True, an int) stay Python values.
        is_tensor = lambda x: isinstance(x, symbolic.SymbolicTensor)  # noqa: E731
        leaves, treedef = jax.tree_util.tree_flatten((args, kwargs), is_leaf=is_tensor)
        where = [i for i, leaf in enumerate(leaves) if is_tensor(leaf)]

        def run(tensors):
            filled = list(leaves)
            for i, value in zip(where, tensors):
                filled[i] = value
            call_args, call_kwargs = jax.tree_util.tree_unflatten(treedef, filled)
            return self(*call_args, **call_kwargs)

        try:
            outputs = symbolic.output_specs(run, [leaves[i] for i in where])
        finally:
            self._clear_losses()  # losses added while tracing shapes are not real losses
        flat = jax.tree_util.tree_leaves(
            outputs, is_leaf=lambda x: isinstance(x, symbolic.SymbolicTensor))
        self._inbound_nodes.append(symbolic.Node(self, args, kwargs, flat))
        self._recorded_output_shape = jax.tree_util.tree_map(
            lambda t: t.shape, outputs, is_leaf=lambda x: isinstance(x, symbolic.SymbolicTensor))
        for i, leaf in enumerate(flat):
            leaf.history = (self, len(self._inbound_nodes) - 1, i)
        return outputs

    def compute_mask(self, inputs, previous_mask=None):
        """The mask of this layer's output (a boolean array over the time/batch axes, or
        ``None``). The default passes ``previous_mask`` through when ``supports_masking``."""
        return previous_mask if self.supports_masking else None

    def compute_output_shape(self, input_shape):
        """Output shape for ``input_shape`` (``None`` for unknown dims), from the real ``call``."""
        spec = symbolic.SymbolicTensor(input_shape, self.compute_dtype)
        out = symbolic.output_specs(lambda x: self(x), spec)
        return jax.tree_util.tree_map(lambda t: t.shape, out,
                                      is_leaf=lambda x: isinstance(x, symbolic.SymbolicTensor))

    def _add_activity_loss(self, outputs):
        """Keras 3: the penalty of each output divided by the batch size (real rows only)."""
        mask = call_context.current_padding_mask()
        for out in jax.tree_util.tree_leaves(outputs):
            if mask is not None:
                rows = mask.reshape(mask.shape + (1,) * (out.ndim - 1))
                penalty = self.activity_regularizer(out * rows) / mask.sum()
            else:
                penalty = self.activity_regularizer(out) / out.shape[0]
            self.add_loss(penalty)

    # -- losses added by the layer -------------------------------------------------------------
    def add_loss(self, loss):
        """Adds a scalar to the training loss (e.g. an activity regularizer)."""
        self._losses.append(loss)

    @property
    def losses(self):
        """Losses added during the last call, plus weight regularization penalties."""
        out = []
        for layer in self._flatten_layers():
            out.extend(layer._losses)
            for v in layer._own_variables:
                if getattr(v, "regularizer", None) is not None and v.trainable:
                    out.append(v.regularizer(v.value))
        return out

    def _clear_losses(self):
        for layer in self._flatten_layers():
            layer._losses = []

    # -- weights as numpy ----------------------------------------------------------------------
    def count_params(self):
        """Total number of scalars in this layer's weights."""
        if not self.built and not self.variables:
            raise ValueError(f"{describe(self)} is not built yet; call it on data or `build()` first.")
        return int(sum(np.prod(v.shape) for v in self.weights))

    def get_weights(self):
        """The weights as a list of numpy arrays, in ``weights`` order."""
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights):
        """Sets the weights from a list of arrays in ``weights`` order; shapes must match."""
        targets = self.weights
        if len(weights) != len(targets):
            raise ValueError(f"{describe(self)}: expected a list of {len(targets)} weight arrays, "
                             f"received {len(weights)}.")
        for variable, value in zip(targets, weights):
            if tuple(np.shape(value)) != variable.shape:
                raise ValueError(f"{describe(self)}: weight '{variable.path}' has shape "
                                 f"{variable.shape}, received an array of shape {np.shape(value)}.")
        for variable, value in zip(targets, weights):
            variable.assign(value)

    # -- configuration -------------------------------------------------------------------------
    def get_config(self):
        """The constructor arguments (captured automatically), serialized in Keras's form.

        Arguments named in :attr:`config_argument_kinds` are written as Keras writes them
        (``"glorot_uniform"`` becomes a ``GlorotUniform`` dict); input-shape arguments taken
        by the base class (``input_shape``, ``input_dim``, ...) are left out, as in Keras.
        """
        args = dict(getattr(self, "_init_args", {}))
        own = config.explicit_parameters(type(self))
        for key in ("name", "trainable", "dtype") + _SHAPE_ARGUMENTS:
            if key in ("name", "trainable", "dtype") or key not in own:
                args.pop(key, None)
        cfg = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype_policy.name}
        for key, value in args.items():
            if key.startswith("*"):
                continue
            try:
                cfg[key] = config.serialize_argument(key, value, self.config_argument_kinds)
            except TypeError as error:
                raise TypeError(f"{describe(self)}: {error}") from None
        return cfg

    @classmethod
    def from_config(cls, cfg):
        """Builds a layer from :meth:`get_config` output."""
        return config.construct(cls, {k: config.deserialize(v) for k, v in cfg.items()})

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"
