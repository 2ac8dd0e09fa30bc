"""Files written whole or not at all, and folders swapped in one step.

`write_atomic`, `atomic_binary`, `atomic_text`: a temporary file beside the target, flushed
and fsynced, renamed over the target, then the folder fsynced; on any failure (an exception,
Ctrl+C) the temporary file is removed and the old file stays as it was. `create_new`: the same,
but only if the target does not exist yet (a hard link instead of the rename), so a file made
once — a key, a scaffold — is never seen empty or half written, and never overwritten.
`exchange`: two paths swapped in one rename (Linux `renameat2(RENAME_EXCHANGE)`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import io
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new entry in `folder` survive a power cut (no-op where folders
    cannot be opened, as on Windows)."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(folder, flags)
    except (IsADirectoryError, PermissionError):  # Windows: no handle on a folder
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def _temporary(path: Path, mode: int) -> tuple[int, Path]:
    """A new file beside `path` (same folder, so the rename stays on one file system)."""
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, _CREATE, mode)
        except FileExistsError:
            continue
        return fd, tmp
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(path))


@contextmanager
def atomic_binary(path: Path, *, mode: int = 0o600) -> Iterator[io.BufferedWriter]:
    """A file to write that replaces `path` only when the block ends without an error.

    `mode`: the new file's permissions before the umask (default owner-only; 0o666 for what
    an ordinary `open()` gives). The old file stays untouched until the rename; on any failure
    (an exception, Ctrl+C) the temporary file is removed and the failure raised.
    """
    fd, tmp = _temporary(path, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


@contextmanager
def atomic_text(
    path: Path, *, mode: int = 0o600, encoding: str = "utf-8", newline: str | None = None
) -> Iterator[TextIO]:
    """`atomic_binary` for text: `encoding` and `newline` as for `open()`."""
    with atomic_binary(path, mode=mode) as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, newline=newline)
        try:
            yield text
        finally:
            text.detach()  # flushes; `raw` is fsynced and closed by atomic_binary


def write_atomic(path: Path, data: bytes | str, *, mode: int = 0o600) -> None:
    """Write `data` (text as UTF-8) to `path` whole or not at all (see `atomic_binary`)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_binary(path, mode=mode) as fh:
        fh.write(raw)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def create_new(path: Path, data: bytes | str, *, mode: int = 0o600) -> bool:
    """Write `path` whole, only if it does not exist yet; whether this call created it.

    The data goes to a temporary file first (flushed, fsynced), which is then hard-linked to
    `path`: the link fails if another process was quicker, and nobody ever sees a part of it.
    """
    fd, tmp = _temporary(path, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        except OSError:  # no hard links here (some USB and network file systems): claim the
            try:  # name, then rename the whole file over the empty claim
                os.close(os.open(path, _CREATE, mode))
            except FileExistsError:
                return False
            os.replace(tmp, path)
        fsync_dir(path.parent)
        return True
    finally:
        tmp.unlink(missing_ok=True)


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False where the system cannot, OSError
    when it can but the swap fails."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    fn = getattr(libc, "renameat2", None)
    if fn is None:
        return False
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(a))
