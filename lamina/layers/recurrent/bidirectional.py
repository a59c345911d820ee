"""Bidirectional: runs a recurrent layer forwards and a copy backwards, and merges them."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.core import config as configs
from lamina.core.errors import describe
from lamina.core.layer import Layer

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _copy(layer, name, **changes):
    """A new layer of ``layer``'s class and config (fresh weights), with ``changes``."""
    cfg = layer.get_config()
    cfg.update(name=name, **changes)
    return type(layer).from_config(cfg)


def _merge(mode, y, y_rev):
    if mode == "concat":
        return jnp.concatenate([y, y_rev], axis=-1)
    if mode == "sum":
        return y + y_rev
    if mode == "ave":
        return (y + y_rev) / 2
    if mode == "mul":
        return y * y_rev
    return (y, y_rev)


class Bidirectional(Layer):
    """Bidirectional wrapper for RNNs: a forward copy of ``layer`` and a ``go_backwards``
    copy (or ``backward_layer``), outputs merged by ``merge_mode``.

    ``merge_mode`` is ``"concat"`` (default), ``"sum"``, ``"mul"``, ``"ave"``, or ``None``
    (a pair of outputs). With ``return_sequences`` the backward outputs are flipped back into
    time order before merging. Weights: the forward layer's, then the backward layer's.

    >>> from lamina.layers.recurrent.lstm import LSTM
    >>> layer = Bidirectional(LSTM(4, return_sequences=True, name="encoder"))
    >>> layer(jnp.ones((2, 5, 3))).shape, layer.forward_layer.name, layer.backward_layer.name
    ((2, 5, 8), 'forward_encoder', 'backward_encoder')
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Bidirectional: `layer` must be a Layer instance; received {layer!r}.")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError("Bidirectional: `backward_layer` must be a Layer instance; received "
                             f"{backward_layer!r}.")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Bidirectional: `merge_mode` must be one of {_MERGE_MODES}; "
                             f"received {merge_mode!r}.")
        super().__init__(**kwargs)
        base = layer.name.removeprefix("forward_")
        self.forward_layer = _copy(layer, f"forward_{base}")
        self.backward_layer = backward_layer if backward_layer is not None else _copy(
            layer, f"backward_{layer.name.removeprefix('backward_')}", go_backwards=True)
        forward, backward = self.forward_layer, self.backward_layer
        if forward.go_backwards == backward.go_backwards:
            raise ValueError(f"{describe(self)}: the forward and backward layers must have "
                             f"different `go_backwards`; both have {forward.go_backwards}.")
        for name in ("stateful", "return_sequences", "return_state"):
            if getattr(forward, name) != getattr(backward, name):
                raise ValueError(f"{describe(self)}: the forward and backward layers must have "
                                 f"the same `{name}`; received {getattr(forward, name)} and "
                                 f"{getattr(backward, name)}.")
        for sub in (forward, backward):  # padded steps must not leak into the merged outputs
            if hasattr(sub, "zero_output_for_mask"):
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self._initial_weights = weights
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.input_spec = layer.input_spec

    def __call__(self, *args, **kwargs):
        if len(args) == 1 and kwargs.get("initial_state") is not None:
            args = args + (kwargs.pop("initial_state"),)
        return super().__call__(*args, **kwargs)

    def build(self, sequences_shape, initial_state_shape=None):
        for sub in (self.forward_layer, self.backward_layer):
            if not sub.built:
                sub.build(sequences_shape)
        if self._initial_weights is not None:
            self.set_weights(list(self._initial_weights))
            self._initial_weights = None

    def call(self, sequences, initial_state=None, mask=None, training=None):
        kwargs = {"training": training} if self.forward_layer._call_accepts_training else {}
        if mask is not None and self.forward_layer._call_accepts_mask:
            kwargs["mask"] = mask
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = list(initial_state[:half]), list(initial_state[half:])
        y = self.forward_layer(sequences, initial_state=forward_state, **kwargs)
        y_rev = self.backward_layer(sequences, initial_state=backward_state, **kwargs)
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = jnp.flip(y_rev, axis=1)
        output = _merge(self.merge_mode, y.astype(self.compute_dtype),
                        y_rev.astype(self.compute_dtype))
        if not self.return_state:
            return output
        return (output if self.merge_mode is None else (output,)) + states

    def compute_mask(self, inputs, previous_mask=None):
        if isinstance(previous_mask, (list, tuple)):
            previous_mask = previous_mask[0]
        output_mask = previous_mask if self.return_sequences else None
        if self.merge_mode is None:
            output_mask = [output_mask, output_mask]
        if self.return_state:
            states = len(self.forward_layer.state_size) * 2
            head = output_mask if self.merge_mode is None else [output_mask]
            return head + [None] * states
        return output_mask

    @property
    def states(self):
        forward, backward = self.forward_layer.states, self.backward_layer.states
        return tuple(forward) + tuple(backward) if forward and backward else None

    def reset_state(self):
        """Resets both directions' states (stateful layers only)."""
        if not self.stateful:
            raise AttributeError(f"{describe(self)}: the wrapped layer is not stateful.")
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    reset_states = reset_state

    def get_config(self):
        """Keras's form: the merge mode and both layers' configs (``weights`` is not kept)."""
        cfg = super().get_config()
        cfg.pop("weights", None)
        cfg["layer"] = configs.serialize(self.forward_layer, "layer")
        cfg["backward_layer"] = configs.serialize(self.backward_layer, "backward_layer")
        return cfg
