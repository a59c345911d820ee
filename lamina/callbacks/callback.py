"""Callback: hooks into fit/evaluate/predict, and CallbackList, which calls them in order."""

from __future__ import annotations

_BATCH_HOOKS = {
    "train": ("on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end"),
    "test": ("on_test_batch_begin", "on_test_batch_end"),
    "predict": ("on_predict_batch_begin", "on_predict_batch_end"),
}


class Callback:
    """Base class for callbacks; override the hooks you need.

    ``self.model`` is the model being trained and ``self.params`` holds ``epochs``, ``steps`` and
    ``verbose``. Overriding a batch hook makes ``fit`` run in chunks of ``steps_per_execution``
    steps (the real per-batch logs are passed); epoch hooks keep the fastest, whole-epoch path.

    >>> class Count(Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         print(epoch, sorted(logs))
    """

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...
    def on_batch_begin(self, batch, logs=None): ...
    def on_batch_end(self, batch, logs=None): ...
    def on_train_batch_begin(self, batch, logs=None): ...
    def on_train_batch_end(self, batch, logs=None): ...
    def on_test_begin(self, logs=None): ...
    def on_test_end(self, logs=None): ...
    def on_test_batch_begin(self, batch, logs=None): ...
    def on_test_batch_end(self, batch, logs=None): ...
    def on_predict_begin(self, logs=None): ...
    def on_predict_end(self, logs=None): ...
    def on_predict_batch_begin(self, batch, logs=None): ...
    def on_predict_batch_end(self, batch, logs=None): ...

    def on_chunk_end(self, kind, step, logs=None):
        """lamina's hook after each compiled chunk of steps (progress bars use it)."""

    def _overrides(self, hook):
        """Whether this callback implements ``hook`` (on its class or set on the instance)."""
        return hook in vars(self) or getattr(type(self), hook) is not getattr(Callback, hook)


class CallbackList(Callback):
    """Calls a list of callbacks in order; adds History and the progress bar like Keras."""

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        super().__init__()
        self.callbacks = list(callbacks or [])
        if add_progbar:
            from lamina.callbacks.progbar import ProgbarLogger
            if not any(isinstance(c, ProgbarLogger) for c in self.callbacks):
                self.callbacks.insert(0, ProgbarLogger())
        if add_history:
            from lamina.callbacks.history import History
            self.callbacks.append(History())
        self.wants_progress = any(getattr(c, "wants_progress", False) for c in self.callbacks)
        if model is not None:
            self.set_model(model)
        self.set_params(params)

    def set_model(self, model):
        super().set_model(model)
        for c in self.callbacks:
            c.set_model(model)

    def set_params(self, params):
        super().set_params(params)
        for c in self.callbacks:
            c.set_params(params)

    def has_batch_hooks(self, kind):
        return any(c._overrides(h) for c in self.callbacks for h in _BATCH_HOOKS[kind])

    def _call(self, hook, *args):
        for c in self.callbacks:
            getattr(c, hook)(*args)

    def on_batch_begin(self, kind, batch, logs=None):
        if kind == "train":
            self._call("on_train_batch_begin", batch, logs)
            self._call("on_batch_begin", batch, logs)
        else:
            self._call(f"on_{kind}_batch_begin", batch, logs)

    def on_batch_end(self, kind, batch, logs=None):
        if kind == "train":
            self._call("on_train_batch_end", batch, logs)
            self._call("on_batch_end", batch, logs)
        else:
            self._call(f"on_{kind}_batch_end", batch, logs)

    def on_chunk_end(self, kind, step, logs=None):
        self._call("on_chunk_end", kind, step, logs)


def _forward(hook):
    return lambda self, *args: self._call(hook, *args)


for _hook in ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_test_begin",
              "on_test_end", "on_predict_begin", "on_predict_end"):
    setattr(CallbackList, _hook, _forward(_hook))
