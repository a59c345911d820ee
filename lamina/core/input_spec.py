"""InputSpec: what a built layer accepts, checked before its ``call`` runs."""

from lamina.core.errors import IncompatibleInputError


class InputSpec:
    """Rank and axis sizes a layer requires of its input (Keras's ``InputSpec``).

    >>> spec = InputSpec(min_ndim=2, axes={-1: 8})
    >>> spec.check("dense", (32, 8))
    """

    def __init__(self, ndim=None, min_ndim=None, max_ndim=None, axes=None, shape=None):
        self.ndim = ndim
        self.min_ndim = min_ndim
        self.max_ndim = max_ndim
        self.axes = dict(axes or {})
        self.shape = shape

    def check(self, layer, shape):
        """Raises :class:`IncompatibleInputError` naming ``layer`` if ``shape`` does not fit."""
        rank = len(shape)
        hint = f"Full input shape received: {tuple(shape)}."
        if self.ndim is not None and rank != self.ndim:
            raise IncompatibleInputError(layer, f"an input of rank {self.ndim}", f"rank {rank}", hint)
        if self.min_ndim is not None and rank < self.min_ndim:
            raise IncompatibleInputError(layer, f"an input of rank >= {self.min_ndim}", f"rank {rank}", hint)
        if self.max_ndim is not None and rank > self.max_ndim:
            raise IncompatibleInputError(layer, f"an input of rank <= {self.max_ndim}", f"rank {rank}", hint)
        for axis, size in self.axes.items():
            got = shape[axis] if -rank <= axis < rank else None
            if size is not None and got is not None and isinstance(got, int) and got != size:
                raise IncompatibleInputError(
                    layer, f"axis {axis} of the input to have size {size}", f"size {got}", hint
                )
