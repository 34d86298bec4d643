"""Properties of the Gemini CLI adapter (hypothesis).

Reading a chat file in any pieces (the adapter state carried between reads, as
``hooks.tail`` carries it) gives the ledger one whole read gives; and nothing the
bytes hold raises: every gemini message with tokens is an event whose counts are
valid, or a counted skip.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hooks import gemini_cli
from hooks.sync import FastBackend, Syncer
from ledger import fastpath
from ledger.events import Event, problem
from tests.hooks import gemini_corpus as gc
from tests.hooks.helpers import buckets

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
FAST = gemini_cli.fast_loads()
DECODERS = [json.loads] + ([FAST] if FAST is not None else [])
ROOTS = {gc.sha("/p/alpha"): "/p/alpha", gc.sha("/p/beta"): "/p/beta"}

FILES = {
    "a": "".join(gc.session_a_lines()).encode(),
    "migrated": "".join(gc.migrated_lines()).encode(),
    "legacy": json.dumps(gc.legacy_document(), indent=2).encode(),
}


def merged(events: list[Event]) -> dict[str, tuple[Any, ...]]:
    """The ledger's merge (largest counts, earliest instant, first model/session/project)."""
    out: dict[str, list[Any]] = {}
    for e in events:
        row = [e.model, e.ts_ms, e.session, e.project, e.input_tokens, e.cache_read_tokens,
               e.output_tokens, e.reasoning_tokens]
        prev = out.get(e.event_id)
        if prev is None:
            out[e.event_id] = row
            continue
        prev[1] = min(prev[1], row[1])
        for i in range(4, 8):
            prev[i] = max(prev[i], row[i])
    return {k: tuple(v) for k, v in out.items()}


def read_in_pieces(data: bytes, cuts: list[int], loads: Any = json.loads) -> list[Event]:
    """What ``hooks.tail`` does when the file grows to each cut in turn (and stops)."""
    state: dict[str, Any] = {}
    events: list[Event] = []
    offset = 0
    for end in [*sorted(cuts), len(data)]:
        if end <= offset:
            continue
        chunk = data[offset:end]
        parsed = gemini_cli.parse(chunk, True, loads, state=state, roots=ROOTS)
        events += parsed.events
        offset += parsed.consumed
    return events


@SETTINGS
@given(name=st.sampled_from(sorted(FILES)), cuts=st.lists(st.integers(0, 4000), max_size=6),
       decoder=st.sampled_from(DECODERS))
def test_any_split_of_the_bytes_gives_the_same_events(name: str, cuts: list[int], decoder: Any) -> None:
    data = FILES[name]
    cut = [c % (len(data) + 1) for c in cuts]
    whole = gemini_cli.parse(data, True, state={}, roots=ROOTS)
    assert merged(read_in_pieces(data, cut, decoder)) == merged(whole.events)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cuts=st.lists(st.integers(0, 3500), min_size=1, max_size=4), chunk=st.sampled_from([64, 300, 1 << 20]))
def test_the_sync_machinery_in_any_pieces_gives_the_one_read_ledger(cuts: list[int], chunk: int) -> None:
    """A real file grown piece by piece, synced after each piece (small read chunks too)."""
    data = FILES["a"]
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "tmp" / "alpha" / "chats" / "session-x.jsonl"
        path.parent.mkdir(parents=True)
        results: list[Any] = []
        for steps in ([], sorted(c % len(data) for c in cuts)):
            db = Path(d) / f"l{len(results)}.db"
            path.write_bytes(b"")
            conn = fastpath.open_ledger(db)
            try:
                backend = FastBackend(conn)
                for end in [*steps, len(data)]:
                    with open(path, "r+b") as f:
                        f.seek(0, 2)
                        f.write(data[f.tell():end])
                    syncer = Syncer(backend, gemini_cli.CLIENT, gemini_cli.parse, chunk_bytes=chunk)
                    syncer.sync(str(path), backend.load_positions(gemini_cli.CLIENT, None).get(str(path)))
                    syncer.flush()
            finally:
                conn.close()
            results.append(buckets(db))
            conn2 = sqlite3.connect(db)
            results.append(sorted(conn2.execute("SELECT event_id, session FROM events").fetchall()))
            conn2.close()
        assert results[0] == results[2] and results[1] == results[3]
        assert sum(b["requests"] for b in results[0].values()) == 4


# -- hostile input ------------------------------------------------------------------------

_weird = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**30), 10**30), st.floats(), st.text(max_size=10),
    st.sampled_from(["\ud83d", "x" * 5000, "2026-08-20T10:00:00Z", "9999-12-31T23:59:59Z", "gemini"]),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)
_count = st.one_of(st.integers(0, 10**9), st.sampled_from([10**9 + 1, 10**20, -1, 1.5, 2.0]), _weird)


@st.composite
def hostile_record(draw: st.DrawFn) -> Any:
    tok = draw(st.one_of(st.dictionaries(st.sampled_from(["input", "output", "cached", "thoughts", "tool"]),
                                         _count), _weird))
    msg = draw(st.fixed_dictionaries(
        {"tokens": st.just(tok)},
        optional={"id": _weird, "timestamp": st.one_of(st.just("2026-08-20T10:00:00.000Z"), _weird),
                  "type": st.one_of(st.just("gemini"), _weird), "model": _weird}))
    return draw(st.one_of(
        st.just(msg), st.fixed_dictionaries({"$set": st.one_of(st.just({"messages": [msg]}), _weird)}),
        st.fixed_dictionaries({"sessionId": _weird, "projectHash": _weird,
                               "messages": st.one_of(st.just([msg, msg]), _weird)}),
        st.fixed_dictionaries({"$rewindTo": _weird}), _weird))


@SETTINGS
@given(records=st.lists(hostile_record(), max_size=8), noise=st.binary(max_size=200),
       at_eof=st.booleans(), decoder=st.sampled_from(DECODERS))
def test_garbage_never_raises_and_events_are_valid(records: list[Any], noise: bytes, at_eof: bool,
                                                   decoder: Any) -> None:
    lines = [json.dumps(r).encode() for r in records]
    data = b"\n".join([*lines[:4], noise, *lines[4:]]) + b"\n"
    for blob in (data, noise, b"{\n" + noise):
        parsed = gemini_cli.parse(blob, at_eof, decoder, state={}, roots={})
        assert 0 <= parsed.consumed <= len(blob)
        for ev in parsed.events:
            assert problem(ev) is None
            assert ev.client == "gemini-cli" and ev.requests == 1


@SETTINGS
@given(records=st.lists(hostile_record(), min_size=1, max_size=6))
def test_good_messages_around_bad_ones_are_counted(records: list[Any]) -> None:
    good = gc.line(gc.G1).encode()
    data = good + b"".join(json.dumps(r).encode() + b"\n" for r in records) + gc.line(gc.X1).encode()
    ids = {e.event_id for e in gemini_cli.parse(data, True, state={}, roots={}).events}
    assert {"g1-7f3c", "x1-f911"} <= ids
