"""LearningRateScheduler: set the optimizer's learning rate at the start of every epoch."""

from __future__ import annotations

import inspect
import numbers

import numpy as np

from lamina.callbacks.callback import Callback


def current_learning_rate(optimizer):
    """The optimizer's learning rate as a float, or ``None`` when it has none (e.g. raw optax)."""
    lr = getattr(optimizer, "learning_rate", None)
    return None if lr is None else float(np.asarray(lr))


def log_learning_rate(model, logs):
    """Adds ``learning_rate`` to epoch ``logs`` like Keras's learning-rate callbacks do."""
    lr = current_learning_rate(model.optimizer)
    if logs is not None and lr is not None:
        logs["learning_rate"] = lr


def _takes_two_arguments(fn):
    try:
        inspect.signature(fn).bind(0, 0.0)
    except TypeError:
        return False
    except ValueError:  # no signature to inspect (some builtins): use the documented form
        return True
    return True


class LearningRateScheduler(Callback):
    """At the start of each epoch, sets ``model.optimizer.learning_rate = schedule(epoch, lr)``.

    ``schedule`` takes the 0-based epoch and the current learning rate (a float) and returns the
    new rate; a one-argument ``schedule(epoch)`` is accepted too. The rate is added to the epoch
    logs as ``learning_rate``. ``verbose=1`` prints each update.

    >>> halve_after_two = LearningRateScheduler(lambda epoch, lr: lr if epoch < 2 else lr / 2)
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        lr = current_learning_rate(self.model.optimizer)
        if lr is None:
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        new_lr = self.schedule(epoch, lr) if _takes_two_arguments(self.schedule) else \
            self.schedule(epoch)
        if not _is_real_scalar(new_lr):
            raise ValueError(f"The output of the `schedule` function should be a float. Got: "
                             f"{new_lr}")
        self.model.optimizer.learning_rate = float(new_lr)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                  f"{float(new_lr)}.")

    def on_epoch_end(self, epoch, logs=None):
        log_learning_rate(self.model, logs)


def _is_real_scalar(value):
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return True
    return np.ndim(value) == 0 and np.issubdtype(np.asarray(value).dtype, np.floating)
