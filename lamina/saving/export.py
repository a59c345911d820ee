"""``model.export(path)``: the inference function as a serialized StableHLO program.

The program (made with ``jax.export``) holds the weights as constants and takes the model's
inputs with a symbolic batch size, so it runs on any batch without the model's Python classes
or lamina's layers: ``load_exported(path)(x)``. The file is a small zip (``metadata.json``,
``program.jaxexport``) checked like any other archive when read.

>>> import lamina, numpy as np, tempfile, os
>>> model = lamina.Sequential([lamina.layers.Dense(2, input_dim=3)])
>>> path = os.path.join(tempfile.mkdtemp(), "dense.stablehlo")
>>> export_model(model, path)
>>> served = load_exported(path)
>>> bool(np.allclose(served(np.ones((4, 3), "float32")), model.predict(np.ones((4, 3)), verbose=0)))
True
"""

from __future__ import annotations

import io
import json

import jax

from lamina.saving import atomic, keras_archive, safety
from lamina.saving.errors import CorruptFileError

FORMAT = "lamina-stablehlo"
_PROGRAM, _METADATA = "program.jaxexport", "metadata.json"


def _input_specs(model, input_signature):
    if input_signature is not None:
        return jax.tree_util.tree_map(
            lambda s: s if isinstance(s, jax.ShapeDtypeStruct) else jax.ShapeDtypeStruct(
                s.shape, s.dtype), input_signature,
            is_leaf=lambda s: hasattr(s, "shape") and hasattr(s, "dtype"))
    spec = getattr(model, "_input_spec_tensors", None)
    if not model.built or spec is None:
        raise ValueError(f"Model '{model.name}' is not built, so its input shape is unknown: call "
                         "it on data, `build()` it, or pass `input_signature`.")
    (batch,) = jax.export.symbolic_shape("batch")
    return jax.tree_util.tree_map(
        lambda t: jax.ShapeDtypeStruct(tuple(batch if d is None else d for d in t.shape),
                                       t.dtype),
        spec, is_leaf=lambda t: hasattr(t, "shape") and hasattr(t, "dtype"))


def export_model(model, filepath, format="stablehlo", input_signature=None, platforms=None,
                 verbose=None, **kwargs):
    """Writes ``model``'s inference function (``training=False``) as a StableHLO program.

    ``input_signature``: ``jax.ShapeDtypeStruct`` s for the inputs (default: the model's input
    shapes with a symbolic batch size). ``platforms``: where it may run (default: here).
    """
    if kwargs:
        raise TypeError(f"export: unexpected keyword argument(s) {sorted(kwargs)}.")
    if format != "stablehlo":
        raise NotImplementedError(f"export(format={format!r}) is not supported by lamina; "
                                  "use format='stablehlo'.")
    specs = _input_specs(model, input_signature)
    trainable = [v.value for v in model.trainable_variables]
    non_trainable = [v.value for v in model.non_trainable_variables]

    def serve(inputs):
        outputs, _ = model.stateless_call(trainable, non_trainable, inputs, training=False)
        return outputs

    exported = jax.export.export(jax.jit(serve), platforms=platforms)(specs)
    metadata = {"format": FORMAT, "version": 1, "model": model.name,
                "inputs": [str(a) for a in exported.in_avals],
                "outputs": [str(a) for a in exported.out_avals],
                "platforms": list(exported.platforms)}
    with atomic.atomic_write(filepath) as handle:
        keras_archive.write_zip(handle, [(_METADATA, json.dumps(metadata).encode()),
                                         (_PROGRAM, bytes(exported.serialize()))])


class ExportedModel:
    """A reloaded exported model: call it on inputs shaped like the model's (any batch size)."""

    def __init__(self, exported, metadata):
        self._exported = exported
        self.metadata = metadata

    @property
    def input_specs(self):
        return self._exported.in_avals

    @property
    def output_specs(self):
        return self._exported.out_avals

    def __call__(self, inputs):
        return self._exported.call(inputs)

    serve = __call__

    def __repr__(self):
        return f"<ExportedModel {self.metadata.get('model')!r} inputs={self.metadata['inputs']}>"


def load_exported(filepath):
    """The program written by :func:`export_model`, ready to call; needs only jax."""
    archive = safety.Archive(filepath)
    metadata = archive.read_json(_METADATA)
    if metadata.get("format") != FORMAT:
        raise CorruptFileError(f"'{archive.label}' is not a lamina export (format "
                               f"{metadata.get('format')!r}, expected {FORMAT!r}).")
    program = archive.read(_PROGRAM)
    try:
        exported = jax.export.deserialize(bytearray(io.BytesIO(program).getvalue()))
    except Exception as error:  # the flatbuffer reader raises assorted types on bad bytes
        raise CorruptFileError(f"The program in '{archive.label}' cannot be read: "
                               f"{error}") from error
    return ExportedModel(exported, metadata)
