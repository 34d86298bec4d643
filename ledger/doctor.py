"""``tokenprint doctor``'s checks of the ledger itself: integrity, schema, modes,
the hook's spool, free disk space and backups.

Each check gives :class:`Finding` s: what was looked at, whether it needs action,
one line saying what is wrong and one saying what to do. The clients' side (hooks
installed, last runs, read positions) is in ``hooks.doctor``.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ledger import backup, fastpath, spool
from ledger.files import sqlite_read_uri
from ledger.paths import LOGS_DIR, ledger_path
from ledger.schema import SCHEMA_VERSION

#: Below this much free space on the home's filesystem, doctor asks for room.
MIN_FREE_BYTES = 100 * 1000 * 1000
#: A newest backup older than this is worth a word (seconds).
BACKUP_STALE_S = 3 * 86400

OK, INFO, ACTION = "ok", "info", "action"


@dataclass
class Finding:
    """One line of the doctor's answer."""

    check: str  # e.g. "ledger.integrity", "hooks.claude-code.installed"
    status: str  # ok (fine), info (worth knowing, nothing to do), action (do the fix)
    message: str
    fix: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _mode(path: Path) -> int | None:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return None


def check_modes(home: Path) -> list[Finding]:
    """Private files 0600 and folders 0700: the ledger, its journal, logs, spool, backups."""
    loose: list[str] = []
    dirs = [home, home / LOGS_DIR, spool.spool_dir(home), backup.backups_dir(home)]
    files = [ledger_path(home), Path(f"{ledger_path(home)}-wal"), Path(f"{ledger_path(home)}-shm"),
             *backup.list_backups(home)]
    for d in dirs:
        m = _mode(d)
        if m is not None and m & 0o077:
            loose.append(f"{d} is {m:04o}")
    for f in files:
        m = _mode(f)
        if m is not None and m & 0o077:
            loose.append(f"{f} is {m:04o}")
    if not loose:
        return [Finding("ledger.modes", OK, "the ledger, logs, spool and backups are private (0600 files, 0700 folders)")]
    return [Finding("ledger.modes", ACTION, f"readable by others: {'; '.join(loose)}",
                    f"chmod 600 the files and 700 the folders: chmod -R go-rwx {home}", {"loose": loose})]


def check_ledger(home: Path) -> list[Finding]:
    """A full ``PRAGMA integrity_check`` and the schema version; an ok check clears a
    stale damage mark, a failed one sets it (so the hook stops writing)."""
    path = ledger_path(home)
    if not path.is_file() or path.stat().st_size == 0:
        return [Finding("ledger.integrity", INFO, f"no ledger yet at {path}: the first hook run or "
                        "`tokenprint log` creates it")]
    t0 = time.perf_counter()
    problem = fastpath.header_problem(path)
    version = 0
    if problem is None:
        try:
            conn = sqlite3.connect(sqlite_read_uri(path), uri=True, timeout=10.0)
            try:
                problem = fastpath.quick_check(conn, full=True)
                if problem is None:
                    version = fastpath.schema_version(conn)
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            if not fastpath.is_corruption(exc):
                return [Finding("ledger.integrity", ACTION, f"cannot open {path}: {exc}",
                                "check the file's owner and that the disk is mounted")]
            problem = str(exc)
    took = time.perf_counter() - t0
    size = path.stat().st_size
    if problem is not None:
        fastpath.mark_corrupt(path, problem)
        return [Finding("ledger.integrity", ACTION, f"the ledger {path} is damaged: {problem}",
                        fastpath.corrupt_message(path, problem).split("To fix it, ", 1)[-1],
                        {"path": str(path), "bytes": size, "seconds": round(took, 3)})]
    fastpath.clear_marks(path)
    fastpath.check_file(path).done()  # record it as verified for the next opener
    out = [Finding("ledger.integrity", OK, f"{path}: integrity ok ({size / 1e6:.1f} MB, checked in {took:.2f} s)",
                   None, {"path": str(path), "bytes": size, "seconds": round(took, 3)})]
    if version > SCHEMA_VERSION:
        out.append(Finding("ledger.schema", ACTION, f"schema version {version} is newer than this "
                           f"tokenprint's ({SCHEMA_VERSION})", "upgrade tokenprint (pip install -U tokenprint)",
                           {"version": version, "code": SCHEMA_VERSION}))
    elif version < SCHEMA_VERSION:
        out.append(Finding("ledger.schema", INFO, f"schema version {version}, this tokenprint's is "
                           f"{SCHEMA_VERSION}: the next write migrates it", None,
                           {"version": version, "code": SCHEMA_VERSION}))
    else:
        out.append(Finding("ledger.schema", OK, f"schema version {version} (current)", None,
                           {"version": version, "code": SCHEMA_VERSION}))
    return out


def check_spool(home: Path, damaged: bool) -> list[Finding]:
    entries = spool.pending(home)
    if not entries:
        return [Finding("spool", OK, "no hook runs waiting in the spool", None, {"pending": 0})]
    oldest = min(e.ts for e in entries)
    clients = sorted({e.client for e in entries})
    details: dict[str, Any] = {"pending": len(entries), "oldest_ts": oldest, "clients": clients}
    what = (f"{len(entries)} hook run{'s' if len(entries) != 1 else ''} waiting in the spool "
            f"(oldest {(time.time() - oldest) / 3600:.1f} h ago)")
    if damaged:
        return [Finding("spool", ACTION, what + ": the ledger is damaged",
                        "restore the ledger (see above); the next hook run then reads them", details)]
    full = len(entries) >= spool.MAX_ENTRIES
    return [Finding("spool", ACTION if full else INFO, what + ("; the spool is full" if full else
                    ": the next hook run reads them"),
                    " and ".join(f"tokenprint import {c}" for c in clients) if full else None, details)]


def check_disk(home: Path) -> list[Finding]:
    try:
        free = shutil.disk_usage(home).free
    except OSError as exc:
        return [Finding("disk", ACTION, f"cannot read the free space of {home}: {exc.strerror or exc}",
                        "check that the home folder's disk is mounted")]
    details = {"free_bytes": free, "min_bytes": MIN_FREE_BYTES}
    if free < MIN_FREE_BYTES:
        return [Finding("disk", ACTION, f"only {free / 1e6:.0f} MB free on the disk of {home}",
                        f"free some space (tokenprint needs some to write and back up the ledger; "
                        f"below {MIN_FREE_BYTES / 1e6:.0f} MB this warns)", details)]
    return [Finding("disk", OK, f"{free / 1e9:.1f} GB free on the disk of {home}", None, details)]


def check_backups(home: Path, now: float | None = None) -> list[Finding]:
    now = time.time() if now is None else now
    backups = backup.list_backups(home)
    keep = backup.keep_setting(home)
    if not backups:
        has_ledger = ledger_path(home).is_file()
        return [Finding("backups", ACTION if has_ledger else INFO, "no backup of the ledger yet",
                        "tokenprint backup (the hook also makes one a day)" if has_ledger else None,
                        {"count": 0, "keep": keep})]
    newest = backups[-1]
    age = now - newest.stat().st_mtime
    problem = backup.check_copy(newest)
    details = {"count": len(backups), "keep": keep, "newest": str(newest), "newest_age_s": round(age)}
    if problem is not None:
        return [Finding("backups", ACTION, f"the newest backup {newest} is damaged: {problem}",
                        f"make a new one: tokenprint backup (and delete {newest})", details)]
    what = f"{len(backups)} backup{'s' if len(backups) != 1 else ''}, newest {newest.name} ({age / 3600:.1f} h old, integrity ok)"
    if age > BACKUP_STALE_S:
        return [Finding("backups", ACTION, what + ": older than 3 days", "tokenprint backup", details)]
    return [Finding("backups", OK, what, None, details)]


def ledger_findings(home: Path) -> list[Finding]:
    """Every check of this module, in the order doctor prints them."""
    out = check_ledger(home)
    damaged = any(f.check == "ledger.integrity" and f.status == ACTION for f in out)
    out += check_modes(home)
    out += check_spool(home, damaged)
    out += check_disk(home)
    out += check_backups(home)
    return out
