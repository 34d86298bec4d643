"""Properties of the Claude Code adapter and of the tail/sync machinery (hypothesis).

Hostile input of every kind (random bytes, truncated and huge lines, deep JSON,
wrong types in every field, absurd counts, far instants, control characters and
path tricks in names) must never raise; every line with usage is either an event
whose counts are valid or a counted skip; the good lines around bad ones are
always recorded; and lines are independent: parsing their concatenation gives
what parsing each one gives. The sync side: reading a file in any pieces, across
truncations and rewrites, records every event the file holds.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hooks import claude_code
from hooks.sync import FastBackend, Syncer
from ledger import fastpath
from ledger.events import Event, problem
from tests.hooks import corpus
from tests.hooks.helpers import buckets

FAST = claude_code.fast_loads()
DECODERS = [json.loads] + ([FAST] if FAST is not None else [])
MAX = claude_code.MAX_TOKENS
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# -- what a line can hold -----------------------------------------------------------------

_tricky_text = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["../../etc/passwd", "/p/../../x", "a\x00b", "line\nbreak", "\x1b[2J\x1b[31mRED",
                     "\x1b]0;pwned\x07", "\ud83d", "é" * 3, "=HYPERLINK(1)", "", " ", "x" * 5000]),
)
_weird = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**40), 10**40), st.floats(), _tricky_text,
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
_count_value = st.one_of(
    st.integers(0, MAX), st.integers(-(10**40), 10**40), st.sampled_from([MAX, MAX + 1, 10**30]),
    st.floats(), st.sampled_from([1e300, -0.0, 5.0]), _weird,
)
_instant = st.one_of(
    st.sampled_from(["2025-09-28T10:00:00.000Z", "2025-09-28T10:00:00", "0001-01-01T00:00:00Z",
                     "9999-12-31T23:59:59.999Z", "2014-12-31T23:59:59Z", "2025-13-40T99:00:00Z",
                     "+10000-01-01T00:00:00Z", "", "now"]),
    _weird,
)
_USAGE_KEYS = ["input_tokens", "output_tokens", "cache_creation_input_tokens",
               "cache_read_input_tokens", "output_tokens_details"]


@st.composite
def hostile_record(draw: st.DrawFn) -> Any:
    """A JSON value shaped like a transcript line, with any field wrong."""
    usage = draw(st.one_of(
        st.dictionaries(st.sampled_from(_USAGE_KEYS),
                        st.one_of(_count_value, st.fixed_dictionaries({"thinking_tokens": _count_value}))),
        _weird,
    ))
    message = draw(st.one_of(
        st.fixed_dictionaries({"usage": st.just(usage)},
                              optional={"id": st.one_of(_tricky_text, _weird),
                                        "model": st.one_of(st.just(corpus.SONNET), st.just("<synthetic>"),
                                                           _tricky_text, _weird),
                                        "content": st.lists(_weird, max_size=2)}),
        _weird,
    ))
    rec = draw(st.fixed_dictionaries(
        {"message": st.just(message)},
        optional={"type": st.one_of(st.sampled_from(["assistant", "user", "progress", "system", "summary"]),
                                    _weird),
                  "timestamp": _instant, "requestId": _weird, "uuid": _tricky_text,
                  "isApiErrorMessage": _weird, "sessionId": _tricky_text, "cwd": _tricky_text,
                  "costUSD": st.one_of(_weird, st.sampled_from([1e308, 10**400]))},
    ))
    return draw(st.one_of(st.just(rec), _weird, st.lists(st.just(rec), max_size=2)))


def _dump(value: Any) -> bytes:
    """One line of JSON (``allow_nan``: Claude Code never writes NaN, but a line may)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=True)
    return text.encode()


def deep(n: int) -> bytes:
    return b'{"usage":' + b"[" * n + b"]" * n + b"}"


_garbage_line = st.one_of(
    st.binary(max_size=200).map(lambda b: b.replace(b"\n", b" ")),
    st.binary(max_size=50).map(lambda b: b'{"usage":' + b.replace(b"\n", b" ")),
    st.sampled_from([deep(1200), deep(100_000), b'{"usage":{"input_tokens":1e999}}', b'"usage"',
                     b'{"type":"assistant","message":{"usage":{}}}', b"{" * 3000 + b'"usage"',
                     b'{"usage":' + b"9" * 5000 + b"}"]),
    hostile_record().map(_dump),
)


def good_line(i: int, session: str = "s") -> tuple[bytes, str]:
    """A valid response line with a unique id, and that id."""
    msg_id = f"good-{i}"
    rec = corpus.assistant(session, "/p", "2025-09-28T10:00:00.000Z", corpus.SONNET,
                           corpus.usage(i, 2 * i, 3 * i, 4 * i), msg_id=msg_id)
    return corpus.compact(rec).encode(), msg_id


def valid(ev: Event) -> bool:
    """What the ledger accepts: counts are integers within the limits, the instant in its
    window, the ids non-empty strings of bounded length (``ledger.events.problem`` agrees)."""
    counts = (ev.input_tokens, ev.cache_write_tokens, ev.cache_read_tokens, ev.output_tokens,
              ev.reasoning_tokens)
    return (
        all(type(c) is int and 0 <= c <= MAX for c in counts)
        and ev.requests == 1
        and claude_code.EARLIEST_MS <= ev.ts_ms <= claude_code.latest_ms()
        and isinstance(ev.event_id, str) and 0 < len(ev.event_id) <= claude_code.MAX_TEXT
        and isinstance(ev.model, str) and 0 < len(ev.model) <= claude_code.MAX_TEXT
        and ev.model != "<synthetic>"
        and (ev.cost_usd is None or (ev.cost_usd >= 0 and ev.cost_usd != float("inf")))
        and problem(ev) is None  # what the ledger's own door says
    )


def _key(ev: Event) -> tuple[Any, ...]:
    return tuple(sorted(ev.row().items(), key=lambda kv: kv[0]))


# -- the adapter ----------------------------------------------------------------------------


@SETTINGS
@given(data=st.binary(max_size=3000), at_eof=st.booleans())
def test_random_bytes_never_raise_and_end_on_a_line(data: bytes, at_eof: bool) -> None:
    for loads in DECODERS:
        p = claude_code.parse(data, at_eof, loads=loads)
        assert 0 <= p.consumed <= len(data)
        assert p.consumed == 0 or data[p.consumed - 1 : p.consumed] == b"\n" or (
            at_eof and p.consumed == len(data))
        assert all(valid(e) for e in p.events)
        assert all(n > 0 for n in p.skips.values())


@settings(max_examples=150, deadline=None)
@given(rec=hostile_record())
def test_a_hostile_line_is_a_valid_event_or_nothing(rec: Any) -> None:
    line = _dump(rec) + b"\n"
    results = []
    for loads in DECODERS:
        p = claude_code.parse(line, at_eof=True, loads=loads)
        assert p.consumed == len(line)  # always moves past it
        assert len(p.events) + sum(p.skips.values()) <= 1
        assert all(valid(e) for e in p.events)
        results.append(([_key(e) for e in p.events], p.skips))
    assert all(r == results[0] for r in results)  # the backfill's decoder agrees with the hook's


@SETTINGS
@given(bad=st.lists(_garbage_line, min_size=1, max_size=6), seed=st.randoms(use_true_random=False))
def test_good_lines_around_bad_ones_are_always_recorded(bad: list[bytes], seed: Any) -> None:
    goods = [good_line(i) for i in range(1, 5)]
    lines = [g for g, _ in goods] + bad
    seed.shuffle(lines)
    data = b"\n".join(lines) + b"\n"
    for loads in DECODERS:
        p = claude_code.parse(data, at_eof=True, loads=loads)
        assert p.consumed == len(data)
        got = {e.event_id for e in p.events}
        assert {i for _, i in goods} <= got
        assert all(valid(e) for e in p.events)
        # a bad line is an extra event only when it is in fact a valid response
        assert len(p.events) + sum(p.skips.values()) <= len(lines)


@SETTINGS
@given(bad=st.lists(st.one_of(_garbage_line, st.integers(1, 40).map(lambda i: good_line(i)[0])),
                    min_size=1, max_size=8))
def test_the_parse_of_a_concatenation_is_the_union_of_the_parses(bad: list[bytes]) -> None:
    """Line independence: lines with distinct ids parse the same together or alone."""
    seen: set[bytes] = set()
    lines = [b for b in bad if not (b in seen or seen.add(b))]  # type: ignore[func-returns-value]
    for loads in DECODERS:
        whole = claude_code.parse(b"\n".join(lines) + b"\n", at_eof=True, loads=loads)
        events: dict[str, Event] = {}
        skips: dict[str, int] = {}
        for line in lines:
            p = claude_code.parse(line + b"\n", at_eof=True, loads=loads)
            for e in p.events:
                events.setdefault(e.event_id, e)
            for k, n in p.skips.items():
                skips[k] = skips.get(k, 0) + n
        ids_whole = {e.event_id for e in whole.events}
        if len(ids_whole) == len(whole.events) == len(events):  # distinct ids: no merging
            assert sorted(map(_key, whole.events)) == sorted(map(_key, events.values()))
        assert whole.skips == skips


@settings(max_examples=12, deadline=None)
@given(size=st.integers(1 << 20, 3 << 20), cut=st.sampled_from(["whole", "before-usage", "after-usage"]))
def test_a_huge_line_is_read_or_skipped_and_its_neighbours_kept(size: int, cut: str) -> None:
    rec = corpus.assistant("s", "/p", "2025-09-28T10:00:00.000Z", corpus.SONNET,
                           corpus.usage(1, 0, 0, 1), msg_id="huge",
                           content=[{"type": "text", "text": "x" * size}])
    huge = corpus.compact(rec).encode()
    if cut == "before-usage":  # cut in its text: it cannot carry usage, passed over uncounted
        huge = huge[: len(huge) // 2]
    elif cut == "after-usage":  # cut after its usage: invalid JSON, counted
        huge = huge[:-10]
    one, _ = good_line(1)
    two, _ = good_line(2)
    data = one + b"\n" + huge + b"\n" + two + b"\n"
    for loads in DECODERS:
        p = claude_code.parse(data, at_eof=True, loads=loads)
        assert {"good-1", "good-2"} <= {e.event_id for e in p.events}
        assert ("huge" in {e.event_id for e in p.events}) == (cut == "whole")
        assert p.skips == ({"invalid-json": 1} if cut == "after-usage" else {})


@SETTINGS
@given(value=st.one_of(_tricky_text, _weird, st.binary(max_size=30).map(lambda b: b.decode("latin-1"))),
       key=st.sampled_from(["transcript_path", "agent_transcript_path"]))
def test_path_tricks_in_a_payload_never_raise(tmp_path: Path, value: Any, key: str) -> None:
    paths = claude_code.hook_paths({key: value, "transcript_path": value})
    assert all(os.path.isfile(p) for p in paths)
    if isinstance(value, str):
        inside = tmp_path / "a" / "b" / value
        try:
            outside = not os.path.realpath(inside).startswith(str(tmp_path))
        except ValueError:  # NUL, or a surrogate the file system cannot encode
            outside = False
        if not outside:  # never walk the whole disk from "../../.."
            assert claude_code.transcripts([inside]) == []


# -- the tail and sync machinery ------------------------------------------------------------


def sync(db: Path, path: Path, **kw: Any) -> Syncer:
    conn = fastpath.open_ledger(db)
    try:
        backend = FastBackend(conn)
        syncer = Syncer(backend, "claude-code", claude_code.parse, **kw)
        syncer.sync(str(path), backend.load_positions("claude-code", [str(path)]).get(str(path)))
        syncer.flush()
        return syncer
    finally:
        conn.close()


def stored_ids(db: Path) -> set[str]:
    conn = sqlite3.connect(db)
    try:
        return {r[0] for r in conn.execute("SELECT event_id FROM events")}
    finally:
        conn.close()


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(bad=st.lists(_garbage_line, max_size=4), cuts=st.lists(st.integers(0, 6000), max_size=5),
       chunk=st.integers(16, 4096), seed=st.randoms(use_true_random=False))
def test_any_append_pattern_with_bad_lines_gives_the_ledger_of_one_read(
    tmp_path_factory: Any, bad: list[bytes], cuts: list[int], chunk: int, seed: Any
) -> None:
    tmp = tmp_path_factory.mktemp("append")
    lines = [good_line(i)[0] for i in range(1, 6)] + bad
    seed.shuffle(lines)
    data = b"\n".join(lines) + b"\n"
    whole, pieces = tmp / "whole.jsonl", tmp / "pieces.jsonl"
    whole.write_bytes(data)
    one = sync(tmp / "whole.db", whole)
    pieces.write_bytes(b"")
    last = 0
    total_skips: dict[str, int] = {}
    for cut in sorted({min(c, len(data)) for c in cuts} | {len(data)}):
        with open(pieces, "ab") as f:
            f.write(data[last:cut])
        last = cut
        s = sync(tmp / "pieces.db", pieces, chunk_bytes=chunk)
        for k, n in s.totals.skips.items():
            total_skips[k] = total_skips.get(k, 0) + n
    assert buckets(tmp / "pieces.db") == buckets(tmp / "whole.db")
    assert {f"good-{i}" for i in range(1, 6)} <= stored_ids(tmp / "pieces.db")
    assert one.totals.errors == 0


@st.composite
def file_history(draw: st.DrawFn) -> list[tuple[str, Any]]:
    """Appends, truncations (with regrowth) and rewrites of one file, between reads."""
    ops: list[tuple[str, Any]] = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["append", "append", "truncate", "rewrite", "garbage"]))
        if kind == "truncate":
            ops.append((kind, draw(st.floats(0, 1))))
        elif kind == "garbage":
            ops.append((kind, draw(_garbage_line)))
        else:
            ops.append((kind, draw(st.integers(1, 30))))
    return ops


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=file_history(), chunk=st.integers(64, 8192))
def test_every_event_a_file_ever_held_is_recorded(tmp_path_factory: Any, ops: list[tuple[str, Any]],
                                                 chunk: int) -> None:
    """Whatever happened to the file between reads (grown, truncated and regrown with
    the same inode and the same first 4 KiB, rewritten in place), each read records
    every response the file holds at that moment; nothing recorded is ever lost."""
    tmp = tmp_path_factory.mktemp("history")
    path, db = tmp / "s.jsonl", tmp / "l.db"
    head = b"".join(corpus.compact({"type": "summary", "summary": f"t{i:03d}" + "x" * 90}).encode() + b"\n"
                    for i in range(45))
    path.write_bytes(head)
    n = 0
    held: set[str] = set()  # ids in the file now
    ever: set[str] = set()
    for kind, arg in ops:
        if kind == "append" or kind == "rewrite":
            new = []
            for _ in range(arg):
                n += 1
                line, msg_id = good_line(n)
                new.append(line)
                held.add(msg_id)
            if kind == "rewrite":  # same inode, same head, new body (often the same size)
                with open(path, "r+b") as f:
                    f.truncate(len(head))
                    f.seek(len(head))
                    f.write(b"\n".join(new) + b"\n")
                held = {f"good-{i}" for i in range(n - arg + 1, n + 1)}
            else:
                with open(path, "ab") as f:
                    f.write(b"\n".join(new) + b"\n")
        elif kind == "garbage":
            with open(path, "ab") as f:
                f.write(arg + b"\n")
        else:  # truncate to a line boundary at or after the head, then the file regrows later
            body = path.read_bytes()[len(head):]
            keep = body[: int(len(body) * arg)]
            keep = keep[: keep.rfind(b"\n") + 1]
            with open(path, "r+b") as f:
                f.truncate(len(head) + len(keep))
            held = {i for i in held if f'"id":"{i}"'.encode() in keep}
        s = sync(db, path, chunk_bytes=chunk)
        assert s.totals.errors == 0
        ever |= held
        assert ever <= stored_ids(db), sorted(ever - stored_ids(db))
