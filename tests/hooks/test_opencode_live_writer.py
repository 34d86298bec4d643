"""A running opencode: a writer process holds the database open in WAL mode and writes.

The writer inserts step-finish parts in a loop (each insert timed), and at times holds a
read transaction, and a write transaction, for a while. Meanwhile ``tokenprint import``
and the hook read the database over and over. They must neither block it (its worst
insert stays fast: readers of a WAL database never lock the writer out) nor fail (the
writer's open transaction is not visible to them and does not keep them waiting).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.conftest import TOKENPRINT_HOOK, run
from tests.hooks import opencode_corpus as oc

WRITER = r"""
import json, sqlite3, sys, time, random
sys.path.insert(0, sys.argv[3])
from tests.hooks import opencode_corpus as oc
db, stop = sys.argv[1], sys.argv[2]
conn = oc.connect(db)
rng = random.Random(5)
sid, mid = "ses_live", "msg_live"
n, worst, held = 0, 0.0, {"read": 0, "write": 0}
ms = oc.DAY2
import os
while not os.path.exists(stop):
    n += 1
    ms += 1000
    t0 = time.perf_counter()
    oc.insert_part(conn, oc.ascending_id("prt", ms, rng), mid, sid, ms, oc.step_finish(oc.tokens(1, 1), 0.0))
    worst = max(worst, time.perf_counter() - t0)
    if n % 25 == 0:  # a read transaction held for a while (opencode reading a session)
        conn.execute("BEGIN")
        conn.execute("SELECT count(*) FROM part").fetchone()
        time.sleep(0.15)
        conn.execute("COMMIT")
        held["read"] += 1
    if n % 40 == 0:  # a write transaction held for a while (a step being written)
        conn.execute("BEGIN IMMEDIATE")
        oc.insert_part(conn, oc.ascending_id("prt", ms, rng), mid, sid, ms, oc.step_finish(oc.tokens(1, 1), 0.0))
        time.sleep(0.2)
        conn.execute("COMMIT")
        n += 1
        held["write"] += 1
    time.sleep(0.002)
conn.close()
print(json.dumps({"inserts": n, "worst": worst, "held": held}))
"""


def test_import_and_hook_neither_block_the_writer_nor_fail(tmp_path: Path, home: Path) -> None:
    data = tmp_path / "data" / "opencode"
    data.mkdir(parents=True)
    db = data / "opencode.db"
    conn = oc.create(db)
    oc.add_project(conn, "prj_live", "/p/live", oc.DAY2)
    oc.add_session(conn, "ses_live", "prj_live", "/p/live", oc.DAY2)
    oc.insert_message(conn, "msg_live", "ses_live", oc.DAY2,
                      oc.assistant_message("ses_live", oc.DAY2, oc.SONNET, "anthropic", "/p/live", oc.tokens(0, 0),
                                           0.0, None))
    conn.close()
    env = {"HOME": str(tmp_path / "user"), "XDG_DATA_HOME": str(tmp_path / "data")}
    stop = tmp_path / "stop"
    root = str(Path(__file__).resolve().parents[2])
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(stop), root],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    body = json.dumps({"hook_event_name": "session.idle", "session_id": "ses_live", "directory": "/p/live"})
    try:
        time.sleep(0.3)
        deadline = time.monotonic() + 3.0
        imports = hooks = 0
        while time.monotonic() < deadline:
            proc = run("import", "opencode", env=env)
            assert proc.returncode == 0, proc.stderr
            assert "unreadable" not in proc.stdout, proc.stdout
            imports += 1
            proc = run("opencode", input=body, env=env, exe=TOKENPRINT_HOOK)
            assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
            hooks += 1
    finally:
        stop.touch()
        out, err = writer.communicate(timeout=30)
    assert writer.returncode == 0, err
    stats: dict[str, Any] = json.loads(out)
    assert imports >= 2 and hooks >= 2
    assert stats["held"]["read"] >= 1 and stats["held"]["write"] >= 1
    # Our reads never kept the writer waiting: its worst insert is a disk write, not a lock wait
    # (a lock wait would be our read's length, or the 5 s busy timeout).
    print("writer:", stats)
    assert stats["worst"] < 0.5, stats
    # Nothing failed: no hook error, and a last import sees every step the writer committed.
    log = home / "logs" / "hook.log"
    assert not log.exists() or "locked" not in log.read_text()
    proc = run("import", "opencode", env=env)
    assert proc.returncode == 0, proc.stderr
    check = sqlite3.connect(home / "ledger.db")
    got = check.execute("SELECT count(*), sum(input_tokens) FROM events").fetchone()
    check.close()
    assert got == (stats["inserts"], stats["inserts"])
