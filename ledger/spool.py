"""The hook's spool: work it could not write to the ledger, for the next healthy run.

Standard library only (``tokenprint-hook`` writes it). When the ledger is damaged,
locked past the hook's busy timeout, not verifiable within its time budget, or
the run overran its budget, the hook writes one small file per run to
``$TOKENPRINT_HOME/spool/`` (folder 0700, files 0600, written to a temporary file
then renamed): the client and the source files its payload named (one file per
run, named after those: a run naming the same files as a spooled one adds nothing). Nothing else
is kept there because nothing else is needed: the ledger's read positions did not
advance, so the new bytes are still in those files, and reading them again is
idempotent (every event has a natural key). Keeping file names rather than events
also means that after ``tokenprint restore`` of an older backup the next run
re-reads each named file from the backup's positions, so turns recorded after the
backup come back too, and the spool stays a few hundred bytes per run.

Bounded: at most :data:`MAX_ENTRIES` files of at most :data:`MAX_ENTRY_BYTES`
each; an entry tried :data:`MAX_ATTEMPTS` times is dropped (its files stay on
disk for ``tokenprint import``).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from ledger.files import atomic_write, private_dir

SPOOL_DIR = "spool"
MAX_ENTRIES = 1000
MAX_ENTRY_BYTES = 64 << 10
MAX_ATTEMPTS = 5
SUFFIX = ".json"


@dataclass
class Entry:
    """One spooled hook run."""

    file: Path
    client: str
    paths: list[str]
    reason: str
    ts: float
    attempts: int = 0


def spool_dir(home: Path) -> Path:
    return Path(home) / SPOOL_DIR


def _names(folder: Path) -> list[str]:
    try:
        return sorted(n for n in os.listdir(folder) if n.endswith(SUFFIX) and not n.startswith("."))
    except OSError:
        return []


def _write(file: Path, data: dict[str, object]) -> None:
    raw = json.dumps(data, sort_keys=True).encode()
    if len(raw) > MAX_ENTRY_BYTES:
        raise ValueError(f"spool entry of {len(raw)} bytes (at most {MAX_ENTRY_BYTES})")
    atomic_write(file, raw)


def put(home: Path, client: str, paths: list[str], reason: str) -> Path | None:
    """Spool one run (None when the spool is full or ``paths`` is empty). Raises
    ``OSError`` when it cannot be written (the hook logs it)."""
    if not paths:
        return None
    folder = spool_dir(home)
    private_dir(folder)
    if len(_names(folder)) >= MAX_ENTRIES:
        return None
    # Keep the entry small: file names only, deduplicated. Named after its client and
    # files: a later run naming the same files (the next turn of a session) is already
    # covered by the entry, so the spool grows with sessions, not with turns.
    unique = sorted(dict.fromkeys(p for p in paths if isinstance(p, str)))
    key = hashlib.blake2b("\0".join([client, *unique]).encode("utf-8", "surrogateescape"), digest_size=10)
    file = folder / f"{key.hexdigest()}{SUFFIX}"
    if file.exists():
        return file
    _write(file, {"v": 1, "client": client, "paths": unique, "reason": reason, "ts": time.time(), "attempts": 0})
    return file


def pending(home: Path) -> list[Entry]:
    """The spooled runs, oldest first (unreadable entries are dropped)."""
    folder = spool_dir(home)
    out: list[Entry] = []
    for name in _names(folder):
        file = folder / name
        try:
            with open(file, "rb") as f:
                data = json.loads(f.read(MAX_ENTRY_BYTES + 1))
            paths = [p for p in data["paths"] if isinstance(p, str)]
            out.append(Entry(file, str(data["client"]), paths, str(data.get("reason", "")),
                             float(data.get("ts", 0)), int(data.get("attempts", 0))))
        except FileNotFoundError:
            continue  # another run took it
        except (OSError, ValueError, KeyError, TypeError):
            file.unlink(missing_ok=True)
    out.sort(key=lambda e: e.ts)
    return out


def count(home: Path) -> int:
    return len(_names(spool_dir(home)))


def done(entry: Entry) -> None:
    """Remove an entry whose files were read into the ledger."""
    try:
        entry.file.unlink()
    except OSError:
        pass


def retry_later(entry: Entry) -> bool:
    """Count one more attempt; False (and the entry removed) after :data:`MAX_ATTEMPTS`."""
    if entry.attempts + 1 >= MAX_ATTEMPTS:
        done(entry)
        return False
    try:
        _write(entry.file, {"v": 1, "client": entry.client, "paths": entry.paths, "reason": entry.reason,
                            "ts": entry.ts, "attempts": entry.attempts + 1})
    except (OSError, ValueError):
        pass
    return True
