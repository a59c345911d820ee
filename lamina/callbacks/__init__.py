"""Callbacks: hooks into training (History, progress bar, and the Callback base)."""

from lamina.callbacks.callback import Callback, CallbackList
from lamina.callbacks.history import History
from lamina.callbacks.progbar import ProgbarLogger

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger"]
