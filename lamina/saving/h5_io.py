"""HDF5 access for weights files: deterministic writes, careful reads.

Writes record no timestamps (``track_times=False``) and create groups and datasets in a fixed
order, so saving the same state twice gives the same bytes; arrays carry checksums. Reads
follow no soft or external links, refuse external and virtual datasets and datasets that
declare far more data than the file stores (shape bombs), and turn every HDF5 failure into a
:class:`CorruptFileError`.
"""

from __future__ import annotations

import contextlib
import io
import math
import os

import h5py
import numpy as np

from lamina.saving.errors import CorruptFileError, LoadError, UnsafeFileError

MAGIC = b"\x89HDF\r\n\x1a\n"
_BOMB_FLOOR_BYTES = 1 << 26  # below this a dataset is read whatever it stores
_MAX_EXPANSION = 1000


# -- writing -------------------------------------------------------------------------------------
def make_group(parent, path, attrs=None):
    """The group at ``path`` under ``parent``, created (with its parents) if missing."""
    group = parent
    for part in path.split("/"):
        if part:
            group = group[part] if part in group else group.create_group(part, track_order=False)
    for key, value in (attrs or {}).items():
        group.attrs[key] = value
    return group


def write_array(group, name, value):
    """Stores ``value`` as dataset ``name`` (bfloat16 tagged as Keras does). Arrays carry a
    Fletcher-32 checksum (a standard HDF5 filter Keras reads too) so damaged data is caught."""
    value = np.asarray(value)
    checksum = value.ndim > 0 and value.size > 0
    dataset = group.create_dataset(name, data=value, track_times=False, fletcher32=checksum)
    if value.dtype.name == "bfloat16":
        dataset.attrs["dtype"] = "bfloat16"


def to_bytes(fill):
    """Runs ``fill(h5_file)`` on a new in-memory HDF5 file; returns its bytes."""
    buffer = io.BytesIO()
    with h5py.File(buffer, "w", track_order=False) as f:
        fill(f)
    return buffer.getvalue()


# -- reading -------------------------------------------------------------------------------------
@contextlib.contextmanager
def open_h5(source, what="weights file"):
    """Opens a path or bytes as HDF5 for reading, after checking the magic bytes."""
    if isinstance(source, (bytes, bytearray)):
        head, handle = bytes(source[:8]), io.BytesIO(source)
    else:
        try:
            with open(source, "rb") as f:
                head = f.read(8)
        except OSError as error:
            raise CorruptFileError(f"Cannot read {what} {os.fspath(source)!r}: {error}") from error
        handle = source
    if head != MAGIC:
        raise CorruptFileError(f"The {what} is not an HDF5 file (its first bytes are {head!r}, "
                               f"expected {MAGIC!r}).")
    try:
        f = h5py.File(handle, "r")
    except (OSError, ValueError, RuntimeError, OverflowError) as error:
        raise CorruptFileError(f"The {what} is damaged or truncated: {error}") from error
    try:
        with guard(what):
            yield f
    finally:
        with contextlib.suppress(Exception):
            f.close()


@contextlib.contextmanager
def guard(what):
    """Turns low-level HDF5 errors raised inside into :class:`CorruptFileError`."""
    try:
        yield
    except LoadError:
        raise
    except (OSError, RuntimeError, KeyError, TypeError, ValueError, OverflowError,
            MemoryError) as error:
        raise CorruptFileError(f"The {what} is damaged: {type(error).__name__}: {error}") from error


def _child(group, name):
    kind = group.get(name, default=None, getclass=True, getlink=True)
    if kind is None:
        return None
    if kind in (h5py.SoftLink, h5py.ExternalLink):
        raise UnsafeFileError(f"Refusing to follow the {kind.__name__} '{group.name}/{name}' in "
                              "an HDF5 weights file; lamina reads only plain groups and datasets.")
    return group[name]


def get_group(root, path):
    """The group at ``path`` (``""``: ``root``), or ``None`` if there is none."""
    group = root
    for part in filter(None, path.split("/")):
        if not isinstance(group, h5py.Group):
            return None
        group = _child(group, part)
        if group is None:
            return None
    if not isinstance(group, h5py.Group):
        raise CorruptFileError(f"'{path}' in the weights file is a dataset, expected a group.")
    return group


def dataset_names(group):
    """Names of the datasets in ``group`` (links refused)."""
    names = []
    for name in group:
        if isinstance(_child(group, name), h5py.Dataset):
            names.append(name)
    return names


def read_array(group, name, shape=None):
    """The dataset ``name`` of ``group`` as a numpy array, checked for links, external storage,
    shape bombs and (when given) ``shape``."""
    dataset = _child(group, name)
    where = f"{group.name.rstrip('/')}/{name}"
    if not isinstance(dataset, h5py.Dataset):
        raise CorruptFileError(f"The weights file has no dataset '{where}'.")
    if dataset.external or dataset.is_virtual:
        raise UnsafeFileError(f"Refusing dataset '{where}': its data lives outside the file.")
    bfloat16 = dataset.attrs.get("dtype") == "bfloat16"
    if dataset.dtype.kind not in "biuf" and not bfloat16:
        raise CorruptFileError(f"Dataset '{where}' holds {dataset.dtype}, expected numbers.")
    if shape is not None and tuple(dataset.shape) != tuple(shape):
        raise CorruptFileError(f"Dataset '{where}' has shape {tuple(dataset.shape)}, expected "
                               f"{tuple(shape)}.")
    declared = math.prod(dataset.shape) * dataset.dtype.itemsize
    stored = dataset.id.get_storage_size()
    if declared > _BOMB_FLOOR_BYTES and declared > _MAX_EXPANSION * stored:
        raise UnsafeFileError(f"Refusing dataset '{where}': it declares {declared} bytes but "
                              f"stores {stored}.")
    value = np.asarray(dataset[()])
    if bfloat16:
        import ml_dtypes
        value = value.view(ml_dtypes.bfloat16) if value.dtype.itemsize == 2 else \
            value.astype(ml_dtypes.bfloat16)
    return value
