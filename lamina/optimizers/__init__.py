"""Optimizers: Keras's names and update rules, built on optax, their state in Variables."""

from lamina.optimizers.adagrad import Adagrad
from lamina.optimizers.adam import Adam, AdamW
from lamina.optimizers.optax_optimizer import OptaxOptimizer
from lamina.optimizers.optimizer import Optimizer
from lamina.optimizers.registry import deserialize, get, serialize
from lamina.optimizers.rmsprop import RMSprop
from lamina.optimizers.sgd import SGD

__all__ = ["Adagrad", "Adam", "AdamW", "OptaxOptimizer", "Optimizer", "RMSprop", "SGD",
           "deserialize", "get", "serialize"]
