"""The core: variables, the layer base, state binding, symbolic shapes, naming, errors."""
