"""TerminateOnNaN: stop training as soon as the loss is NaN or infinite."""

from __future__ import annotations

import math

from lamina.callbacks.callback import Callback


class TerminateOnNaN(Callback):
    """Checks the loss after every batch; stops ``fit`` when it is NaN or infinite.

    By default training stops gracefully (``model.stop_training = True``, so ``on_train_end``
    still runs); ``raise_error=True`` raises a ``RuntimeError`` instead. As a batch hook it makes
    ``fit`` run in chunks of ``steps_per_execution`` steps, so training stops within one chunk.

    >>> guard = TerminateOnNaN()
    """

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None or math.isfinite(float(loss)):
            return
        if self.raise_error:
            raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: "
                               f"{float(loss)}. Terminating training immediately.")
        print(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True
