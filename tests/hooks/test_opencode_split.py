"""A large opencode database read shared with a helper process (``hooks.dbsource.Helper``,
``hooks.opencode.read_database``): exactly the serial read's batches (events, states,
skips, bytes), when the helper works, when it is killed, when the import is stopped
in the middle; and the import's reader processes use it."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest

from hooks import dbsource, opencode
from hooks.backfill import run_import
from hooks.sync import FastBackend
from ledger import fastpath
from ledger.events import as_row
from ledger.ingest import IngestResult
from tests.hooks import opencode_corpus as oc
from tests.hooks.test_backfill_workers import ledger_state

#: The message table without ``NOT NULL`` on ``session_id``: a message with no session
#: at all takes its first step's (``Message.session``), which a helper must not guess.
LOOSE_DDL = oc.DDL.replace("CREATE TABLE `message` (\n  `id` text PRIMARY KEY,\n  `session_id` text NOT NULL,",
                           "CREATE TABLE `message` (\n  `id` text PRIMARY KEY,\n  `session_id` text,")
T0 = 1_790_000_000_000


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of 8 steps, shared from 16 (the forked processes inherit the values)."""
    monkeypatch.setattr(opencode, "CHUNK_ROWS", 8)
    monkeypatch.setattr(opencode, "SPLIT_MIN_ROWS", 16)


def make_db(path: Path, orphan: bool = True) -> dict[str, Any]:
    """About 70 steps over 4 sessions, and in both halves of the read: steps of a
    message whose record is not JSON (one ``invalid-json`` skip per read, not one per
    process), steps of a message with no session whose parts name two (the first
    one's, unless ``orphan`` is False), a part that is not JSON, a step with float
    counts (the careful path)."""
    assert LOOSE_DDL != oc.DDL
    conn = oc.connect(path)
    conn.executescript(LOOSE_DDL)
    oc.add_project(conn, "prj_1", "/w", T0)
    rng = random.Random(5)
    ms = T0
    steps = 0
    conn.execute("BEGIN")
    for i in range(4):
        sid = f"ses_split_{i}"
        oc.add_session(conn, sid, "prj_1", f"/w/p{i}", ms)
        n, ms = oc.fill_session(conn, rng, sid, f"/w/p{i}", ms, 6, 40)
        steps += n
    early, late = T0 + 1000, ms + 5000
    bad, nos = "msg_0000000000aaabadrecord00", "msg_0000000000aaanosession00"
    conn.execute("INSERT INTO message (id, session_id, time_created, time_updated, data) VALUES (?, ?, ?, ?, ?)",
                 (bad, "ses_split_0", early, early, '{"role": "assistant", '))
    conn.execute("INSERT INTO message (id, session_id, time_created, time_updated, data) VALUES (?, NULL, ?, ?, ?)",
                 (nos, early, early, '{"role": "assistant", "modelID": "m-x", "providerID": "p", '
                  f'"time": {{"created": {early}, "completed": {late}}}}}'))
    for k, at in enumerate((early, late)):
        step = oc.step_finish(oc.tokens(3 + k, 4, 0, 5, 6), 0.5)
        oc.insert_part(conn, oc.ascending_id("prt", at, rng), bad, "ses_split_0", at, step)
        oc.insert_part(conn, oc.ascending_id("prt", at, rng), nos, f"ses_split_{k + 1 if orphan else 0}", at,
                       step)
        oc.insert_part(conn, oc.ascending_id("prt", at, rng), nos, "ses_split_0", at,
                       '{"type": "step-finish", "tokens": ')
    oc.insert_part(conn, oc.ascending_id("prt", late, rng), nos, f"ses_split_{2 if orphan else 0}", late,
                   oc.step_finish(oc.tokens(7.0, 8, 0, 0, 0), 0.25))  # type: ignore[arg-type]
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return {"steps": steps, "nos": nos}


def batches(db: Path, helper: dbsource.Helper | None, state: dict[str, Any] | None = None) -> list[Any]:
    """Every batch of a full read, as comparable values."""
    conn = dbsource.open_readonly(str(db))
    try:
        got = list(opencode.read_database(conn, state or {}, {}, opencode.fast_loads(), helper, str(db)))
    finally:
        if helper is not None:
            helper.close()
        conn.close()
    return [([as_row(e) for e in b.events], b.state, b.skips, b.nbytes) for b in got]


def test_a_shared_read_gives_exactly_the_serial_batches(tmp_path: Path) -> None:
    db = tmp_path / "opencode.db"
    made = make_db(db)
    serial = batches(db, None)
    helper = dbsource.Helper()  # before the database is opened, as sync_source does
    shared = batches(db, helper)
    assert helper.started  # the read was shared
    assert shared == serial
    events = [e for b in serial for e in b[0]]
    # The message record that is not JSON is counted once (pass 2 reads again a message
    # pass 1 could not use, without counting it again), the two parts that are not JSON
    # once each; the message's two steps have no message to take a model from.
    skips: dict[str, int] = {}
    for b in serial:
        for k, v in b[2].items():
            skips[k] = skips.get(k, 0) + v
    assert skips == {"invalid-json": 3, "no-message": 2}
    nos_events = sorted((e[3], e[5]) for e in events if e[1].startswith("prt_") and e[2] == "m-x")
    # The message without a session takes its first step's (ses_split_1) for all its steps.
    assert [s for _ts, s in nos_events] == ["ses_split_1"] * 3
    # Every generated step, and the three steps of the message without a session.
    assert len(events) == made["steps"] + 3


def test_a_helper_killed_at_work_costs_nothing(tmp_path: Path) -> None:
    """The helper dies (``kill -9``) as it starts: this process reads its half itself."""
    db = tmp_path / "opencode.db"
    make_db(db)
    serial = batches(db, None)

    class Doomed(dbsource.Helper):
        def start(self, work: Any, *args: Any) -> None:
            super().start(work, *args)
            os.kill(self.pid, signal.SIGKILL)

    helper = Doomed()
    assert batches(db, helper) == serial
    assert helper.started and helper.pid == 0


def test_a_helper_given_no_work_exits(tmp_path: Path) -> None:
    """A read too small to share: the helper is told so (an end of file) and exits 0."""
    db = tmp_path / "opencode.db"
    oc.create(db).close()
    helper = dbsource.Helper()
    pid = helper.pid
    assert batches(db, helper) == batches(db, None)
    assert not helper.started
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped by close()


class Stops(FastBackend):
    """The ledger, with the import stopped (an exception, as a kill leaves it) at a commit."""

    def __init__(self, conn: sqlite3.Connection, at: int) -> None:
        super().__init__(conn, first_import=True)
        self.at = at
        self.n = 0

    def commit(self, client: str, events: list[Any], positions: dict[str, Any]) -> IngestResult:
        self.n += 1
        if self.n == self.at:
            raise KeyboardInterrupt
        return super().commit(client, events, positions)


@pytest.mark.skipif(sys.platform == "darwin", reason="no reader processes on macOS")
def test_the_import_shares_the_read_and_a_stop_in_the_middle_loses_and_doubles_nothing(
        tmp_path: Path, home: Path) -> None:
    """Reader processes (workers=2, a database and a storage tree) allow a helper: the
    ledger is the serial import's; an import stopped after a few commits, then run
    again, ends with the same ledger (no event lost, none counted twice)."""
    fx = oc.build_fixture(tmp_path / "fx")
    data = Path(fx["db"]).parent
    (data / "opencode-dev.db").unlink()
    Path(fx["db"]).unlink()
    for suffix in ("-wal", "-shm"):
        Path(str(fx["db"]) + suffix).unlink(missing_ok=True)
    # Every step of the message without a session names the same one: a read that
    # starts again past the first (after the stop) gives them the same session.
    make_db(Path(fx["db"]), orphan=False)
    started: list[int] = []

    def counted(self: dbsource.Helper, work: Any, *args: Any) -> None:
        os.write(fd, b"x")
        original(self, work, *args)

    r, fd = os.pipe()
    original = dbsource.Helper.start
    try:
        dbsource.Helper.start = counted  # type: ignore[method-assign]
        serial_db, shared_db, stopped_db = (tmp_path / n for n in ("serial.db", "shared.db", "stopped.db"))
        for db, workers in ((serial_db, 1), (shared_db, 2)):
            conn = fastpath.open_ledger(db, timeout=10)
            try:
                run_import(FastBackend(conn, first_import=True), "opencode", [data], workers=workers)
            finally:
                conn.close()
        os.set_blocking(r, False)
        started.append(len(os.read(r, 100)))
        conn = fastpath.open_ledger(stopped_db, timeout=10)
        try:
            with pytest.raises(KeyboardInterrupt):
                run_import(Stops(conn, 3), "opencode", [data], workers=2, flush_bytes=1)
            stopped_at = conn.execute("SELECT count(*) FROM events").fetchone()[0]
            run_import(FastBackend(conn), "opencode", [data], workers=2)
        finally:
            conn.close()
    finally:
        dbsource.Helper.start = original  # type: ignore[method-assign]
        os.close(r)
        os.close(fd)
    assert started == [1]  # the database's reader shared its read once
    assert ledger_state(shared_db) == ledger_state(serial_db)
    assert 0 < stopped_at < len(ledger_state(serial_db)[0])  # stopped in the middle
    assert ledger_state(stopped_db)[0] == ledger_state(serial_db)[0]


@pytest.mark.skipif(sys.platform == "darwin", reason="no fork on macOS")
def test_a_lone_database_shares_its_read_with_cpus_to_spare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One source to import (an opencode data folder with its database only) is read in
    the importing process, which shares the read when it has CPUs to spare
    (``$TOKENPRINT_IMPORT_WORKERS`` 2 here): the ledger of a serial read."""
    db = tmp_path / "opencode.db"
    make_db(db)
    r, fd = os.pipe()
    original = dbsource.Helper.start

    def counted(self: dbsource.Helper, work: Any, *args: Any) -> None:
        os.write(fd, b"x")
        original(self, work, *args)

    try:
        monkeypatch.setattr(dbsource.Helper, "start", counted)
        for name, workers in (("serial.db", "1"), ("shared.db", "2")):
            monkeypatch.setenv("TOKENPRINT_IMPORT_WORKERS", workers)
            conn = fastpath.open_ledger(tmp_path / name, timeout=10)
            try:
                run_import(FastBackend(conn, first_import=True), "opencode", [db])
            finally:
                conn.close()
        os.set_blocking(r, False)
        assert os.read(r, 100) == b"x"
    finally:
        os.close(r)
        os.close(fd)
    assert ledger_state(tmp_path / "shared.db") == ledger_state(tmp_path / "serial.db")


def test_a_helper_where_two_readers_would_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """``backfill.helper_count``: one when two readers would be used (two CPUs and a
    large import, or readers asked for), never for one reader or a small import; the
    machine's load does not decide (the reader processes are not held back either)."""
    from hooks.backfill import WORKERS_ENV, helper_count

    monkeypatch.delenv(WORKERS_ENV, raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1})
    big = 64 << 20
    assert (helper_count(None, big), helper_count(None, 1 << 20), helper_count(1, big), helper_count(2, 10)) \
        == (1, 0, 0, 1)
    monkeypatch.setattr(os, "getloadavg", lambda: (7.5, 0.0, 0.0))  # 2 CPUs, busy: the same
    assert helper_count(None, big) == 1
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0})
    assert helper_count(None, big) == 0
    monkeypatch.setenv(WORKERS_ENV, "2")
    assert helper_count(None, 10) == 1
    monkeypatch.setenv(WORKERS_ENV, "1")
    assert helper_count(None, big) == 0
