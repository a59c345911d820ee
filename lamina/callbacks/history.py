"""History: the per-epoch logs of ``fit``, returned by it."""

from lamina.callbacks.callback import Callback


class History(Callback):
    """Records ``logs`` at the end of every epoch: ``history.history["loss"]`` is a list.

    ``fit`` adds one automatically and returns it (also available as ``model.history``).
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)

    def plot(self, **kwargs):
        """Draws loss and metrics per epoch (needs matplotlib); see ``lamina.utils.plot_history``."""
        from lamina.utils.history_plot import plot_history
        return plot_history(self, **kwargs)

    def set_model(self, model):
        super().set_model(model)
        model.history = self
