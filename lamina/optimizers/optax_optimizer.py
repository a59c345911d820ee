"""Any optax transformation as a lamina optimizer."""

import jax

from lamina.optimizers.optimizer import Optimizer


class OptaxOptimizer(Optimizer):
    """Wraps an ``optax.GradientTransformation``: its updates are added to the variables as is.

    The transformation owns its learning rate. Made with ``optax.inject_hyperparams``, its
    learning rate can be read and assigned through ``optimizer.learning_rate`` once built;
    otherwise ``learning_rate`` is ``None``. The clipping arguments work as for every optimizer;
    for weight decay, compose it into the transformation (``optax.adamw``).

    >>> import optax, jax.numpy as jnp
    >>> from lamina.core.variable import Variable
    >>> w = Variable(jnp.ones(2))
    >>> opt = OptaxOptimizer(optax.inject_hyperparams(optax.sgd)(learning_rate=0.5))
    >>> opt.apply([jnp.ones(2)], [w])
    >>> opt.learning_rate = 0.25
    >>> opt.apply([jnp.ones(2)], [w])
    >>> w.numpy().tolist(), float(opt.learning_rate)
    ([0.25, 0.25], 0.25)
    """

    per_variable_state = False

    def __init__(self, transformation, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name=None, **kwargs):
        if kwargs.get("weight_decay") is not None:
            raise ValueError("OptaxOptimizer: compose weight decay into the optax transformation "
                             "(for example `optax.adamw`) instead of passing `weight_decay`.")
        kwargs.pop("weight_decay", None)
        kwargs.pop("learning_rate", None)
        super().__init__(learning_rate=None, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, name=name, **kwargs)
        self.transformation = transformation

    def _transform(self, learning_rate, iterations):
        return self.transformation

    def _learning_rate_slot(self):
        """The slot Variable holding an injected ``learning_rate`` hyperparameter, or None."""
        if not self.built:
            return None
        treedef, slots = self._slots[0]
        paths = [p for p, _ in jax.tree_util.tree_flatten_with_path(treedef.unflatten(slots))[0]]
        for path, var in zip(paths, slots):
            if getattr(path[-1], "key", None) == "learning_rate":
                return var
        return None

    @property
    def learning_rate(self):
        """The injected learning rate (``optax.inject_hyperparams``), or ``None``."""
        slot = self._learning_rate_slot()
        return None if slot is None else slot.value

    @learning_rate.setter
    def learning_rate(self, value):
        slot = self._learning_rate_slot()
        if slot is None:
            raise TypeError(
                "OptaxOptimizer: this transformation has no settable learning rate. Build the "
                "optimizer first, and make the transformation with `optax.inject_hyperparams`, "
                "e.g. `optax.inject_hyperparams(optax.adam)(learning_rate=1e-3)`."
            )
        slot.assign(value)

    def get_config(self):
        raise NotImplementedError(
            "OptaxOptimizer cannot be serialized: an optax transformation has no config. Use a "
            "lamina optimizer (`lamina.optimizers.Adam`, ...) to save the optimizer with a model."
        )
