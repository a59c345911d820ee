"""Optimizers: Keras's names and update rules, built on optax, their state in Variables."""

from lamina.optimizers import schedules
from lamina.optimizers.adadelta import Adadelta
from lamina.optimizers.adafactor import Adafactor
from lamina.optimizers.adagrad import Adagrad
from lamina.optimizers.adam import Adam, AdamW
from lamina.optimizers.adamax import Adamax
from lamina.optimizers.ftrl import Ftrl
from lamina.optimizers.lamb import Lamb
from lamina.optimizers.lion import Lion
from lamina.optimizers.loss_scale_optimizer import LossScaleOptimizer
from lamina.optimizers.nadam import Nadam
from lamina.optimizers.optax_optimizer import OptaxOptimizer
from lamina.optimizers.optimizer import Optimizer
from lamina.optimizers.registry import deserialize, get, serialize
from lamina.optimizers.rmsprop import RMSprop
from lamina.optimizers.sgd import SGD

__all__ = ["Adadelta", "Adafactor", "Adagrad", "Adam", "AdamW", "Adamax", "Ftrl", "Lamb", "Lion",
           "LossScaleOptimizer", "Nadam", "OptaxOptimizer", "Optimizer", "RMSprop", "SGD",
           "deserialize", "get", "schedules", "serialize"]
