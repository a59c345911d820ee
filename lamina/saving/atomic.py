"""Atomic file writes: a reader sees the old file or the new one, never half of one.

The bytes go to a temporary file in the target's folder (so the final rename stays on one file
system), are flushed and fsynced, then renamed over the target; the folder is fsynced so the
rename itself survives a crash. If the writer dies midway only the temporary file is left.
"""

from __future__ import annotations

import contextlib
import os
import tempfile


@contextlib.contextmanager
def atomic_write(path, overwrite=True):
    """Yields a binary file; on a clean exit it replaces ``path`` in one step.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.bin"
    >>> with atomic_write(target) as f:
    ...     _ = f.write(b"new")
    >>> target.read_bytes()
    b'new'
    """
    path = os.fspath(path)
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{path} already exists; pass `overwrite=True` to replace it.")
    folder = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    try:
        os.chmod(temp, _mode_for(path))  # mkstemp makes 0600; give what `open` would have
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_folder(folder)


def write_bytes(path, data, overwrite=True):
    """Writes ``data`` to ``path`` atomically."""
    with atomic_write(path, overwrite=overwrite) as handle:
        handle.write(data)


def _mode_for(path):
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_folder(folder):
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # some platforms cannot open folders; the rename is still atomic there
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
