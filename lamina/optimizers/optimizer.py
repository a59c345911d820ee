"""The optimizer base: Keras's optimizer API over an optax transformation, its state in Variables.

A subclass only says which optax transformation makes its update (``_transform``) and lists its
hyperparameters in ``get_config``. The base owns what every optimizer shares, in Keras's order:
loss-scale unscaling, gradient accumulation, clipping, decoupled weight decay, the update, the EMA
of the weights, constraints, and the step counter; the learning rate (a Variable, or a schedule
evaluated on the step counter) and the slot Variables that hold the transformation's state.

``apply`` reads every value with ``.value`` and writes with ``assign``, so the same call runs
eagerly and inside a compiled training step (see :mod:`lamina.core.state`).
"""

from __future__ import annotations

import re
import warnings

import jax
import jax.numpy as jnp

from lamina.core import config as config_lib
from lamina.core import naming
from lamina.core.state import StateScope
from lamina.core.variable import Variable
from lamina.optimizers.accumulation import accumulate, check_accumulation_steps
from lamina.optimizers.clipping import clip_gradients
from lamina.optimizers.ema import check_ema_options, update_averages


class Optimizer:
    """Base class of lamina optimizers (Keras's ``keras.optimizers.Optimizer``).

    Args:
        learning_rate: a float, or a schedule: a callable ``step -> learning rate`` (an optax
            schedule, a :mod:`lamina.optimizers.schedules` object) evaluated on ``iterations``.
        weight_decay: if set, each step first shrinks every variable: ``w -= w * wd * lr``.
        clipnorm: clips each gradient to this L2 norm.
        clipvalue: clips each gradient element to ``[-clipvalue, clipvalue]``.
        global_clipnorm: clips all gradients together to this global L2 norm.
        use_ema: keep an exponential moving average of the weights (``finalize_variable_values``
            copies it into the weights; ``fit`` calls it at the end).
        ema_momentum: the EMA's decay, in ``[0, 1]``.
        ema_overwrite_frequency: if set, every that many steps the weights take their average.
        loss_scale_factor: ``scale_loss`` multiplies the loss by it; ``apply`` divides the
            gradients by it.
        gradient_accumulation_steps: if set (>= 2), the variables change only every that many
            steps, by the mean of the gradients since the last change. Schedules see every step;
            ``iterations`` counts the updates.
        name: the prefix of the optimizer's variable paths; defaults to the snake-cased class name.

    >>> from lamina.optimizers import SGD
    >>> w = Variable(jnp.ones(2), name="w")
    >>> opt = SGD(learning_rate=0.5)
    >>> opt.apply([jnp.ones(2)], [w])
    >>> w.numpy().tolist(), int(opt.iterations.numpy())
    ([0.5, 0.5], 1)
    """

    _lamina_state_holder = True  # an optimizer held by a model carries its slots as state

    # True when the transformation's state is a list with one entry per variable; the optimizer can
    # then update any subset of its variables (those given a gradient) and name slots after them.
    per_variable_state = True
    # Keras lists some kinds of slots one after another rather than variable by variable: these
    # groups of slot names give its order for ``variables`` (None: variable by variable).
    slot_groups = None

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.")
        if kwargs:
            raise ValueError(f"{type(self).__name__}: argument(s) not recognized: {kwargs}")
        if sum(c is not None for c in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. Received: "
                f"clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}"
            )
        check_accumulation_steps(type(self).__name__, gradient_accumulation_steps)
        if use_ema:
            check_ema_options(type(self).__name__, ema_momentum, ema_overwrite_frequency)
        self.name = name or naming.unique_name(naming.to_snake_case(type(self).__name__))
        self.weight_decay, self.clipnorm = weight_decay, clipnorm
        self.clipvalue, self.global_clipnorm = clipvalue, global_clipnorm
        self.ema_momentum, self.ema_overwrite_frequency = ema_momentum, ema_overwrite_frequency
        self.use_ema, self.loss_scale_factor = use_ema, loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.built = False
        self._slots = []  # (treedef, [Variable]) per group: one per variable, or one for all
        self._slot_fields = []  # the slots' names within their group ("momentum", ...)
        self._averages, self._accumulators = [], []  # one per variable, with the options on
        self._extra_variables = []  # state shared by all variables (Nadam's running product)
        self._exclude_ids, self._exclude_pattern = set(), None
        self._iterations = self._own_variable(jnp.zeros((), jnp.int32), "iteration")
        self._learning_rate = self._make_learning_rate(learning_rate)

    # -- learning rate and counters --------------------------------------------------------------
    def _own_variable(self, value, name):
        var = Variable(value, trainable=False, name=name)
        var.path = f"{self.name}/{name}"
        return var

    def _make_learning_rate(self, value):
        if callable(value) or value is None:
            return value
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise ValueError(
                f"{type(self).__name__}: `learning_rate` should be a float or a schedule (a "
                f"callable taking the step). Received: learning_rate={value!r}"
            ) from None
        return self._own_variable(jnp.asarray(value, jnp.float32), "learning_rate")

    @property
    def iterations(self):
        """The number of steps applied so far (an int32 Variable). With gradient accumulation,
        the number of updates (steps // gradient_accumulation_steps), as an array, as in Keras."""
        if self.gradient_accumulation_steps:
            return self._iterations.value // self.gradient_accumulation_steps
        return self._iterations

    @property
    def learning_rate(self):
        """The learning rate of the next step, as an array; assign a float to change it."""
        return self._current_learning_rate(self._iterations.value)

    @learning_rate.setter
    def learning_rate(self, value):
        if callable(value):
            self._learning_rate = value  # a new schedule: the next compiled step must be retraced
        elif isinstance(self._learning_rate, Variable):
            self._learning_rate.assign(value)
        else:
            raise TypeError(
                f"{type(self).__name__} was built with a learning rate schedule, so its learning "
                "rate cannot be set to a number. Pass a new schedule, or create the optimizer with "
                "a float `learning_rate`."
            )

    def _current_learning_rate(self, step):
        lr = self._learning_rate
        if isinstance(lr, Variable):
            return lr.value
        return None if lr is None else jnp.asarray(lr(step), jnp.float32)

    @property
    def variables(self):
        """Every Variable the optimizer owns, in Keras's order: iterations, learning rate, EMA
        averages, gradient accumulators, then the slots."""
        lr = [self._learning_rate] if isinstance(self._learning_rate, Variable) else []
        slots = [var for _, group in self._slots for var in group]
        if self.slot_groups and self.per_variable_state:
            slots = [var for names in self.slot_groups
                     for (_, group), fields in zip(self._slots, self._slot_fields)
                     for var, field in zip(group, fields) if field in names]
        return ([self._iterations] + lr + self._averages + self._accumulators + slots
                + self._extra_variables)

    # -- the update rule -------------------------------------------------------------------------
    def _transform(self, learning_rate, iterations):
        """The optax transformation for one step. Subclasses override this.

        Its ``init`` must depend only on the shapes of the variables (not on ``learning_rate``);
        ``iterations`` is the number of updates done before this one (an int array).
        """
        raise NotImplementedError(f"{type(self).__name__} must implement `_transform`.")

    def _update(self, grads, params, indices, learning_rate, step):
        """New values of ``params`` (those of the variables at ``indices``); writes the slots.

        Optimizers with state shared by all variables extend this (see :class:`Nadam`).
        """
        updates, state = self._transform(learning_rate, step).update(
            grads, self._read_state(indices), params)
        self._write_state(indices, state)
        return [p + u for p, u in zip(params, updates)]

    def build(self, variables):
        """Creates the slot Variables for ``variables`` (the trainable variables to update)."""
        if self.built:
            return
        variables = list(variables)
        self._trainable_variables = variables
        self._index = {id(v): i for i, v in enumerate(variables)}
        with jax.ensure_compile_time_eval():  # build may run while a step is being traced
            for kind, wanted in (("average", self.use_ema),
                                 ("gradient_accumulator", self.gradient_accumulation_steps)):
                made = [self._own_variable(jnp.zeros(v.shape, v.dtype), _prefix(v) + kind)
                        for v in variables] if wanted else []
                setattr(self, "_averages" if kind == "average" else "_accumulators", made)
            state = self._transform(1.0, jnp.zeros((), jnp.int32)).init(
                [jnp.zeros(v.shape, v.dtype) for v in variables])
            groups = zip(state, variables) if self.per_variable_state else [(state, None)]
            for group, var in groups:
                prefix = _prefix(var) if var is not None else ""
                leaves, treedef = jax.tree_util.tree_flatten_with_path(group)
                fields = [_path_name(path) for path, _ in leaves]
                slots = [self._own_variable(leaf, prefix + field)
                         for field, (_, leaf) in zip(fields, leaves)]
                self._slots.append((treedef, slots))
                self._slot_fields.append(fields)
        self.built = True

    def apply(self, grads, trainable_variables=None):
        """Updates ``trainable_variables`` (default: those built with) from ``grads``, one step.

        Variables whose gradient is ``None`` are left as they are.
        """
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    f"{type(self).__name__}: to call `apply(grads)` without variables, build the "
                    "optimizer first: `optimizer.build(trainable_variables)`."
                )
            variables = self._trainable_variables
        else:
            variables = list(trainable_variables)
            self.build(variables)
        if len(grads) != len(variables):
            raise ValueError(f"{type(self).__name__}: received {len(grads)} gradients for "
                             f"{len(variables)} variables; pass one gradient per variable.")
        pairs = [(g, v) for g, v in zip(grads, variables) if g is not None]
        if not pairs:
            raise ValueError("No gradients provided for any variable.")
        indices = [self._variable_index(v) for _, v in pairs]
        variables = [v for _, v in pairs]
        grads = [jnp.asarray(g, v.dtype) for g, v in pairs]
        if self.loss_scale_factor is not None:
            grads = [g / self.loss_scale_factor for g in grads]

        step = self._iterations.value
        n = self.gradient_accumulation_steps
        if n:
            touched = variables + self._slot_variables(indices) + self._extra_variables
            accumulate(grads, [self._accumulators[i] for i in indices], step, n,
                       lambda mean: self._step(mean, indices, variables, step // n), touched)
        else:
            self._step(grads, indices, variables, step)
        if self.use_ema:
            update_averages(self._trainable_variables, self._averages, step // (n or 1),
                            self.ema_momentum, self.ema_overwrite_frequency)
        for var in variables:
            constraint = getattr(var, "constraint", None)
            if constraint is not None:
                var.assign(constraint(var.value))
        self._iterations.assign(step + 1)

    def _step(self, grads, indices, variables, step):
        """Clipping, weight decay and the update rule, for update number ``step``."""
        grads = clip_gradients(grads, self.clipnorm, self.clipvalue, self.global_clipnorm)
        lr = self._current_learning_rate(self._iterations.value)
        params = [v.value for v in variables]
        if self.weight_decay is not None:
            params = [p - p * self.weight_decay * lr if self._decays(v) else p
                      for p, v in zip(params, variables)]
        for var, new in zip(variables, self._update(grads, params, indices, lr, step)):
            var.assign(new)

    def apply_gradients(self, grads_and_vars):
        """``apply`` for ``(gradient, variable)`` pairs; returns ``iterations``."""
        grads, variables = zip(*grads_and_vars)
        self.apply(grads, variables)
        return self._iterations

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        """``apply`` on values, changing no Variable: Keras's pure form for custom JAX loops.

        Takes and returns values in the order of ``self.variables`` and of the variables given to
        ``build``; returns ``(new_trainable_values, new_optimizer_values)``.
        """
        if not self.built:
            raise ValueError(f"{type(self).__name__}: call `build(trainable_variables)` first.")
        pairs = list(zip(self._trainable_variables, trainable_variables))
        pairs += list(zip(self.variables, optimizer_variables))
        with StateScope(dict(pairs)) as scope:
            self.apply(grads)
        values = [scope.get(v, x) for v, x in pairs]
        n = len(self._trainable_variables)
        return values[:n], values[n:]

    def _variable_index(self, var):
        index = self._index.get(id(var))
        if index is None:
            raise ValueError(
                f"{type(self).__name__}: unknown variable '{var.path}'. This optimizer was built "
                f"with {len(self._index)} other variables; use one optimizer per set of variables."
            )
        return index

    def _slot_variables(self, indices):
        groups = [self._slots[i] for i in indices] if self.per_variable_state else self._slots
        return [var for _, group in groups for var in group]

    def _read_state(self, indices):
        values = [jax.tree_util.tree_unflatten(treedef, [v.value for v in group])
                  for treedef, group in self._slots]
        if self.per_variable_state:
            return [values[i] for i in indices]
        if indices != list(range(len(self._trainable_variables))):
            raise ValueError(f"{type(self).__name__} updates all its variables at once, in the "
                             "order it was built with; give every variable a gradient.")
        return values[0]

    def _write_state(self, indices, state):
        if self.per_variable_state:
            groups, new = [self._slots[i][1] for i in indices], state
        else:
            groups, new = [self._slots[0][1]], [state]
        for group, value in zip(groups, new):
            for var, leaf in zip(group, jax.tree_util.tree_leaves(value)):
                var.assign(leaf)

    # -- weight decay exclusion ------------------------------------------------------------------
    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exempts ``var_list``, and variables whose name contains one of ``var_names``, from
        weight decay. Call it before the optimizer is built."""
        if self.built:
            raise ValueError("Call `exclude_from_weight_decay()` before the optimizer is built.")
        self._exclude_ids = {id(v) for v in var_list or ()}
        pattern = "|".join(map(re.escape, var_names or ()))
        self._exclude_pattern = re.compile(pattern) if pattern else None

    def _decays(self, var):
        if id(var) in self._exclude_ids:
            return False
        return not (self._exclude_pattern and self._exclude_pattern.search(var.name))

    # -- Keras trainer hooks, config -------------------------------------------------------------
    def scale_loss(self, loss):
        """The loss to differentiate: times ``loss_scale_factor`` when set (``apply`` divides the
        gradients by it again)."""
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    def finalize_variable_values(self, var_list):
        """Called at the end of ``fit``: with ``use_ema``, copies the averages into ``var_list``
        (the variables the optimizer was built with)."""
        if not self.use_ema or not self.built:
            return
        var_list = list(var_list)
        if len(var_list) != len(self._averages):
            raise ValueError(
                f"{type(self).__name__}: `finalize_variable_values` received {len(var_list)} "
                f"variables, but the optimizer keeps averages of {len(self._averages)}; pass the "
                "variables it was built with."
            )
        for var, average in zip(var_list, self._averages):
            var.assign(average.value)

    def get_config(self):
        """The constructor arguments, with Keras's keys (a schedule without ``get_config`` is kept
        as the object itself)."""
        lr = self._learning_rate
        if isinstance(lr, Variable):
            lr = float(lr.numpy())
        elif hasattr(lr, "get_config"):
            lr = config_lib.serialize(lr, "learning_rate")
        return {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue, "use_ema": self.use_ema,
                "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency,
                "loss_scale_factor": self.loss_scale_factor,
                "gradient_accumulation_steps": self.gradient_accumulation_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A new optimizer (without state) from ``get_config()``'s output."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = config_lib.deserialize(config["learning_rate"])
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name} built={self.built}>"


def _prefix(var):
    """``dense/kernel`` -> ``dense_kernel_``: how slot names start (as in Keras)."""
    return var.path.replace("/", "_") + "_"


def _path_name(path):
    """``(GetAttrKey('mu'), SequenceKey(0))`` -> ``'mu_0'``: a slot's readable name."""
    names = [next((getattr(k, a) for a in ("name", "key", "idx") if hasattr(k, a)), k)
             for k in path]
    return "_".join(map(str, names)) or "state"
