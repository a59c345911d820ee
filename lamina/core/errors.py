"""Shapes of error messages users can act on: the layer, what was expected, what was received."""


def describe(obj) -> str:
    """``Dense 'dense_1'`` for a layer, the repr otherwise."""
    name = getattr(obj, "name", None)
    return f"{type(obj).__name__} '{name}'" if name else repr(obj)


class IncompatibleInputError(ValueError):
    """An input does not fit what a layer was built for."""

    def __init__(self, layer, expected, received, hint=""):
        message = f"{describe(layer)}: expected {expected}, received {received}."
        super().__init__(message + (f" {hint}" if hint else ""))
