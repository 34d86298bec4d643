"""``tokenprint import`` in reader processes (``hooks.backfill``): the same ledger,
positions and summary as a read in one process, on every client's trap corpus;
a reader process that dies costs only the rest of its file; a failed commit stops
them all; and the CLI uses them on a large import (``$TOKENPRINT_IMPORT_WORKERS``)."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import subprocess
import sys
import types
from pathlib import Path

import pytest

from hooks import backfill
from hooks.backfill import run_import, summary, worker_count
from hooks.sync import FastBackend
from ledger import fastpath
from ledger.ingest import IngestResult
from tests.conftest import run
from tests.hooks import codex_corpus, corpus, gemini_corpus
from tests.hooks import opencode_corpus as oc

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"


def ledger_state(db: Path) -> tuple[list[tuple], list[tuple]]:
    """Every event (all columns but the rowid) and every source row (but when it was written), sorted."""
    conn = sqlite3.connect(db)
    try:
        ecols = [r[1] for r in conn.execute("PRAGMA table_info(events)") if r[1] != "id"]
        scols = [r[1] for r in conn.execute("PRAGMA table_info(sources)") if r[1] not in ("id", "updated_ts")]
        events = sorted(conn.execute(f"SELECT {', '.join(ecols)} FROM events").fetchall(), key=repr)
        quoted = ", ".join(f'"{c}"' for c in scols)
        srcs = sorted(conn.execute(f"SELECT {quoted} FROM sources").fetchall(), key=repr)
    finally:
        conn.close()
    return events, srcs


def import_into(db: Path, client: str, paths: list[Path], workers: int, first_import: bool = False,
                **kw) -> str:
    conn = fastpath.open_ledger(db, timeout=10)
    try:
        t = run_import(FastBackend(conn, first_import=first_import), client, paths, workers=workers, **kw)
    finally:
        conn.close()
    return summary(client, t)


def gen(kind: str, out: Path, mb: float, seed: int) -> Path:
    subprocess.run([sys.executable, str(BENCH / f"gen_{kind}_corpus.py"), str(out), "--mb", str(mb),
                    "--seed", str(seed)], check=True, capture_output=True)
    return out


def corpora(tmp: Path) -> list[tuple[str, list[Path]]]:
    """Each client's trap fixture and a small generated corpus with every trap of the benches."""
    out: list[tuple[str, list[Path]]] = []
    corpus.build(tmp / "claude")
    out.append(("claude-code", [tmp / "claude"]))
    codex_corpus.build(tmp / "codex")
    out.append(("codex", [tmp / "codex"]))
    gemini_corpus.build(tmp / "gemini")
    out.append(("gemini-cli", [tmp / "gemini" / ".gemini"]))
    fx = oc.build_fixture(tmp / "opencode")
    out.append(("opencode", [Path(fx["db"]).parent, Path(fx["custom"])]))
    out.append(("claude-code", [gen("claude", tmp / "gclaude", 3, 5)]))
    out.append(("codex", [gen("codex", tmp / "gcodex", 3, 5)]))
    out.append(("gemini-cli", [gen("gemini", tmp / "ggemini", 3, 5) / ".gemini"]))
    out.append(("opencode", [gen("opencode", tmp / "gopencode", 3, 5) / "opencode"]))
    return out


def test_reader_processes_give_the_same_ledger_positions_and_summary(tmp_path: Path) -> None:
    """Serial and parallel imports of every client's traps (copies of one rollout in
    two places, forks, .zst, repeated Gemini copies, opencode's database and storage
    tree...) agree row for row, position for position, word for word; so does the
    import of what was appended afterwards."""
    for n, (client, paths) in enumerate(corpora(tmp_path / "src")):
        # Tiny pieces and commits: files interleave, pieces wait for their turn.
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(backfill, "STREAM_BYTES", 2048)
            mp.setattr(backfill, "STREAM_EVENTS", 3)
            mp.setattr(backfill, "COMMIT_EVENTS", 5)
            one = import_into(tmp_path / f"one-{n}.db", client, paths, workers=1, flush_bytes=4096)
            many = import_into(tmp_path / f"many-{n}.db", client, paths, workers=3, flush_bytes=4096)
            # What `tokenprint import` runs: ids looked up only among those this import wrote.
            first = import_into(tmp_path / f"first-{n}.db", client, paths, workers=3, flush_bytes=4096,
                                first_import=True)
        assert "new event" in one and " 0 new events" not in one.split(",")[1], one
        assert many == one, client
        assert first == one, client
        assert ledger_state(tmp_path / f"many-{n}.db") == ledger_state(tmp_path / f"one-{n}.db"), client
        assert ledger_state(tmp_path / f"first-{n}.db") == ledger_state(tmp_path / f"one-{n}.db"), client
        again = import_into(tmp_path / f"many-{n}.db", client, paths, workers=3, first_import=True)
        assert "0 new events, 0 updated" in again, again


def test_a_reader_process_killed_on_a_file_costs_only_the_rest_of_that_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader process that dies (here it kills itself, as the OOM killer would) on
    one file: what it had sent of that file is kept with its position, the file is
    named and counted, every other file is read (by the others, then here when none
    is left), and the next import reads the rest of it."""
    logs = tmp_path / "logs"
    logs.mkdir()
    for k in range(6):
        lines = [f"{k}-{j} 10 20\n" for j in range(40)]
        if k == 2:
            lines.insert(30, "DIE\n")
        (logs / f"{k}.log").write_text("".join(lines))

    def parse(data: bytes, at_eof: bool, loads=None):  # noqa: ANN001
        from hooks.tail import Parsed
        from ledger.events import Event

        events, consumed = [], 0
        for raw in data.splitlines(keepends=True):
            if not raw.endswith(b"\n"):
                break
            if raw == b"DIE\n" and os.environ.get("TP_DIE") and multiprocessing.parent_process() is not None:
                os._exit(9)
            consumed += len(raw)
            if raw != b"DIE\n":
                ident, inp, out = raw.split()
                events.append(Event("fake", ident.decode(), "m", 1_780_000_000_000, input_tokens=int(inp),
                                    output_tokens=int(out)))
        return Parsed(events, consumed)

    mod = types.ModuleType("tp_fake_reader")
    mod.CLIENT = "fake"  # type: ignore[attr-defined]
    mod.parse = parse  # type: ignore[attr-defined]
    mod.default_roots = lambda env=None: [logs]  # type: ignore[attr-defined]
    mod.transcripts = lambda paths: sorted(str(p) for d in paths for p in Path(d).glob("*.log"))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tp_fake_reader", mod)
    monkeypatch.setitem(backfill.ADAPTERS, "fake", "tp_fake_reader")
    monkeypatch.setenv("TP_DIE", "1")
    from hooks.sync import Syncer

    # Read in chunks of 64 bytes, each sent as soon as it is read: the dying file has sent some.
    monkeypatch.setitem(Syncer.__init__.__kwdefaults__, "chunk_bytes", 64)
    monkeypatch.setattr(backfill, "STREAM_EVENTS", 1)
    db = tmp_path / "ledger.db"
    conn = fastpath.open_ledger(db, timeout=10)
    try:
        t = run_import(FastBackend(conn), "fake", None, workers=2, flush_bytes=1 << 30)
        assert t.errors == 1, t.error_messages
        assert any("2.log: the reader process stopped while reading it" in m for m in t.error_messages)
        got = {r[0] for r in conn.execute("SELECT event_id FROM events")}
        want_others = {f"{k}-{j}" for k in (0, 1, 3, 4, 5) for j in range(40)}
        assert want_others <= got
        kept = {e for e in got if e.startswith("2-")}
        assert kept and kept < {f"2-{j}" for j in range(30)}  # what it had sent, no more
        offset = conn.execute("SELECT \"offset\" FROM sources WHERE path LIKE '%2.log'").fetchone()[0]
        assert 0 < offset < (logs / "2.log").stat().st_size
        monkeypatch.delenv("TP_DIE")
        t2 = run_import(FastBackend(conn), "fake", None, workers=2)
        assert t2.errors == 0 and t2.read == 1
        got = {r[0] for r in conn.execute("SELECT event_id FROM events")}
        assert {f"2-{j}" for j in range(40)} <= got
    finally:
        conn.close()
    assert not multiprocessing.active_children()


def test_a_failed_commit_stops_every_reader_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    codex = tmp_path / "codex"
    codex_corpus.build(codex)
    monkeypatch.setattr(backfill, "STREAM_EVENTS", 1)
    monkeypatch.setattr(backfill, "COMMIT_EVENTS", 1)

    class Failing:
        calls = 0

        def load_positions(self, client: str, paths: list[str] | None) -> dict:
            return {}

        def commit(self, client: str, events: list, positions: dict) -> IngestResult:
            Failing.calls += 1
            raise sqlite3.OperationalError("disk I/O error")

    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        run_import(Failing(), "codex", [codex], workers=2)
    assert Failing.calls == 1
    assert not multiprocessing.active_children()


def test_worker_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(backfill.WORKERS_ENV, raising=False)
    assert worker_count(100, backfill.PARALLEL_MIN_BYTES - 1) == 1  # small: read here
    cpus = len(os.sched_getaffinity(0))
    assert worker_count(100, 1 << 30) == max(1, min(cpus, backfill.MAX_WORKERS))
    assert worker_count(1, 1 << 30) == 1
    monkeypatch.setenv(backfill.WORKERS_ENV, "3")
    assert worker_count(100, 10) == 3  # asked for: even for a small import
    monkeypatch.setenv(backfill.WORKERS_ENV, "1")
    assert worker_count(100, 1 << 30) == 1
    monkeypatch.setenv(backfill.WORKERS_ENV, "lots")
    assert worker_count(100, 1 << 30) == 1


def test_the_cli_imports_in_reader_processes(tmp_path: Path, home: Path) -> None:
    """``tokenprint import`` as a subprocess, with reader processes asked for: the same
    summary and ledger as with none."""
    src = gen("codex", tmp_path / "codex", 2, 7)
    one = run("import", "codex", str(src), "--no-progress", "--home", str(tmp_path / "h1"),
              env={backfill.WORKERS_ENV: "1"})
    two = run("import", "codex", str(src), "--no-progress", "--home", str(tmp_path / "h2"),
              env={backfill.WORKERS_ENV: "2"})
    assert one.returncode == 0 and two.returncode == 0, one.stderr + two.stderr
    assert one.stdout == two.stdout and "new events" in one.stdout
    assert ledger_state(tmp_path / "h1" / "ledger.db") == ledger_state(tmp_path / "h2" / "ledger.db")


def _children(pid: int) -> set[int]:
    """The live child processes of ``pid`` (Linux /proc)."""
    out: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:
            pass
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_kill_9_of_a_parallel_import_leaves_no_reader_behind_and_loses_nothing(tmp_path: Path, home: Path) -> None:
    """``kill -9`` of ``tokenprint import`` while its reader processes run: they stop
    by themselves (at their next send, silently), and the next import gives exactly
    the corpus's totals."""
    import json
    import signal
    import time

    from tests.conftest import TOKENPRINT
    from tests.hooks.helpers import buckets

    config = gen("claude", tmp_path / "claude", 40, 3)
    expected = {tuple(k.split("|", 1)): v for k, v in
                json.loads((config / "expected.json").read_text())["days"].items()}
    env = {**os.environ, "TOKENPRINT_HOME": str(home), backfill.WORKERS_ENV: "2"}
    err = tmp_path / "stderr"
    with err.open("wb") as stderr:
        proc = subprocess.Popen([TOKENPRINT, "import", "claude-code", str(config), "--no-progress"],
                                env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        readers: set[int] = set()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(readers) < 2 and proc.poll() is None:
            readers |= _children(proc.pid)
            time.sleep(0.01)
        assert len(readers) == 2, "the import never started its reader processes"
        time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(r) for r in readers):
            time.sleep(0.05)
    assert not any(_alive(r) for r in readers), "a reader process outlived the import"
    assert err.read_bytes() == b""
    out = run("import", "claude-code", str(config), "--no-progress", env={backfill.WORKERS_ENV: "2"})
    assert out.returncode == 0, out.stderr
    assert buckets(home / "ledger.db") == expected
