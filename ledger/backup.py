"""Backups and restore of the local ledger, through SQLite's online backup API.

Standard library only: ``tokenprint-hook`` calls :func:`maybe_spawn` (one
``stat()`` per run) and, at most once a day, starts ``python -m ledger.backup
--auto`` as a detached child that it never waits for. So the backup is off the
hook's hot path, and it happens wherever the hook runs, even for someone who never
opens a report. ``tokenprint backup`` and ``tokenprint restore`` call the same
functions.

- A backup is ``$TOKENPRINT_HOME/backups/ledger-YYYYMMDD-HHMMSS.db`` (local time,
  0600, folder 0700): the live file is copied with ``Connection.backup`` into a
  temporary file, which is checked (``PRAGMA integrity_check``, schema version)
  and renamed into place. A copy that fails its check is deleted, and since the
  backup API copies pages as they are, the live ledger is then marked damaged.
  The newest ``backup.keep`` (default 7) backups are kept.
- A restore checks the file first and refuses a bad one in one line, copies the
  current file aside (``ledger.db.before-restore-YYYYMMDD-HHMMSS``, 0600, with its
  ``-wal``), then copies the backup into the live file with the backup API, which
  takes the write lock (no writer holds it meanwhile) and is one transaction. A
  live file too damaged for that (a broken header) is replaced by renaming a
  checked copy over it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import sys
import time
from pathlib import Path

from ledger.files import fsync_path, private_dir, sqlite_read_uri
from ledger.schema import SCHEMA_VERSION

BACKUPS_DIR = "backups"
DEFAULT_KEEP = 7
#: A backup is due when the newest is older than this (seconds).
EVERY_S = 86400
PREFIX = "ledger-"


class BackupError(Exception):
    """One line: what went wrong, what to do."""


class BadFile(BackupError):
    """The FILE given to restore cannot be restored (bad input: nothing was changed)."""


def backups_dir(home: Path) -> Path:
    return Path(home) / BACKUPS_DIR


def list_backups(home: Path) -> list[Path]:
    """Backups, oldest first (the names sort by time)."""
    folder = backups_dir(home)
    try:
        names = [n for n in os.listdir(folder) if n.startswith(PREFIX) and n.endswith(".db")]
    except OSError:
        return []
    return [folder / n for n in sorted(names)]


def stamp(now: float | None = None) -> str:
    return time.strftime("%Y%m%d-%H%M%S", time.localtime(time.time() if now is None else now))


def check_copy(path: Path, full: bool = True) -> str | None:
    """What is wrong with a ledger file to restore or a backup (None: fine):
    ``integrity_check`` (``quick_check`` unless ``full``), tables, schema version."""
    from ledger.fastpath import header_problem

    if not path.is_file():
        return "no such file"
    problem = header_problem(path)
    if problem is not None:
        return problem
    try:
        conn = sqlite3.connect(sqlite_read_uri(path), uri=True, timeout=5.0)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        rows = conn.execute("PRAGMA integrity_check" if full else "PRAGMA quick_check").fetchall()
        if not rows or rows[0][0] != "ok":
            return f"integrity check failed: {rows[0][0] if rows else 'no answer'}"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"events", "sources", "schema_migrations"} <= tables:
            return "not a tokenprint ledger (no events, sources or schema_migrations table)"
        version = int(conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0] or 0)
        if version > SCHEMA_VERSION:
            return f"schema version {version} is newer than this tokenprint's ({SCHEMA_VERSION}): upgrade tokenprint"
    except sqlite3.Error as exc:
        return str(exc)
    finally:
        conn.close()
    return None


def copy_into(source: Path, target: Path) -> None:
    """Copy the ledger ``source`` into a new file ``target`` (0600, no journal left
    beside it) with the backup API; ``target`` must not exist."""
    fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    src = sqlite3.connect(sqlite_read_uri(source), uri=True, timeout=60.0)
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
    finally:
        src.close()
    fsync_path(target)


def backup(ledger: Path, target: Path | None = None, home: Path | None = None, now: float | None = None) -> Path:
    """Back ``ledger`` up to ``target`` (default: the backups folder of ``home``, or
    the ledger's folder); atomic, checked. Raises ``BackupError``."""
    from ledger.fastpath import mark_corrupt

    ledger = Path(ledger)
    if not ledger.is_file():
        raise BackupError(f"no ledger at {ledger}: nothing to back up")
    if target is None:
        folder = private_dir(backups_dir(home if home is not None else ledger.parent))
        target = folder / f"{PREFIX}{stamp(now)}.db"
    target = Path(target)
    if target.exists() and target.is_dir():
        target = target / f"{PREFIX}{stamp(now)}.db"
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        try:
            copy_into(ledger, tmp)
        except sqlite3.Error as exc:
            raise BackupError(f"cannot back up {ledger}: {exc}") from exc
        except OSError as exc:
            raise BackupError(f"cannot write {tmp.parent}: {exc.strerror or exc}") from exc
        problem = check_copy(tmp)
        if problem is not None:
            mark_corrupt(ledger, problem)
            raise BackupError(f"the ledger {ledger} is damaged ({problem}): the backup was not kept; "
                              "run `tokenprint doctor`")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_path(target.parent)
    return target


def rotate(home: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups; the deleted ones."""
    backups = list_backups(home)
    gone = backups[: max(0, len(backups) - max(1, keep))]
    for path in gone:
        path.unlink(missing_ok=True)
    return gone


def keep_setting(home: Path) -> int:
    try:
        from ledger.config import load

        value = load(home).get("backup.keep", DEFAULT_KEEP)
        return max(1, int(value))
    except Exception:
        return DEFAULT_KEEP


def due(home: Path, now: float | None = None) -> bool:
    """Whether a daily backup is due: the backups folder (touched by every backup and
    every attempt) is older than :data:`EVERY_S`. A missing folder is created: the
    first backup is a day after the first run."""
    folder = backups_dir(home)
    now = time.time() if now is None else now
    try:
        return now - os.stat(folder).st_mtime > EVERY_S
    except FileNotFoundError:
        try:
            private_dir(folder)
        except OSError:
            pass
        return False
    except OSError:
        return False


def maybe_spawn(home: Path, now: float | None = None) -> bool:
    """If a backup is due, start ``python -m ledger.backup --auto`` detached (never
    waited for) and return True. Marks the attempt first, so it runs at most once a day."""
    if not due(home, now):
        return False
    folder = backups_dir(home)
    try:
        os.utime(folder)
    except OSError:
        return False
    import subprocess

    kwargs: dict[str, object] = {}
    if sys.platform == "win32":  # pragma: no cover
        kwargs["creationflags"] = 0x00000008 | 0x00000200  # DETACHED_PROCESS | NEW_PROCESS_GROUP
    else:
        kwargs["start_new_session"] = True
    subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "ledger.backup", "--auto", "--home", str(home)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        close_fds=True, **kwargs,  # type: ignore[call-overload]
    )
    return True


def auto(home: Path, now: float | None = None) -> Path | None:
    """The daily backup: back up and rotate (what the detached child runs)."""
    from ledger.paths import ledger_path

    ledger = ledger_path(Path(home))
    if not ledger.is_file() or ledger.stat().st_size == 0:
        return None
    path = backup(ledger, home=home, now=now)
    rotate(home, keep_setting(home))
    return path


def restore(ledger: Path, source: Path, now: float | None = None, timeout: float = 60.0) -> Path:
    """Replace the live ``ledger`` by the checked copy ``source``; returns where the
    current file was kept aside. Raises ``BackupError`` (nothing changed)."""
    from ledger.fastpath import check_file, clear_marks

    ledger, source = Path(ledger), Path(source)
    problem = check_copy(source)
    if problem is not None:
        raise BadFile(f"{source} cannot be restored: {problem}; nothing was changed")
    if ledger.exists() and source.resolve() == ledger.resolve():
        raise BadFile(f"{source} is the live ledger itself; nothing was changed")
    aside = ledger.with_name(f"{ledger.name}.before-restore-{stamp(now)}")
    n = 1
    while aside.exists():  # two restores in one second: never overwrite a kept file
        n += 1
        aside = ledger.with_name(f"{ledger.name}.before-restore-{stamp(now)}-{n}")
    if ledger.exists():
        try:
            for suffix in ("", "-wal"):
                src_part = Path(str(ledger) + suffix)
                if src_part.exists() and (suffix == "" or src_part.stat().st_size):
                    fd = os.open(str(aside) + suffix, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
                    os.close(fd)
                    shutil.copyfile(src_part, str(aside) + suffix)
                    fsync_path(Path(str(aside) + suffix))
        except OSError as exc:
            raise BackupError(f"cannot keep the current ledger aside at {aside}: {exc.strerror or exc}; "
                              "nothing was changed") from exc
    try:
        src = sqlite3.connect(sqlite_read_uri(source), uri=True, timeout=timeout)
        try:
            live = sqlite3.connect(str(ledger), timeout=timeout)
            try:
                give_up = time.monotonic() + timeout

                def waited(status: int, _remaining: int, _total: int) -> None:
                    if status in (5, 6) and time.monotonic() > give_up:  # SQLITE_BUSY, SQLITE_LOCKED
                        raise BackupError(f"the ledger {ledger} is busy (another tokenprint is writing); "
                                          "try again; nothing was changed")

                src.backup(live, progress=waited, sleep=0.05)  # takes the write lock; one transaction
                live.execute("PRAGMA journal_mode = WAL")
            finally:
                live.close()
        finally:
            src.close()
        clear_marks(ledger)
        if check_copy(ledger, full=False) is not None:
            raise sqlite3.DatabaseError("the copy into the live file did not check")
    except BackupError:
        for suffix in ("", "-wal"):
            Path(str(aside) + suffix).unlink(missing_ok=True)
        raise
    except sqlite3.Error as exc:
        from ledger.fastpath import is_busy

        if is_busy(exc):
            for suffix in ("", "-wal"):
                Path(str(aside) + suffix).unlink(missing_ok=True)
            raise BackupError(f"the ledger {ledger} is busy (another tokenprint is writing); try again; "
                              "nothing was changed") from exc
        _replace_by_rename(ledger, source)
    clear_marks(ledger)
    check_file(ledger).done()
    return aside


def _replace_by_rename(ledger: Path, source: Path) -> None:
    """For a live file SQLite cannot write (its header is damaged): a checked copy of
    ``source`` renamed over it (no ledger can be open for writing on such a file)."""
    tmp = ledger.with_name(f".{ledger.name}.restore-{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        copy_into(source, tmp)
        conn = sqlite3.connect(str(tmp))
        try:
            conn.execute("PRAGMA journal_mode = WAL")
        finally:
            conn.close()
        problem = check_copy(tmp, full=False)
        if problem is not None:
            raise BackupError(f"the restored copy does not check ({problem}); nothing was changed")
        for suffix in ("-wal", "-shm"):
            Path(str(ledger) + suffix).unlink(missing_ok=True)
        os.replace(tmp, ledger)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_path(ledger.parent)


def main(argv: list[str] | None = None) -> int:
    """``python -m ledger.backup --auto --home DIR``: the hook's daily child."""
    args = sys.argv[1:] if argv is None else argv
    home = Path(args[args.index("--home") + 1]) if "--home" in args else None
    if "--auto" not in args or home is None:
        sys.stderr.write("usage: python -m ledger.backup --auto --home DIR\n")
        return 2
    try:
        from ledger.fastpath import check_file
        from ledger.paths import ledger_path

        check_file(ledger_path(home))  # a full check when the file is not the one verified last
        auto(home)
    except Exception as exc:  # noqa: BLE001 - a detached child: it writes to the hook's log
        try:
            from ledger.paths import LOGS_DIR

            line = f"{time.strftime('%Y-%m-%dT%H:%M:%S%z')} backup pid={os.getpid()} daily backup failed: {exc}\n"
            fd = os.open(home / LOGS_DIR / "hook.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, line.encode("utf-8", "replace"))
            finally:
                os.close(fd)
        except OSError:
            pass
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
