"""LambdaCallback: a callback built from plain functions, one per hook."""

from __future__ import annotations

from lamina.callbacks.callback import Callback

_HOOKS = sorted(name for name in vars(Callback) if name.startswith("on_"))


def _called_like_keras(hook, fn):
    """Wraps ``fn`` so it receives the arguments Keras passes to ``hook`` (logs never None)."""
    if hook == "on_chunk_end":
        return fn
    if "batch" in hook:
        return lambda batch, logs=None: fn(batch, logs={} if logs is None else logs)
    if "epoch" in hook:
        return lambda epoch, logs=None: fn(epoch, {} if logs is None else logs)
    return lambda logs=None: fn({} if logs is None else logs)


class LambdaCallback(Callback):
    """Calls the given functions at the matching hooks.

    Functions are called as in Keras: ``on_epoch_begin``/``on_epoch_end`` with
    ``(epoch, logs)``; ``on_train_begin``/``on_train_end`` (and the other begin/end hooks) with
    ``(logs)``; batch hooks with ``(batch, logs=logs)``. Any other hook of :class:`Callback` can be
    given by name, e.g. ``on_test_batch_end=fn``. Giving a batch hook makes ``fit`` report every
    batch (it runs in chunks of ``steps_per_execution``).

    >>> seen = []
    >>> cb = LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append((epoch, logs["loss"])))
    >>> cb.on_epoch_end(0, {"loss": 0.5}); seen
    [(0, 0.5)]
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None, **kwargs):
        super().__init__()
        unknown = sorted(set(kwargs) - set(_HOOKS))
        if unknown:
            raise ValueError(f"LambdaCallback received unknown hooks {unknown}; the hooks are "
                             f"{_HOOKS}.")
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end,
                     on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end, **kwargs)
        for hook, fn in hooks.items():
            if fn is not None:
                setattr(self, hook, _called_like_keras(hook, fn))
