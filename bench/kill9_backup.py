"""``kill -9`` at random points of a backup, a restore and a migration.

    python bench/kill9_backup.py [--runs 20] [--events 20000] [--seed 1]

For each operation, ``--runs`` times: start it in a child process on a real
ledger (``ledger.demo``, 20,000 events, some 4 MB), ``SIGKILL`` it after a random
delay between 0 and 1.2 times its measured clean duration, then check that the
live ledger passes ``PRAGMA integrity_check`` and holds one of the two states it
may hold (before or after the operation: the totals of each are known), and that
every ``backups/ledger-*.db`` left behind passes its check. Then one more run to
the end must give the totals of a clean run. Prints, per operation: runs, kills
that landed while the child was running, integrity failures and total mismatches
(both must be 0). ``tests/ledger/test_backup.py`` runs a short version.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BUCKETS = "input_tokens, cache_write_tokens, cache_read_tokens, output_tokens, reasoning_tokens, requests"

# The children: the same functions ``tokenprint backup``/``restore`` call, started
# without the CLI so that a kill point lands in the operation, not in click's import.
BACKUP_CHILD = "import sys; from pathlib import Path; from ledger.backup import backup; " \
               "backup(Path(sys.argv[1]), home=Path(sys.argv[2]))"
RESTORE_CHILD = "import sys; from pathlib import Path; from ledger.backup import restore; " \
                "restore(Path(sys.argv[1]), Path(sys.argv[2]))"
# An old-schema ledger meets a newer tokenprint: a second migration that rebuilds the
# events table (the kind of migration that takes a while), run by the hook's migrate.
MIGRATE_CHILD = """
import sys
from ledger import fastpath, schema

def m002_rebuild_events(execute, dialect):
    execute("CREATE TABLE events_new AS SELECT * FROM events")
    execute("DROP TABLE events")
    execute("ALTER TABLE events_new RENAME TO events")
    execute("CREATE UNIQUE INDEX uq_events_client_event ON events (client, event_id)")
    execute("CREATE INDEX ix_events_ts ON events (ts)")
    execute("CREATE INDEX ix_events_session ON events (session)")
    execute("CREATE INDEX ix_events_model ON events (model)")

schema.MIGRATIONS.append(m002_rebuild_events)
fastpath.SCHEMA_VERSION = len(schema.MIGRATIONS)
conn = fastpath.open_ledger(fastpath.Path(sys.argv[1]))
conn.close()
"""


def totals(db: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        sums = ", ".join(f"SUM({b.strip()})" for b in BUCKETS.split(","))
        return [tuple(r) for r in conn.execute(
            f"SELECT client, model, COUNT(*), {sums} FROM events GROUP BY client, model ORDER BY client, model")]
    finally:
        conn.close()


def integrity(db: Path) -> bool:
    try:
        conn = sqlite3.connect(db)
        try:
            return bool(conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok")
        finally:
            conn.close()
    except sqlite3.Error:
        return False


def version(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0] or 0)
    finally:
        conn.close()


def make_ledger(path: Path, events: int, seed: int) -> None:
    from ledger.demo import write_demo

    write_demo(path, events=events, seed=seed)
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
    finally:
        conn.close()


def child(code: str, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=str(ROOT),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def clean_duration(code: str, *args: str) -> float:
    t0 = time.perf_counter()
    proc = child(code, *args)
    _out, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"a clean run failed: {err.decode()}")
    return time.perf_counter() - t0


def kill_at(proc: subprocess.Popen[bytes], delay: float) -> bool:
    """SIGKILL ``proc`` after ``delay``; True when it was still running."""
    try:
        proc.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return True


def loop(kind: str, runs: int, events: int = 20_000, seed: int = 1, work: Path | None = None) -> dict[str, Any]:
    """Run the kill loop of ``kind`` (backup, restore, migration); its figures."""
    from ledger.backup import check_copy, list_backups

    rnd = random.Random(f"{kind}-{seed}")
    base = Path(tempfile.mkdtemp(prefix=f"kill9-{kind}-", dir=work))
    stats = {"operation": kind, "runs": runs, "kills_landed": 0, "integrity_failures": 0, "total_mismatches": 0}
    try:
        home = base / "home"
        home.mkdir(mode=0o700)
        live = home / "ledger.db"
        pristine = base / "pristine.db"
        make_ledger(pristine, events, seed)
        other = base / "other.db"
        if kind == "restore":
            make_ledger(other, events // 2, seed + 1)
        want_before = totals(pristine)
        want_after = totals(other) if kind == "restore" else want_before

        def args() -> tuple[str, ...]:
            if kind == "backup":
                return (BACKUP_CHILD, str(live), str(home))
            if kind == "restore":
                return (RESTORE_CHILD, str(live), str(other))
            return (MIGRATE_CHILD, str(live))

        def reset() -> None:
            for p in home.glob("ledger.db*"):
                p.unlink()
            shutil.copyfile(pristine, live)

        reset()
        duration = clean_duration(*args())
        for _ in range(runs):
            reset()
            proc = child(*args())
            stats["kills_landed"] += kill_at(proc, rnd.uniform(0, 1.2 * duration))
            if not integrity(live):
                stats["integrity_failures"] += 1
                continue
            if totals(live) not in (want_before, want_after):
                stats["total_mismatches"] += 1
            for b in list_backups(home):  # a backup left behind is whole, or absent
                if check_copy(b) is not None:
                    stats["integrity_failures"] += 1
            # The run to the end after the kill: the totals of a clean run.
            proc = child(*args())
            _out, err = proc.communicate()
            if proc.returncode != 0 or not integrity(live) or totals(live) != want_after:
                stats["total_mismatches"] += 1
            if kind == "migration" and version(live) != 2:
                stats["total_mismatches"] += 1
        stats["clean_duration_s"] = round(duration, 3)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return stats


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--events", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    results = [loop(kind, a.runs, a.events, a.seed) for kind in ("backup", "restore", "migration")]
    if a.json:
        print(json.dumps(results, indent=1))
        return
    print(f"{'operation':10} {'runs':>5} {'kills landed':>13} {'integrity failures':>19} {'total mismatches':>17}"
          f" {'clean run':>10}")
    for r in results:
        print(f"{r['operation']:10} {r['runs']:5d} {r['kills_landed']:13d} {r['integrity_failures']:19d} "
              f"{r['total_mismatches']:17d} {r['clean_duration_s']:9.3f}s")


if __name__ == "__main__":
    main()
