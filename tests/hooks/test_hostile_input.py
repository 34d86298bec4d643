"""Issue 10, ingestion: hostile lines, FIFOs, rewritten files, typeless lines, files
removed mid-read. Real files, real SQLite, the hook and ``tokenprint`` as subprocesses.

Each test reproduces one probe of the issue exactly and checks what is stored, the
reason the skipped line is counted under, and that nothing stored before is lost.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from hooks import claude_code
from hooks.backfill import run_import, summary
from hooks.sync import FastBackend, Syncer
from ledger import fastpath
from tests.conftest import TOKENPRINT, TOKENPRINT_HOOK, run
from tests.hooks import corpus
from tests.hooks.helpers import buckets, sources, sync_all

TS = "2025-09-28T10:00:00.000Z"
DAY = "2025-09-28"
DEEP = b'{"usage":' + b"[" * 100_000 + b"]" * 100_000 + b"}"


def good(msg_id: str, inp: int = 1, out: int = 2, ts: str = TS, session: str = "s") -> str:
    return corpus.compact(corpus.assistant(session, "/p", ts, corpus.SONNET,
                                           corpus.usage(inp, 0, 0, out), msg_id=msg_id))


def with_usage(msg_id: str, **counts: Any) -> str:
    """A response line whose usage holds ``counts`` as written (``10**30``, ``1e300``...)."""
    line = good(msg_id)
    for name, text in counts.items():
        line, n = re.subn(f'"{name}":\\d+,', f'"{name}":{text},', line)
        assert n == 1, line
    return line


def hostile_lines() -> list[bytes]:
    """The issue's probes, each between good lines."""
    return [
        good("g1").encode(),
        DEEP,
        good("g2").encode(),
        with_usage("big-int", input_tokens="1" + "0" * 30).encode(),
        good("g3").encode(),
        with_usage("big-float", output_tokens="1e300").encode(),
        good("g4").encode(),
        good("old", ts="0001-01-01T00:00:00Z").encode(),
        good("future", ts="9999-12-31T23:59:59.999Z").encode(),
        good("g5").encode(),
    ]


def stop_payload(path: Path, **extra: object) -> str:
    return json.dumps({"session_id": "s", "transcript_path": str(path), "cwd": "/p",
                       "hook_event_name": "Stop", "permission_mode": "default",
                       "stop_hook_active": False, **extra})


def hook(payload: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return run("claude-code", input=payload, exe=TOKENPRINT_HOOK, timeout=timeout)


def ids(db: Path) -> set[str]:
    conn = sqlite3.connect(db)
    try:
        return {r[0] for r in conn.execute("SELECT event_id FROM events")}
    finally:
        conn.close()


# -- defect 1: one bad line stops ingestion for good ---------------------------------------


@pytest.mark.parametrize("fast", [False, True], ids=["stdlib", "msgspec"])
def test_a_bad_line_is_skipped_counted_and_the_lines_around_it_read(fast: bool) -> None:
    loads = claude_code.fast_loads() if fast else json.loads
    if loads is None:
        pytest.skip("msgspec not installed")
    data = b"\n".join(hostile_lines()) + b"\n"
    p = claude_code.parse(data, at_eof=True, loads=loads)
    assert p.consumed == len(data)
    assert sorted(e.event_id for e in p.events) == ["g1", "g2", "g3", "g4", "g5"]
    assert p.skips == {"too-deep": 1, "absurd-count": 2, "far-instant": 2}


def test_a_deep_unterminated_last_line_is_consumed_and_counted() -> None:
    data = good("g1").encode() + b"\n" + DEEP
    p = claude_code.parse(data, at_eof=True)
    assert (p.consumed, [e.event_id for e in p.events], p.skips) == (len(data), ["g1"], {"too-deep": 1})


def test_the_hook_commits_the_good_lines_and_moves_past_the_bad_ones(tmp_path: Path, home: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_bytes(b"\n".join(hostile_lines()) + b"\n")
    proc = hook(stop_payload(path))
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    db = home / "ledger.db"
    assert ids(db) == {"g1", "g2", "g3", "g4", "g5"}
    pos = sources(db)[str(path)]
    assert pos["offset"] == path.stat().st_size
    assert pos["reasons"] == {"too-deep": 1, "absurd-count": 2, "far-instant": 2}
    with open(path, "a") as f:
        f.write(good("g6") + "\n")
    assert hook(stop_payload(path)).returncode == 0
    assert ids(db) == {"g1", "g2", "g3", "g4", "g5", "g6"}
    last = json.loads((home / "logs" / "hook-claude-code.json").read_text())
    assert last["ok"] is True


def test_import_goes_on_with_every_other_file(tmp_path: Path, home: Path) -> None:
    config = tmp_path / "claude"
    files = corpus.build(config)
    bad = files["a"].parent / "hostile.jsonl"
    bad.write_bytes(b"\n".join(hostile_lines()) + b"\n")
    proc = run("import", "claude-code", str(config), "--no-progress")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    line = proc.stdout.strip()
    assert "5 files (5 read" in line
    assert "1 nested too deep" in line and "2 count above the maximum per request" in line
    assert "2 instant outside the accepted window" in line
    expected = {k: dict(v) for k, v in corpus.EXPECTED.items()}
    got = buckets(home / "ledger.db")
    extra = got[(DAY, corpus.SONNET)]
    base = expected[(DAY, corpus.SONNET)]
    assert extra["requests"] - base["requests"] == 5  # g1..g5
    assert extra["input_tokens"] - base["input_tokens"] == 5
    del got[(DAY, corpus.SONNET)], expected[(DAY, corpus.SONNET)]
    assert got == expected
    assert len(got) == len(corpus.EXPECTED) - 1  # nothing dated year 1 or 9999


def test_a_count_of_the_maximum_is_kept_and_one_above_is_skipped() -> None:
    limit = claude_code.MAX_TOKENS  # ledger.events.MAX_TOKENS_PER_REQUEST
    at = with_usage("at", cache_read_input_tokens=str(limit))
    above = with_usage("above", cache_read_input_tokens=str(limit + 1))
    p = claude_code.parse((at + "\n" + above + "\n").encode(), at_eof=True)
    assert [e.event_id for e in p.events] == ["at"] and p.skips == {"absurd-count": 1}


# -- defect 3: a FIFO hangs the hook and the status line -----------------------------------


def _fifo_beside_a_transcript(tmp_path: Path) -> tuple[Path, Path]:
    session = tmp_path / "projects" / "-p" / "s"
    transcript = session.with_suffix(".jsonl")
    (session / "subagents").mkdir(parents=True)
    transcript.write_text(good("turn-1") + "\n")
    fifo = session / "subagents" / "agent-x.jsonl"
    os.mkfifo(fifo)
    return transcript, fifo


def _timed(args: list[str], stdin: str, timeout: float = 10) -> tuple[float, subprocess.CompletedProcess[str]]:
    t0 = time.monotonic()
    proc = subprocess.run(args, input=stdin, capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ))
    return time.monotonic() - t0, proc


def test_a_fifo_among_subagents_neither_blocks_the_hook_nor_the_status_line(
    tmp_path: Path, home: Path
) -> None:
    transcript, _fifo = _fifo_beside_a_transcript(tmp_path)
    elapsed, proc = _timed([TOKENPRINT_HOOK, "claude-code"], stop_payload(transcript))
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert elapsed < 3.0  # about 0.2 s here; a blocked open() never returns
    assert ids(home / "ledger.db") == {"turn-1"}
    with open(transcript, "a") as f:
        f.write(good("turn-2") + "\n")
    elapsed, proc = _timed([TOKENPRINT, "statusline"], stop_payload(transcript))
    assert proc.returncode == 0 and proc.stdout.startswith("🌍"), proc.stderr
    assert elapsed < 10.0
    assert ids(home / "ledger.db") == {"turn-1", "turn-2"}  # its catch-up read the transcript
    elapsed, proc = _timed([TOKENPRINT, "import", "claude-code", str(tmp_path), "--no-progress"], "")
    assert proc.returncode == 0, proc.stderr
    assert "1 file (0 read, 1 unchanged)" in proc.stdout  # the FIFO is not even listed
    elapsed, proc = _timed([TOKENPRINT, "import", "claude-code", str(_fifo), "--no-progress"], "")
    assert proc.returncode == 0, proc.stderr


def test_the_reader_refuses_a_fifo_swapped_in_after_the_stat(tmp_path: Path) -> None:
    """The TOCTOU race: a regular file was stat()ed, then replaced by a FIFO."""
    path = tmp_path / "agent-x.jsonl"
    path.write_text(good("m") + "\n")
    st = os.stat(path)
    path.unlink()
    os.mkfifo(path)
    done: list[Syncer] = []
    worker = threading.Thread(
        target=lambda: done.append(sync_files_with_stat(tmp_path / "l.db", str(path), st)), daemon=True
    )
    worker.start()
    worker.join(5)
    if worker.is_alive():  # release the blocked open() before failing
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(5)
        pytest.fail("reading a FIFO blocked in open()")
    (s,) = done
    assert (s.totals.irregular, s.totals.read, s.totals.result.new) == (1, 0, 0)
    assert s.totals.error_messages == [f"{path}: a FIFO, not a regular file: not read"]
    assert "1 not a regular file" in summary("claude-code", s.totals)


def sync_files_with_stat(db: Path, path: str, st: os.stat_result) -> Syncer:
    conn = fastpath.open_ledger(db)
    try:
        syncer = Syncer(FastBackend(conn), "claude-code", claude_code.parse)
        syncer.sync(path, None, st)
        syncer.flush()
        return syncer
    finally:
        conn.close()


def test_discovery_lists_regular_files_only(tmp_path: Path) -> None:
    transcript, fifo = _fifo_beside_a_transcript(tmp_path)
    assert claude_code.transcripts([tmp_path]) == [str(transcript)]
    assert claude_code.hook_paths({"transcript_path": str(transcript)}) == [str(transcript)]
    link = fifo.parent / "agent-link.jsonl"
    link.symlink_to(fifo)
    assert claude_code.hook_paths({"transcript_path": str(transcript)}) == [str(transcript)]


# -- defect 10: truncated and regrown with the same inode and first 4 KiB ------------------


def _head() -> str:
    """Over 4 KiB of lines that every version of the file starts with."""
    return "".join(corpus.compact({"type": "summary", "summary": f"title {i:04d} " + "x" * 80,
                                   "leafUuid": str(i)}) + "\n" for i in range(50))


def test_a_truncated_and_regrown_file_with_the_same_head_is_read_again(tmp_path: Path, home: Path) -> None:
    path = tmp_path / "s.jsonl"
    head = _head()
    assert len(head) > 4096
    path.write_text(head + "".join(good(f"old-{i:05d}") + "\n" for i in range(2449)))
    assert hook(stop_payload(path)).returncode == 0
    inode = path.stat().st_ino
    with open(path, "r+") as f:  # same inode: truncated, then regrown past the old size
        f.truncate(0)
        f.write(head + "".join(good(f"new-{i:05d}") + "\n" for i in range(3000)))
    assert path.stat().st_ino == inode
    assert hook(stop_payload(path)).returncode == 0
    stored = ids(home / "ledger.db")
    assert len({i for i in stored if i.startswith("new-")}) == 3000
    assert len({i for i in stored if i.startswith("old-")}) == 2449  # nothing stored lost
    assert sources(home / "ledger.db")[str(path)]["offset"] == path.stat().st_size


def test_a_rewrite_in_place_of_the_same_size_is_noticed(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    head = _head()
    path.write_text(head + good("m-aaaa") + "\n")
    db = tmp_path / "l.db"
    sync_all(db, [str(path)])
    with open(path, "r+") as f:
        f.write(head + good("m-bbbb") + "\n")  # same length, same head, new message
    s = sync_all(db, [str(path)])
    assert s.totals.restarted == 1
    assert ids(db) == {"m-aaaa", "m-bbbb"}


def test_an_append_reads_only_what_is_new_and_an_unchanged_file_is_not_opened(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text(_head() + good("m1") + "\n")
    db = tmp_path / "l.db"
    sync_all(db, [str(path)])
    size = path.stat().st_size
    with open(path, "a") as f:
        f.write(good("m2") + "\n")
    s = sync_all(db, [str(path)])
    assert (s.totals.restarted, s.totals.bytes) == (0, path.stat().st_size - size)
    s = sync_all(db, [str(path)])
    assert (s.totals.unchanged, s.totals.read, s.totals.bytes) == (1, 0, 0)


# -- defect 14: usage dropped without a word ------------------------------------------------


def _typeless(msg_id: str) -> str:
    rec = json.loads(good(msg_id, inp=7, out=9))
    del rec["type"]
    return corpus.compact(rec)


@pytest.mark.parametrize("fast", [False, True], ids=["stdlib", "msgspec"])
def test_a_line_with_usage_but_no_type_is_counted(fast: bool) -> None:
    loads = claude_code.fast_loads() if fast else json.loads
    if loads is None:
        pytest.skip("msgspec not installed")
    p = claude_code.parse((_typeless("m-typeless") + "\n").encode(), at_eof=True, loads=loads)
    (ev,) = p.events
    assert (ev.event_id, ev.model, ev.input_tokens, ev.output_tokens) == ("m-typeless", corpus.SONNET, 7, 9)
    assert p.skips == {}


@pytest.mark.parametrize("fast", [False, True], ids=["stdlib", "msgspec"])
def test_every_line_passed_over_with_usage_is_counted_under_its_reason(fast: bool) -> None:
    loads = claude_code.fast_loads() if fast else json.loads
    if loads is None:
        pytest.skip("msgspec not installed")
    user_with_usage = json.loads(good("u1"))
    user_with_usage["type"] = "user"
    bad_usage = json.loads(good("u2"))
    bad_usage["message"]["usage"] = [1, 2]
    lines = [
        corpus.compact(user_with_usage),  # its type says it is not an assistant record
        corpus.compact(bad_usage),  # usage that is not an object
        good("u3").replace(corpus.SONNET, "x" * 5000),  # a model id longer than any
        corpus.compact(corpus.user("s", "/p", TS, "no usage here")),  # no usage: not a skip
    ]
    p = claude_code.parse(("\n".join(lines) + "\n").encode(), at_eof=True, loads=loads)
    assert p.events == []
    assert p.skips == {"not-assistant": 1, "bad-usage": 1, "long-text": 1}


def test_import_counts_typeless_lines(tmp_path: Path, home: Path) -> None:
    path = tmp_path / "projects" / "-p" / "s.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text(good("m1") + "\n" + _typeless("m2") + "\n")
    proc = run("import", "claude-code", str(tmp_path), "--no-progress")
    assert proc.returncode == 0, proc.stderr
    assert "2 new events" in proc.stdout and "0 lines skipped" in proc.stdout
    assert buckets(home / "ledger.db")[(DAY, corpus.SONNET)]["input_tokens"] == 8


# -- fault: a file removed (or replaced) while it is read ---------------------------------


def test_files_removed_and_replaced_mid_read(tmp_path: Path, home: Path) -> None:
    config = tmp_path / "claude"
    files = corpus.build(config)
    db = home / "ledger.db"
    conn = fastpath.open_ledger(db)
    backend = FastBackend(conn)
    try:
        run_import(backend, "claude-code", [config])
        before = buckets(db)
        assert before == corpus.EXPECTED
        # three files grow; one is removed, one replaced after the first chunk read from it
        doomed, swapped = files["a"], files["c"]
        for path, msg in ((doomed, "late-a"), (swapped, "late-c"), (files["s"], "late-s")):
            with open(path, "a") as f:
                f.write("\n" + good(msg, inp=1000) + "\n" + good(msg + "-2", inp=1000) + "\n")
        current: dict[str, str] = {}

        def on_bytes(_n: int) -> None:
            path = current.pop("path", None)  # once per file
            if path == str(doomed):
                doomed.unlink()
            elif path == str(swapped):
                tmp = swapped.with_suffix(".new")
                tmp.write_text(good("replacement") + "\n")
                os.replace(tmp, swapped)

        syncer = Syncer(backend, "claude-code", claude_code.parse, chunk_bytes=64,
                        flush_bytes=1, on_bytes=on_bytes)
        positions = backend.load_positions("claude-code", None)
        for name in claude_code.transcripts([config]):
            current["path"] = name
            syncer.sync(name, positions.get(name))
        syncer.flush()
    finally:
        conn.close()
    t = syncer.totals
    assert (t.vanished, t.errors, t.read) == (2, 0, 3)  # b is unchanged
    assert sorted(t.error_messages) == sorted([
        f"{doomed}: removed while it was read (what was read is kept)",
        f"{swapped}: replaced while it was read (what was read is kept; the new file is read next time)",
    ])
    assert ", 2 removed or replaced while read)" in summary("claude-code", t)
    stored = ids(db)
    # read from the open files before they went, and the other files imported
    assert {"late-a", "late-a-2", "late-c", "late-c-2", "late-s", "late-s-2"} <= stored
    now = buckets(db)
    for key, b in before.items():  # nothing stored before was lost
        assert all(now[key][k] >= v for k, v in b.items()), key
    # the next run: the removed file is not listed, the replaced one is read from its start
    conn = fastpath.open_ledger(db)
    try:
        t2 = run_import(FastBackend(conn), "claude-code", [config])
    finally:
        conn.close()
    assert (t2.restarted, t2.errors, t2.vanished) == (1, 0, 0)
    assert "replacement" in ids(db) and stored <= ids(db)


def test_an_adapter_that_raises_stops_only_its_file(tmp_path: Path) -> None:
    """A third-party adapter with a bug: the file it fails on keeps what was read before
    the failing chunk, is named in one message, and the other files are read."""
    first, broken, last = (tmp_path / f"{n}.jsonl" for n in ("a", "b", "c"))
    first.write_text(good("a1") + "\n")
    head = good("b1") + "\n" + corpus.compact(corpus.user("s", "/p", TS, "next")) + "\n"
    broken.write_text(head + corpus.compact(corpus.user("s", "/p", TS, "x" * 2000)) + "\n"
                      + '{"boom":"usage"}\n' + good("b2") + "\n")
    last.write_text(good("c1") + "\n")

    def parse(data: bytes, at_eof: bool) -> Any:
        if b"boom" in data:
            raise KeyError("boom")
        return claude_code.parse(data, at_eof)

    db = tmp_path / "l.db"
    conn = fastpath.open_ledger(db)
    try:
        syncer = Syncer(FastBackend(conn), "claude-code", parse, chunk_bytes=len(head) + 100)
        for path in (first, broken, last):
            syncer.sync(str(path), None)
        syncer.flush()
    finally:
        conn.close()
    assert ids(db) == {"a1", "b1", "c1"}
    assert syncer.totals.errors == 1
    (message,) = syncer.totals.error_messages
    assert message.startswith(f"{broken}: the claude-code adapter failed (KeyError: 'boom')")
    assert sources(db)[str(broken)]["offset"] == len(head)  # the rest is left for the next run


def test_a_position_stored_before_the_tail_hash_is_trusted_once_then_checked(tmp_path: Path) -> None:
    """After an upgrade, positions without ``state.tail`` are read on from their offset
    (no full re-read of every transcript), and carry the hash from then on."""
    path = tmp_path / "s.jsonl"
    path.write_text(_head() + good("m1") + "\n")
    db = tmp_path / "l.db"
    sync_all(db, [str(path)])
    conn = sqlite3.connect(db)
    conn.execute("UPDATE sources SET state = '{}'")  # as an older version left it
    conn.commit()
    conn.close()
    with open(path, "a") as f:
        f.write(good("m2") + "\n")
    s = sync_all(db, [str(path)])
    assert (s.totals.restarted, s.totals.bytes) == (0, len(good("m2")) + 1)
    conn = sqlite3.connect(db)
    (state,) = conn.execute("SELECT state FROM sources").fetchone()
    conn.close()
    assert json.loads(state)["tail"].startswith("4096:")
