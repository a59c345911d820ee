"""LossScaleOptimizer: dynamic loss scaling around another optimizer, for float16 training."""

import jax.numpy as jnp

from lamina.optimizers.optimizer import Optimizer

_BASE_DEFAULTS = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None,
                  "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
                  "ema_overwrite_frequency": None, "loss_scale_factor": None,
                  "gradient_accumulation_steps": None}


class LossScaleOptimizer(Optimizer):
    """Scales the loss up so float16 gradients do not underflow, and the gradients back down.

    The training step differentiates ``optimizer.scale_loss(loss)``; ``apply`` divides the
    gradients by the scale and hands them to ``inner_optimizer``. A step whose gradients hold an
    inf or NaN is skipped (nothing changes but the scale) and halves the scale; after
    ``dynamic_growth_steps`` finite steps in a row the scale doubles. The choice is made with
    ``jnp.where``, so it compiles into one step function.

    Args:
        inner_optimizer: the optimizer that makes the updates.
        initial_scale: the first loss scale (large: too large costs a few skipped steps).
        dynamic_growth_steps: finite steps between doublings of the scale.
        name: the prefix of the variable paths.

    >>> from lamina.core.variable import Variable
    >>> from lamina.optimizers import SGD
    >>> w = Variable(jnp.zeros(1))
    >>> opt = LossScaleOptimizer(SGD(1.0), initial_scale=8.0)
    >>> opt.apply([jnp.full(1, jnp.inf)], [w])  # skipped, the scale halves
    >>> opt.apply([opt.scale_loss(jnp.ones(1))], [w])  # the gradient of scale_loss(w)
    >>> w.numpy().tolist(), float(opt.dynamic_scale.value)
    ([-1.0], 4.0)
    """

    def __init__(self, inner_optimizer, initial_scale=2.0**15, dynamic_growth_steps=2000,
                 name=None, **kwargs):
        if not kwargs.pop("dynamic", True):
            raise ValueError("LossScaleOptimizer no longer supports `dynamic=False`. Instead, "
                             "set `loss_scale_factor` directly on the `inner_optimizer`.")
        for arg, default in _BASE_DEFAULTS.items():
            if arg in kwargs and kwargs.pop(arg) != default:
                raise ValueError(f"LossScaleOptimizer does not support `{arg}`. Instead, set "
                                 f"`{arg}` on the `inner_optimizer`.")
        if kwargs:
            raise ValueError(f"LossScaleOptimizer does not support arguments: "
                             f"`{'`, `'.join(kwargs)}`.")
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError("LossScaleOptimizer: `inner_optimizer` must be a lamina optimizer. "
                            f"Received: {inner_optimizer!r}")
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale, self.dynamic_growth_steps = initial_scale, dynamic_growth_steps
        inner_optimizer.loss_scale_factor = None  # or the gradients would be unscaled twice

    def build(self, variables):
        if self.built:
            return
        variables = list(variables)
        self.step_counter = self._own_variable(jnp.zeros((), jnp.int32), "step_counter")
        self.dynamic_scale = self._own_variable(jnp.asarray(self.initial_scale, jnp.float32),
                                                "dynamic_scale")
        self._extra_variables = [self.step_counter, self.dynamic_scale]
        self.inner_optimizer.build(variables)
        self._trainable_variables = variables
        self._index = {id(v): i for i, v in enumerate(variables)}
        self.built = True

    @property
    def variables(self):
        """Its own (iterations, learning rate, step counter, scale), then the inner ones."""
        return super().variables + self.inner_optimizer.variables

    def apply(self, grads, trainable_variables=None):
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is not None:
            self.build(trainable_variables)
        elif not self.built:
            raise ValueError("LossScaleOptimizer: to call `apply(grads)` without variables, build "
                             "the optimizer first: `optimizer.build(trainable_variables)`.")
        variables = self._trainable_variables if trainable_variables is None else list(
            trainable_variables)
        present = [g for g in grads if g is not None]
        finite = jnp.all(jnp.stack([jnp.all(jnp.isfinite(g)) for g in present] or [True]))
        scale = self.dynamic_scale.value
        touched = [v for g, v in zip(grads, variables) if g is not None]
        touched += self.inner_optimizer.variables
        before = [v.value for v in touched]
        self.inner_optimizer.apply([None if g is None else g / scale for g in grads],
                                   trainable_variables)
        for var, old in zip(touched, before):
            var.assign(jnp.where(finite, var.value, old))
        counter = self.step_counter.value
        grow = finite & (counter == self.dynamic_growth_steps - 1)
        self.step_counter.assign(jnp.where(finite & ~grow, counter + 1, 0))
        self.dynamic_scale.assign(jnp.where(finite, jnp.where(grow, scale * 2.0, scale),
                                            scale * 0.5))

    def scale_loss(self, loss):
        """``loss`` times the current scale: differentiate this, not ``loss``."""
        return loss * (self.dynamic_scale.value if self.built else self.initial_scale)

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self.inner_optimizer.learning_rate = value

    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    def finalize_variable_values(self, var_list):
        self.inner_optimizer.finalize_variable_values(var_list)

    def get_config(self):
        from lamina.optimizers.registry import serialize

        return {"name": self.name, "inner_optimizer": serialize(self.inner_optimizer),
                "initial_scale": self.initial_scale,
                "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from lamina.optimizers.registry import deserialize

        config = dict(config)
        inner = deserialize(config.pop("inner_optimizer"), custom_objects)
        return cls(inner, **config)


def wrap_for_policy(optimizer, dtype_policy, auto_scale_loss=True):
    """What ``compile`` does with the optimizer, as in Keras: under a ``'mixed_float16'`` policy
    (with ``auto_scale_loss``) it is wrapped in a :class:`LossScaleOptimizer`; else left as is.

    >>> from lamina.mixed_precision import DTypePolicy
    >>> from lamina.optimizers import SGD
    >>> type(wrap_for_policy(SGD(), DTypePolicy("mixed_float16"))).__name__
    'LossScaleOptimizer'
    >>> type(wrap_for_policy(SGD(), DTypePolicy("mixed_bfloat16"))).__name__
    'SGD'
    """
    if (auto_scale_loss and getattr(dtype_policy, "name", dtype_policy) == "mixed_float16"
            and optimizer is not None and not isinstance(optimizer, LossScaleOptimizer)):
        return LossScaleOptimizer(optimizer, name="loss_scale_optimizer")
    return optimizer
