"""Defect 8: a damaged ledger is never written to, and every command says so in one line.

Exact reproduction of the issue: a real ledger of a few MB (``tokenprint demo``),
8 KiB of random bytes written in its middle, then the hook (a subprocess with a
real Stop payload), ``log``, ``report``, ``export`` and ``hooks status``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import TOKENPRINT_HOOK, run
from tests.hooks import corpus
from tests.hooks.helpers import buckets


def stop_payload(path: Path) -> str:
    return json.dumps({"session_id": corpus.SESSION_A, "transcript_path": str(path), "cwd": "/p/alpha",
                       "hook_event_name": "Stop", "permission_mode": "default", "stop_hook_active": False})


def hook(payload: str, env: dict[str, str] | None = None) -> None:
    proc = run("claude-code", input=payload, exe=TOKENPRINT_HOOK, timeout=60, env=env)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def digest(path: Path) -> str:
    h = hashlib.sha256(path.read_bytes())
    wal = Path(f"{path}-wal")
    if wal.exists():
        h.update(wal.read_bytes())
    return h.hexdigest()


def damage(db: Path, at: int | None = None, n: int = 8192) -> None:
    size = db.stat().st_size
    with open(db, "r+b") as f:
        f.seek(size // 2 if at is None else at)
        f.write(os.urandom(n))


@pytest.fixture
def real_ledger(home: Path) -> Path:
    """A ledger of about 4 MB written by ``tokenprint demo`` (20,000 events), checkpointed."""
    proc = run("demo", "--events", "20000")
    assert proc.returncode == 0, proc.stderr
    db = home / "ledger.db"
    shutil.copyfile(home / "demo.db", db)
    os.chmod(db, 0o600)
    assert db.stat().st_size > 3_000_000
    return db


def one_line_damaged(stderr: str, db: Path) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    line = lines[0]
    assert "Traceback" not in stderr
    assert f"the ledger {db} is damaged" in line, line
    assert "tokenprint restore" in line and "nothing more is written" in line, line
    return line


def test_random_bytes_in_the_middle_every_command_stops_and_says_so(tmp_path: Path, home: Path,
                                                                    real_ledger: Path) -> None:
    files = corpus.build(tmp_path / "claude")
    db = real_ledger
    damage(db)
    before = digest(db)

    hook(stop_payload(files["a"]))  # exit 0, silent
    assert digest(db) == before, "the hook wrote into a damaged ledger"
    spooled = list((home / "spool").iterdir())
    assert len(spooled) == 1 and oct(spooled[0].stat().st_mode & 0o777) == "0o600"
    assert oct((home / "spool").stat().st_mode & 0o777) == "0o700"
    assert str(files["a"]) in json.loads(spooled[0].read_text())["paths"]
    assert "ledger damaged" in (home / "logs" / "hook.log").read_text()

    log = run("log", "--model", "claude-sonnet-4-5", "--input", "5")
    assert log.returncode == 1
    one_line_damaged(log.stderr, db)
    assert digest(db) == before, "log wrote into a damaged ledger"

    for args in (("report",), ("report", "monthly", "--json"), ("export",), ("export", "--format", "json")):
        proc = run(*args)
        assert proc.returncode == 1, (args, proc.stdout, proc.stderr)
        assert ".recover" in one_line_damaged(proc.stderr, db)  # no backup yet: salvage it
    assert digest(db) == before

    status = run("hooks", "status")
    assert status.returncode == 0
    last = next(line for line in status.stdout.splitlines() if "last hook run" in line)
    assert "failed: ledger damaged" in last and ", ok" not in last, status.stdout
    assert "is damaged" in status.stdout
    assert digest(db) == before


def test_the_message_names_the_newest_backup_and_restore_brings_the_spool_in(tmp_path: Path, home: Path) -> None:
    files = corpus.build(tmp_path / "claude")
    db = home / "ledger.db"
    hook(stop_payload(files["a"]))
    clean = buckets(db)
    assert clean
    assert run("backup").returncode == 0
    newest = sorted((home / "backups").iterdir())[-1]
    # New usage while the ledger is damaged: it must come back after the restore.
    more = files["a"].with_name("second.jsonl")
    shutil.copyfile(files["a"], more)
    damage(db, at=4096, n=db.stat().st_size - 4096)  # every page but the header
    hook(stop_payload(more))
    proc = run("report")
    assert proc.returncode == 1
    assert f"tokenprint restore {newest}" in one_line_damaged(proc.stderr, db)

    proc = run("restore", str(newest))
    assert proc.returncode == 0, proc.stderr
    assert "1 spooled hook run will be read at the next hook run" in proc.stdout
    aside = list(home.glob("ledger.db.before-restore-*"))
    assert len(aside) == 1 and oct(aside[0].stat().st_mode & 0o777) == "0o600"
    assert not (home / "ledger.db.corrupt").exists()
    hook(stop_payload(files["a"]))  # a healthy run: it reads the spooled one too
    assert list((home / "spool").iterdir()) == []
    # second.jsonl holds the same messages as the first file: exactly once each.
    assert buckets(db) == clean
    conn = sqlite3.connect(db)
    try:
        paths = {r[0] for r in conn.execute("SELECT path FROM sources")}
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    assert str(more) in paths


def test_not_a_database_header_and_log_refuses(home: Path) -> None:
    db = home / "ledger.db"
    db.write_bytes(b"this is not a database" * 500)
    before = digest(db)
    proc = run("log", "--model", "m", "--input", "1")
    assert proc.returncode == 1
    assert "file is not a database" in one_line_damaged(proc.stderr, db)
    assert digest(db) == before


def test_a_corruption_met_while_reading_marks_the_file(home: Path, real_ledger: Path) -> None:
    """The cheap check trusts a file tokenprint left as is; damage met later by a query
    still marks it, so no writer uses it afterwards."""
    from ledger import fastpath

    db = real_ledger
    conn = fastpath.open_ledger(db)
    conn.close()  # verified: the record matches the file
    st = db.stat()
    damage(db)
    os.utime(db, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size and mtime: the record still matches
    fastpath.check_file(db)  # trusted on stat alone
    proc = run("export", "--format", "json")  # reads every events page: meets the damage
    assert proc.returncode == 1
    one_line_damaged(proc.stderr, db)
    assert (home / "ledger.db.corrupt").exists()
    with pytest.raises(fastpath.LedgerCorrupt):
        fastpath.open_ledger(db)


def test_check_on_open_costs_a_stat_when_the_file_is_the_one_left(home: Path, real_ledger: Path) -> None:
    import time

    from ledger import fastpath

    conn = fastpath.open_ledger(real_ledger)
    conn.close()
    t0 = time.perf_counter()
    for _ in range(50):
        fastpath.check_file(real_ledger)
    per = (time.perf_counter() - t0) / 50
    assert per < 0.002, f"{per * 1000:.2f} ms per check"
