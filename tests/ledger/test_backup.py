"""Backups (SQLite's online backup API, daily, rotated) and restore (checked first,
the current file kept aside), and a short version of ``bench/kill9_backup.py``."""

from __future__ import annotations

import importlib.util
import os
import sqlite3
import stat
import time
from pathlib import Path

import pytest

from ledger import backup, fastpath
from tests.conftest import run

ROOT = Path(__file__).resolve().parents[2]


def mode(p: Path) -> str:
    return oct(stat.S_IMODE(p.stat().st_mode))


def ledger_with(home: Path, n: int = 3) -> Path:
    for i in range(n):
        proc = run("log", "--model", "claude-sonnet-4-5", "--input", str(10 + i), "--id", f"e{i}", "-q")
        assert proc.returncode == 0, proc.stderr
    return home / "ledger.db"


def count(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])
    finally:
        conn.close()


def test_backup_now_is_private_checked_and_rotated(home: Path) -> None:
    db = ledger_with(home)
    os.umask(0o022)
    for i in range(4):
        proc = run("backup")
        assert proc.returncode == 0, proc.stderr
        assert "integrity ok" in proc.stdout
        if i < 3:
            time.sleep(1.05)  # names are to the second
    files = backup.list_backups(home)
    assert mode(home / "backups") == "0o700"
    assert all(mode(f) == "0o600" for f in files)
    assert all(backup.check_copy(f) is None and count(f) == 3 for f in files)
    assert not any(p.name.endswith(".tmp") for p in (home / "backups").iterdir())
    assert run("config", "set", "backup.keep", "2").returncode == 0
    assert run("backup").returncode == 0
    assert len(backup.list_backups(home)) == 2
    assert count(db) == 3


def test_backup_to_a_file(home: Path, tmp_path: Path) -> None:
    ledger_with(home)
    target = tmp_path / "copy.db"
    proc = run("backup", str(target))
    assert proc.returncode == 0, proc.stderr
    assert count(target) == 3 and mode(target) == "0o600"


def test_restore_refuses_a_bad_file_in_one_line_and_changes_nothing(home: Path, tmp_path: Path) -> None:
    db = ledger_with(home)
    before = db.read_bytes()
    junk = tmp_path / "junk.db"
    junk.write_bytes(os.urandom(8192))
    newer = tmp_path / "newer.db"
    assert run("backup", str(newer)).returncode == 0
    conn = sqlite3.connect(newer)
    conn.execute("INSERT INTO schema_migrations VALUES (99, 'm099_future', 0)")
    conn.commit()
    conn.close()
    damaged = tmp_path / "damaged.db"
    assert run("backup", str(damaged)).returncode == 0
    with open(damaged, "r+b") as f:
        f.seek(4096)
        f.write(os.urandom(4096))
    for bad, why in ((junk, "file is not a database"), (newer, "newer than this tokenprint"),
                     (damaged, ""), (tmp_path / "missing.db", "no such file")):
        proc = run("restore", str(bad))
        assert proc.returncode == 2, proc.stdout  # bad input (interface.md: exit 2)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "cannot be restored" in lines[0] and why in lines[0], proc.stderr
        assert "nothing was changed" in lines[0]
    assert db.read_bytes() == before
    assert not list(home.glob("ledger.db.before-restore-*"))


@pytest.mark.parametrize("how", ["middle", "header"])
def test_restore_over_a_damaged_ledger(home: Path, how: str) -> None:
    db = ledger_with(home, 5)
    assert run("backup").returncode == 0
    newest = backup.list_backups(home)[-1]
    with open(db, "r+b") as f:
        if how == "header":
            f.write(b"garbage" * 20)
        else:
            f.seek(4096)
            f.write(os.urandom(db.stat().st_size - 4096))
    assert run("log", "--model", "m", "--input", "1").returncode == 1  # marked damaged
    damaged_bytes = db.read_bytes()
    proc = run("restore", str(newest))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.rstrip().endswith("To read again what the clients logged since that backup: "
                                         "tokenprint import --all (and each chat export again: "
                                         "tokenprint import chatgpt-export FILE)")
    aside = list(home.glob("ledger.db.before-restore-*"))
    assert [p.read_bytes() for p in aside if not p.name.endswith("-wal")] == [damaged_bytes]
    assert all(mode(p) == "0o600" for p in aside)
    assert count(db) == 5 and backup.check_copy(db) is None
    assert run("log", "--model", "m", "--input", "1", "-q").returncode == 0
    assert count(db) == 6


def test_restore_waits_for_a_writer(home: Path, tmp_path: Path) -> None:
    """The backup API takes the write lock: a restore never interleaves with a write."""
    db = ledger_with(home)
    src = tmp_path / "src.db"
    assert run("backup", str(src)).returncode == 0
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO schema_migrations VALUES (50, 'held', 0)")
    try:
        t0 = time.monotonic()
        with pytest.raises(backup.BackupError, match="busy"):
            backup.restore(db, src, timeout=0.5)
        assert time.monotonic() - t0 < 5
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert backup.check_copy(db) is None and count(db) == 3
    backup.restore(db, src)  # once the writer is gone
    assert count(db) == 3


def test_daily_backup_is_due_after_a_day_and_spawned_at_most_once(home: Path) -> None:
    ledger_with(home)
    assert backup.due(home) is False  # the folder exists now (a day before the first)
    folder = home / "backups"
    old = time.time() - 2 * 86400
    os.utime(folder, (old, old))
    assert backup.due(home)
    assert backup.maybe_spawn(home) is True
    assert backup.maybe_spawn(home) is False  # marked: at most once a day
    for _ in range(100):
        if backup.list_backups(home):
            break
        time.sleep(0.05)
    files = backup.list_backups(home)
    assert len(files) == 1 and backup.check_copy(files[0]) is None


def test_a_damaged_ledger_is_never_backed_up_and_gets_marked(home: Path) -> None:
    db = ledger_with(home)
    fastpath.clear_marks(db)
    with open(db, "r+b") as f:
        f.seek(4096)
        f.write(os.urandom(4096))
    proc = run("backup")
    assert proc.returncode == 1
    assert backup.list_backups(home) == []
    assert (home / "ledger.db.corrupt").exists()


def _bench() -> object:
    spec = importlib.util.spec_from_file_location("kill9_backup", ROOT / "bench" / "kill9_backup.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("kind", ["backup", "restore", "migration"])
def test_kill_9_loop_short(kind: str, tmp_path: Path) -> None:
    stats = _bench().loop(kind, 5, events=5000, seed=2, work=tmp_path)  # type: ignore[attr-defined]
    assert stats["integrity_failures"] == 0 and stats["total_mismatches"] == 0, stats
