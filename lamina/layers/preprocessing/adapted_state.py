"""AdaptedState: arrays a layer computes outside training (a vocabulary table, bin boundaries),
carried as model state so compiled programs always read the current values.

They are state, not weights (like a seed generator's key): ``get_weights`` matches Keras, yet
a model compiled before ``adapt`` sees the adapted values on its next call. New shapes need new
variables, which changes the model's variable set and so recompiles its programs.
"""

import numpy as np

from lamina.core.variable import Variable


class AdaptedState:
    """Named non-trainable variables holding fixed-shape arrays.

    >>> state = AdaptedState("lookup", keys=np.array([3, 7]))
    >>> state["keys"].tolist()
    [3, 7]
    """

    _lamina_state_holder = True  # its variables travel with the model's state

    def __init__(self, name, **arrays):
        self.name = name
        self._variables = {}
        for key, value in arrays.items():
            variable = Variable(np.asarray(value), trainable=False, name=key)
            variable.path = f"{name}/{key}"
            self._variables[key] = variable

    def __getitem__(self, key):
        return self._variables[key].value

    @property
    def variables(self):
        return list(self._variables.values())

    def fits(self, arrays):
        """Whether ``arrays`` have exactly this state's names, shapes and dtypes."""
        if set(arrays) != set(self._variables):
            return False
        return all(np.shape(arrays[k]) == v.shape and np.asarray(arrays[k]).dtype == v.dtype
                   for k, v in self._variables.items())

    def assign(self, arrays):
        for key, value in arrays.items():
            self._variables[key].assign(value)


def refreshed(state, name, arrays):
    """``state`` with ``arrays`` assigned when they fit it, else a new state (``None`` when an
    array is empty: zero-size variables are not carried)."""
    if any(np.size(a) == 0 for a in arrays.values()):
        return None
    if state is not None and state.fits(arrays):
        state.assign(arrays)
        return state
    return AdaptedState(name, **arrays)
