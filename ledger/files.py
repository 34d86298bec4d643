"""Every file tokenprint writes: private modes, atomic replacement, one-line errors.

Standard library only (the hook writes its logs through this module on every turn).

- :func:`private_dir` makes a folder of ours 0700, whatever the umask, and
  tightens one of ours that is looser;
- :func:`atomic_write` and :func:`atomic_open` write a file through a temporary
  file in the same folder (created 0600, then given its final mode with
  ``fchmod``, so the umask never decides), flushed with ``fsync``, renamed over
  the target with ``os.replace`` and the folder ``fsync``-ed; on any error
  (a full disk, a read-only mount, an interruption) the temporary file is removed
  and the target is as it was;
- :func:`create_private` creates an empty 0600 file (a SQLite ledger before
  SQLite opens it: its ``-wal`` and ``-shm`` then get the same mode);
- :func:`write_error` turns an ``OSError`` into one line that says what failed,
  where, and what to do.

Private data (ledger, demo, config, logs, backups, exports) is 0600 in 0700
folders. A file that belongs to the user (a client's settings file) keeps its
own mode: pass it as ``mode``.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def _tighten(path: Path, mode: int) -> None:
    """Give a file or folder of ours ``mode`` if it is looser (never on someone else's)."""
    try:
        st = os.stat(path)
        if hasattr(os, "getuid") and st.st_uid != os.getuid():
            return
        if stat.S_IMODE(st.st_mode) & ~mode:
            os.chmod(path, stat.S_IMODE(st.st_mode) & mode)
    except OSError:
        pass  # a read-only mount: reading still works, writing will say why


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) with the folder itself 0700, whatever the
    umask; an existing folder of ours that is looser is tightened. Raises ``OSError``
    when it cannot be created."""
    path = Path(path)
    if not path.is_dir():
        if not path.parent.is_dir():
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.mkdir(path, PRIVATE_DIR)
        except FileExistsError:
            if not path.is_dir():
                raise
    _tighten(path, PRIVATE_DIR)
    return path


def make_private(path: Path) -> None:
    """Tighten an existing file of ours to 0600 (a no-op when it is absent)."""
    _tighten(Path(path), PRIVATE_FILE)


def create_private(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if it does not exist; an existing file of
    ours is tightened to 0600 (never loosened)."""
    path = Path(path)
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE)
    except FileExistsError:
        make_private(path)
        return
    os.close(fd)


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (a rename) to disk; a no-op where folders can't be opened."""
    if sys.platform == "win32":
        return
    fsync_path(folder)


def fsync_path(path: Path) -> None:
    """Flush a file (or a folder) to disk by its name; errors are ignored (best effort)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _temp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.tokenprint-{os.getpid()}-{os.urandom(4).hex()}.tmp")


def write_all(fd: int, data: bytes) -> None:
    """``os.write`` until every byte is written (a short write is not an error in itself)."""
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        if n <= 0:  # pragma: no cover - os.write raises rather than return 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        view = view[n:]


@contextmanager
def atomic_open(
    path: Path, mode: int = PRIVATE_FILE, *, text: bool = False, encoding: str = "utf-8",
    newline: str | None = "", before_replace: Any = None, durable: bool = True,
) -> Iterator[IO[Any]]:
    """A file object to write ``path`` with: what is written lands in a temporary file
    in the same folder, which replaces ``path`` (with ``mode``) when the block ends
    without an error; on any error it is removed and ``path`` is untouched.

    ``before_replace(tmp)`` runs right before the rename (a last check; raising
    cancels the write). ``durable=False`` skips the ``fsync`` calls (a record that
    may be lost in a power cut, such as the hook's last run: still never partial).
    The folder must exist (see :func:`private_dir`).
    """
    path = Path(path)
    tmp = _temp_name(path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except OSError as exc:
        _name(exc, path, tmp)
        raise
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, mode)
        fh: IO[Any] = (
            os.fdopen(fd, "w", encoding=encoding, newline=newline) if text else os.fdopen(fd, "wb")
        )
    except BaseException:
        os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    try:
        with fh:
            yield fh
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        if not hasattr(os, "fchmod"):  # pragma: no cover - Windows
            os.chmod(tmp, mode)
        if before_replace is not None:
            before_replace(tmp)
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            _name(exc, path, tmp)
        raise
    if durable:
        fsync_dir(path.parent)


def _name(exc: OSError, path: Path, tmp: Path) -> None:
    """Name the file being written in an error about it (``os.write`` names none; the
    temporary file's name would only confuse)."""
    if exc.filename is None or exc.filename in (str(tmp), tmp):
        exc.filename = str(path)


def atomic_write(
    path: Path, data: bytes, mode: int = PRIVATE_FILE, *, before_replace: Any = None, durable: bool = True
) -> Path:
    """Replace ``path`` by ``data`` atomically with ``mode`` (see :func:`atomic_open`).
    Raises ``OSError``; then ``path`` is as it was and no temporary file is left."""
    with atomic_open(path, mode, before_replace=before_replace, durable=durable) as fh:
        fh.write(data)
    return Path(path)


def sqlite_read_uri(path: Path | str) -> str:
    """The URI that opens a SQLite file read only (``sqlite3.connect(uri, uri=True)``).

    On a read-only mount, SQLite cannot open a WAL ledger with ``mode=ro`` alone
    when its ``-shm`` is absent (it would have to create it): there the URI adds
    ``immutable=1``, as long as the write-ahead log is absent or empty (nothing can
    change a file on a read-only mount, and nothing in the log would be missed).
    A non-empty log without its ``-shm`` still cannot be read: SQLite says so."""
    p = os.path.abspath(str(path))
    uri = "file:" + p.replace("%", "%25").replace("?", "%3f").replace("#", "%23") + "?mode=ro"
    if os.path.exists(p + "-shm") or not hasattr(os, "statvfs"):
        return uri
    try:
        read_only = bool(os.statvfs(os.path.dirname(p)).f_flag & os.ST_RDONLY)
        wal = os.stat(p + "-wal").st_size if os.path.exists(p + "-wal") else 0
    except OSError:
        return uri
    return uri + "&immutable=1" if read_only and wal == 0 else uri


def unwritable_reason(folder: Path | str) -> str | None:
    """Why nothing can be written in ``folder`` (its file system is read only, or full),
    as one line with the fix; None when neither is the case. For errors that carry
    no ``errno`` (SQLite's "attempt to write a readonly database", "unable to open
    database file")."""
    where = Path(folder)
    if not hasattr(os, "statvfs"):  # pragma: no cover - Windows
        return None
    try:
        st = os.statvfs(where)
    except OSError:
        return None
    if st.f_flag & os.ST_RDONLY:
        return (f"{where} is on a read-only file system; make it writable, or point TOKENPRINT_HOME "
                "(or --home) at a writable folder")
    root = hasattr(os, "geteuid") and os.geteuid() == 0  # root may use the reserved blocks
    if st.f_bfree == 0 or (st.f_bavail == 0 and not root):
        return f"the disk of {where} is full; free some space there, then run this again"
    return None


def write_error(exc: OSError, path: Path | str, what: str = "write") -> str:
    """One line for an ``OSError`` met while writing ``path``: what, where, what to do."""
    where = Path(path)
    code = exc.errno
    reason = exc.strerror or str(exc)
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return f"cannot {what} {where}: the disk is full ({reason}); free some space in {where.parent}, then run this again"
    if code == errno.EROFS:
        return (f"cannot {what} {where}: {where.parent} is on a read-only file system; make it writable, "
                "or point TOKENPRINT_HOME (or --home) at a writable folder")
    if code in (errno.EACCES, errno.EPERM):
        return f"cannot {what} {where}: permission denied in {where.parent}; check its owner and mode"
    return f"cannot {what} {where}: {reason}"
