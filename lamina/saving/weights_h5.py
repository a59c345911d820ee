"""The Keras 3 weights layout (``model.weights.h5``, ``*.weights.h5``), both ways.

Each layer and the optimizer get a group ``<path>/vars`` (``vars`` at the root) whose ``name``
attribute is the object's name and whose datasets ``0``, ``1``, ... are its own variables:
trainable ones first, in creation order, then the others (Keras's order). Paths come from
:func:`lamina.saving.walk.saveables`. State Keras does not keep (random-seed and metric state,
the global random state) goes to a separate ``lamina`` group that Keras never reads.
"""

from __future__ import annotations

import warnings

from lamina.core.errors import describe
from lamina.core.variable import Variable
from lamina.optimizers.optimizer import Optimizer
from lamina.saving import extra_state, h5_io
from lamina.saving.errors import WeightsMismatchError
from lamina.saving.walk import saveables


def own_variables(obj):
    """The variables Keras stores for ``obj`` itself (not its sub-layers), in Keras's order."""
    if isinstance(obj, Optimizer):
        return list(obj.variables)
    own = list(obj._own_variables)
    own += [v for v in obj._tracked(Variable) if all(v is not o for o in own)]
    return [v for v in own if v.trainable] + [v for v in own if not v.trainable]


def _vars_path(path):
    return f"{path}/vars" if path else "vars"


def write_weights(f, model):
    """Writes every layer's and the optimizer's variables, then lamina's extra state, into the
    open HDF5 file ``f``."""
    walked = saveables(model)
    for path, obj in walked:
        group = h5_io.make_group(f, _vars_path(path), {"name": obj.name})
        for index, variable in enumerate(own_variables(obj)):
            h5_io.write_array(group, str(index), variable.numpy())
    extra_state.write(f, model, walked)


def weights_bytes(model):
    """The bytes of a weights file for ``model`` (the same state gives the same bytes)."""
    return h5_io.to_bytes(lambda f: write_weights(f, model))


def read_weights(f, model, skip_mismatch=False, restore_random=False, what="weights file"):
    """Loads ``model``'s variables (and its optimizer's) from the open HDF5 file ``f``.

    A layer whose stored variables differ in number or shape raises
    :class:`WeightsMismatchError`, or is skipped with a warning when ``skip_mismatch``. An
    optimizer whose variable count differs (saved before it was built) is skipped with a
    warning, as Keras does.
    """
    walked = saveables(model)
    plan = []
    for path, obj in walked:
        targets = own_variables(obj)
        group = h5_io.get_group(f, _vars_path(path))
        stored = sorted(h5_io.dataset_names(group), key=_index_key) if group is not None else []
        problem = _mismatch(obj, path, targets, stored, group)
        if problem and isinstance(obj, Optimizer) and len(stored) != len(targets):
            warnings.warn(f"Skipping the optimizer state in the {what}: the optimizer "
                          f"'{obj.name}' has {len(targets)} variables, the file {len(stored)} "
                          "(it was probably saved before the optimizer was built).",
                          stacklevel=3)
            continue
        if problem:
            if skip_mismatch:
                warnings.warn(f"Skipping {problem}", stacklevel=3)
                continue
            raise WeightsMismatchError(problem[0].upper() + problem[1:] +
                                       " Pass `skip_mismatch=True` to skip such layers.")
        plan.append((targets, [h5_io.read_array(group, str(i)) for i in range(len(targets))]))
    extra = extra_state.read(f, model, walked, restore_random)
    for targets, values in plan:  # assign only once everything has been read and checked
        for variable, value in zip(targets, values):
            variable.assign(value)
    extra()


def _index_key(name):
    return (0, int(name)) if name.isdigit() else (1, name)


def _mismatch(obj, path, targets, stored, group):
    where = f"{describe(obj)} (at '{path or '/'}' in the file)"
    if len(stored) != len(targets) or stored != [str(i) for i in range(len(stored))]:
        if not targets and not stored:
            return None
        built = "" if getattr(obj, "built", True) else " It is not built: build the model first."
        return (f"{where}: expects {len(targets)} variables "
                f"{[v.name for v in targets]}, the file holds {len(stored)}.{built}")
    for index, variable in enumerate(targets):
        shape = tuple(group[str(index)].shape) if hasattr(group[str(index)], "shape") else None
        if shape != tuple(variable.shape):
            return (f"{where}: variable '{variable.name}' has shape {tuple(variable.shape)}, the "
                    f"file's dataset '{index}' has shape {shape}.")
    return None
