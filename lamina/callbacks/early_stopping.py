"""EarlyStopping: stop training when a monitored quantity stops improving."""

from __future__ import annotations

from lamina.callbacks.monitor import MonitorCallback


class EarlyStopping(MonitorCallback):
    """Stops ``fit`` once ``monitor`` has not improved for ``patience`` epochs.

    Args:
        monitor: the logs key to watch, e.g. ``"val_loss"`` or ``"val_accuracy"``.
        min_delta: the smallest change that counts as an improvement.
        patience: epochs without improvement after which training stops.
        verbose: 1 prints a line when training stops and when weights are restored.
        mode: ``"auto"``, ``"min"`` or ``"max"`` (see :class:`MonitorCallback`).
        baseline: the waiting count is reset only by values that also beat this one.
        restore_best_weights: at the end of training, set the weights saved at the end of the
            best epoch.
        start_from_epoch: epochs of warm-up before improvements are tracked.

    After ``fit``, ``stopped_epoch`` is the (0-based) epoch training stopped at (0 if it did not)
    and ``best_epoch`` the epoch of the best value.

    >>> stop = EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    """

    _purpose = "Early stopping"

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self._reset()

    def on_train_begin(self, logs=None):
        self._reset()  # one instance can serve several fit() calls

    def _reset(self):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = self.model.get_weights(), epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print("Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)
