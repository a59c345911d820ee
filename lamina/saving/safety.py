"""Checks that run before anything in a file is trusted.

An archive is read only after every member has passed: names must be plain relative paths
(no ``..``, no absolute or drive paths), each name once, stored or deflated, not encrypted,
with declared sizes that the archive can actually hold (no zip bombs). Members are read into
memory with a size cap; nothing is ever extracted to disk. A config must be JSON of the
expected shape, and one holding Python bytecode (a ``Lambda`` with a ``lambda``) is refused
unless ``safe_mode=False``.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
import zlib

from lamina.saving.errors import CorruptFileError, UnsafeFileError

ZIP_MAGIC = b"PK\x03\x04"
MAX_MEMBERS = 10_000
MAX_JSON_BYTES = 64 << 20
_BOMB_FLOOR_BYTES = 1 << 20  # members this small may compress as well as they like
_MAX_EXPANSION = 100  # stored members are ~1:1; deflate cannot pass ~1032:1 on real data
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
               zlib.error, NotImplementedError, RuntimeError, IndexError, OverflowError)


class Archive:
    """A zip archive whose members have all been checked; :meth:`read` returns a member's bytes.

    >>> buffer = io.BytesIO()
    >>> with zipfile.ZipFile(buffer, "w") as zf:
    ...     zf.writestr("config.json", "{}")
    >>> Archive(buffer.getvalue(), "demo.keras").read("config.json")
    b'{}'
    """

    def __init__(self, source, label=None):
        self.label = label or (os.fspath(source) if isinstance(source, (str, os.PathLike))
                               else "archive")
        data = _read_source(source, self.label)
        if data[:4] != ZIP_MAGIC:
            raise CorruptFileError(f"'{self.label}' is not a .keras archive: a zip file starts "
                                   f"with {ZIP_MAGIC!r}, this one with {data[:4]!r}.")
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except _ZIP_ERRORS as error:
            raise CorruptFileError(f"'{self.label}' is a damaged or truncated zip archive: "
                                   f"{error}") from error
        self.size = len(data)
        self.members = check_members(infos, self.size, self.label)

    def __contains__(self, name):
        return name in self.members

    def read(self, name, limit=None):
        """The bytes of member ``name`` (at most ``limit``), its CRC checked."""
        info = self.members.get(name)
        if info is None:
            raise CorruptFileError(f"'{self.label}' has no member '{name}'; a .keras archive "
                                   "holds metadata.json, config.json and model.weights.h5.")
        if limit is not None and info.file_size > limit:
            raise UnsafeFileError(f"Member '{name}' of '{self.label}' declares "
                                  f"{info.file_size} bytes; at most {limit} are accepted.")
        try:
            with self._zip.open(info) as member:
                data = member.read(info.file_size + 1)
        except _ZIP_ERRORS as error:
            raise CorruptFileError(f"Member '{name}' of '{self.label}' is damaged: "
                                   f"{error}") from error
        if len(data) != info.file_size:
            raise CorruptFileError(f"Member '{name}' of '{self.label}' holds {len(data)} bytes "
                                   f"but declares {info.file_size}.")
        return data

    def read_json(self, name):
        """Member ``name`` parsed as a JSON object."""
        data = self.read(name, MAX_JSON_BYTES)
        try:
            value = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            raise CorruptFileError(f"Member '{name}' of '{self.label}' is not valid JSON: "
                                   f"{str(error)[:200]}") from None
        if not isinstance(value, dict):
            raise CorruptFileError(f"Member '{name}' of '{self.label}' should hold a JSON object, "
                                   f"it holds a {type(value).__name__}.")
        return value


def _read_source(source, label):
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    if hasattr(source, "read"):
        return source.read()
    try:
        with open(source, "rb") as f:
            return f.read()
    except OSError as error:
        raise CorruptFileError(f"Cannot read '{label}': {error}") from error


def check_member_name(name, label="archive"):
    """Refuses names that could point outside a folder they were extracted to.

    >>> check_member_name("config.json")
    >>> check_member_name("../evil.py")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lamina.saving.errors.UnsafeFileError: Refusing archive: member name '../evil.py' points ...
    """
    parts = name.replace("\\", "/").split("/")
    if (not name or "\x00" in name or name.startswith(("/", "\\")) or ".." in parts
            or (len(name) > 1 and name[1] == ":")):
        raise UnsafeFileError(f"Refusing {label}: member name {name!r} points outside the "
                              "archive (absolute path, drive or '..').")


def check_members(infos, archive_size, label="archive"):
    """``{name: ZipInfo}`` once every member has passed the checks (see the module doc)."""
    if len(infos) > MAX_MEMBERS:
        raise UnsafeFileError(f"Refusing '{label}': it has {len(infos)} members.")
    members = {}
    for info in infos:
        name = info.filename
        check_member_name(name, f"'{label}'")
        if name in members:
            raise UnsafeFileError(f"Refusing '{label}': member '{name}' appears twice, so "
                                  "which copy is read would be ambiguous.")
        if info.flag_bits & 0x1:
            raise CorruptFileError(f"'{label}': member '{name}' is encrypted.")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise CorruptFileError(f"'{label}': member '{name}' uses compression method "
                                   f"{info.compress_type}; only stored or deflated are read.")
        if info.compress_size > archive_size or info.header_offset > archive_size:
            raise CorruptFileError(f"'{label}' is truncated: member '{name}' extends past the "
                                   "end of the file.")
        stored = info.compress_size
        if info.compress_type == zipfile.ZIP_STORED and info.file_size != stored:
            raise CorruptFileError(f"'{label}': stored member '{name}' declares {info.file_size} "
                                   f"bytes but holds {stored}.")
        if info.file_size > _BOMB_FLOOR_BYTES and info.file_size > _MAX_EXPANSION * stored:
            raise UnsafeFileError(f"Refusing '{label}': member '{name}' declares "
                                  f"{info.file_size} bytes from {stored} stored (a zip bomb).")
        members[name] = info
    return members


def check_config(cfg, safe_mode=True, label="config.json"):
    """Checks the shape of a model config and refuses Python bytecode unless
    ``safe_mode=False``."""
    if not (isinstance(cfg.get("class_name"), str) and isinstance(cfg.get("config"), dict)):
        raise CorruptFileError(f"{label} should describe a model as "
                               "{'class_name': str, 'config': {...}}; it does not.")
    if safe_mode is False:
        return
    stack = [(cfg, "")]
    while stack:
        value, owner = stack.pop()
        if isinstance(value, list):
            stack.extend((item, owner) for item in value)
        elif isinstance(value, dict):
            inner = value.get("config")
            if isinstance(inner, dict) and isinstance(inner.get("name"), str):
                owner = inner["name"]
            if value.get("class_name") == "__lambda__" or value.get("function_type") == "lambda":
                where = f" in layer '{owner}'" if owner else ""
                raise UnsafeFileError(
                    f"Refusing to load Python bytecode{where} (a Lambda layer holding a "
                    "`lambda`): running it could execute arbitrary code. If you trust the file, "
                    "load it with `safe_mode=False`.")
            stack.extend((item, owner) for item in value.values())
