"""Properties of the Copilot adapter with the state the reader carries (hypothesis).

Any split of a file's bytes into appended pieces gives the same events, skips and state
as one read (in the parser, and through the real reader and ledger), Copilot Chat's
files included, whose log records wait for their spans; lines of garbage, wrong types in
every field and random bytes never raise, and the good lines around them still count.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hooks import copilot
from hooks.sync import FastBackend, Syncer
from ledger import fastpath
from ledger.events import Event, problem
from tests.hooks import copilot_corpus as cc

FAST = copilot.fast_loads()
DECODERS = [json.loads] + ([FAST] if FAST is not None else [])
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

#: Copilot Chat's files as if written a minute ago (their log records are held until their
#: spans tell), the old one then the new one (an upgrade), and the CLI's.
NOW_S = int(time.time())


def _recent(path: Path, ago_s: int, now_s: int = NOW_S) -> bytes:
    data = cc.batched(path)
    return cc.retimed(data, now_s - ago_s - json.loads(data.splitlines()[0])["hrTime"][0])


def chat_file(now_s: int = NOW_S) -> bytes:
    """The upgraded Copilot Chat file, written a minute and a half before ``now_s``."""
    return _recent(cc.VSCODE_OLD, 100, now_s) + _recent(cc.VSCODE_NEW, 90, now_s)


CHAT = chat_file()
FILES = [cc.cli_main(), cc.CLI_TOOLS.read_bytes(), cc.CLI_ANTHROPIC.read_bytes(), CHAT, cc.s1_events(),
         cc.s3_events()]


def key(ev: Event) -> tuple[Any, ...]:
    return (ev.event_id, ev.model, ev.ts_ms, ev.session, ev.provider, ev.input_tokens, ev.cache_write_tokens,
            ev.cache_read_tokens, ev.output_tokens, ev.reasoning_tokens, ev.requests)


def read_in_pieces(data: bytes, cuts: list[int], now_ms: int) -> tuple[list[Event], dict[str, int], dict[str, Any]]:
    """What the reader does: parse what was appended so far from the last consumed
    offset, with the state carried; at the end of what is there, ``at_eof``."""
    state: dict[str, Any] = {}
    events: list[Event] = []
    skips: dict[str, int] = {}
    offset = 0
    for end in [*sorted(set(cuts)), len(data)]:
        while True:
            p = copilot.parse(data[offset:end], True, state=state, now_ms=now_ms)
            events += p.events
            for k, n in p.skips.items():
                skips[k] = skips.get(k, 0) + n
            offset += p.consumed
            if p.consumed == 0 or offset >= end:
                break
    return events, skips, state


def test_the_fast_decoder_reads_every_file_as_json_does() -> None:
    assert FAST is not None  # msgspec is a dependency of the backfill
    for data in FILES:
        a = copilot.parse(data, True, state={}, now_ms=NOW_S * 1000)
        b = copilot.parse(data, True, state={}, now_ms=NOW_S * 1000, loads=FAST)
        assert ([key(e) for e in a.events], a.skips, a.consumed) == ([key(e) for e in b.events], b.skips, b.consumed)


def test_the_upgraded_chat_file_read_whole() -> None:
    events, skips, state = read_in_pieces(CHAT, [], NOW_S * 1000)
    assert skips == {} and len(events) == 5  # 2 from the old version's log records, 3 chat spans
    assert state == {"ok": ["0.45.0"], "lost": ["0.30.0"], "ver": "0.45.0"}


@SETTINGS
@given(which=st.integers(0, len(FILES) - 1), cuts=st.lists(st.integers(0, 40_000), max_size=12))
def test_any_split_gives_what_one_read_gives(which: int, cuts: list[int]) -> None:
    data = FILES[which]
    cuts = [c % (len(data) + 1) for c in cuts]
    now = NOW_S * 1000
    whole, skips, state = read_in_pieces(data, [], now)
    pieces, pskips, pstate = read_in_pieces(data, cuts, now)
    assert sorted(key(e) for e in pieces) == sorted(key(e) for e in whole)
    assert pskips == skips and pstate == state


@settings(SETTINGS, max_examples=12)
@given(cuts=st.lists(st.integers(1, 40_000), min_size=1, max_size=6))
def test_any_split_through_the_reader_gives_the_same_ledger(tmp_path_factory: Any, cuts: list[int]) -> None:
    tmp = tmp_path_factory.mktemp("split")
    # the reader asks the clock: the file as if written just before this example
    data = chat_file(int(time.time())) + cc.CLI_TOOLS.read_bytes()
    path = tmp / "copilot.jsonl"
    db = tmp / "ledger.db"
    offset = 0
    for end in [*sorted({c % len(data) for c in cuts}), len(data)]:
        with open(path, "ab") as f:
            f.write(data[offset:end])
        offset = max(offset, end)
        _sync(db, path)
    one = tmp / "one.db"
    _sync(one, path)
    assert _rows(db) == _rows(one)
    assert len(_rows(one)) == 7


def _sync(db: Path, path: Path) -> None:
    conn = fastpath.open_ledger(db)
    try:
        backend = FastBackend(conn)
        syncer = Syncer(backend, "copilot", copilot.parse, chunk_bytes=512)
        syncer.sync(str(path), backend.load_positions("copilot", [str(path)]).get(str(path)))
        syncer.flush()
    finally:
        conn.close()


def _rows(db: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT event_id, model, ts, session, input_tokens, cache_write_tokens, cache_read_tokens, "
                            "output_tokens, reasoning_tokens, requests FROM events ORDER BY event_id").fetchall()
    finally:
        conn.close()


_scalar = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True),
                    st.text(max_size=12), st.sampled_from(["chat", "invoke_agent", "gpt-4.1", "\ud83d", "{}",
                                                           cc.chat_attrs("m", "s", 1, 1)["gen_ai.conversation.id"]]))
_value = st.recursive(_scalar, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                        st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=8)
_attrs = st.dictionaries(st.sampled_from(["gen_ai.operation.name", "gen_ai.usage.input_tokens",
                                          "gen_ai.usage.output_tokens", "gen_ai.usage.cache_read.input_tokens",
                                          "gen_ai.usage.cache_write.input_tokens", "gen_ai.usage.reasoning_tokens",
                                          "gen_ai.response.model", "gen_ai.response.id", "event.name",
                                          "gen_ai.conversation.id"]), _value, max_size=8)


@st.composite
def hostile_line(draw: Any) -> bytes:
    kind = draw(st.sampled_from(["span", "log", "bytes", "any", "empty", "cli"]))
    if kind == "cli":
        rec_cli = {"type": draw(st.sampled_from(["session.usage_record", "session.start", "assistant.turn_start"])),
                   "data": draw(st.one_of(_value, st.fixed_dictionaries({}, optional={
                       "usage": st.one_of(_value, st.dictionaries(st.sampled_from(
                           ["inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens", "reasoningTokens",
                            "model", "apiCallId", "accounting"]), _value, max_size=6)),
                       "sessionId": _value, "context": _value, "turnId": _value, "interactionId": _value}))),
                   "id": draw(_value), "timestamp": draw(st.one_of(_value, st.just("2026-11-27T14:00:09.000Z"))),
                   "parentId": draw(_value)}
        return json.dumps(rec_cli, ensure_ascii=True).encode() + b"\n"
    if kind == "bytes":
        return draw(st.binary(max_size=60)).replace(b"\n", b" ") + b' "gen_ai.usage.x"\n'
    if kind == "empty":
        return b"{}\n"
    if kind == "any":
        return json.dumps(draw(_value)).encode() + b' \n'
    attrs = draw(st.one_of(_attrs, _value))
    if kind == "span":
        rec: Any = {"type": draw(st.sampled_from(["span", None])), "traceId": draw(_value), "spanId": draw(_value),
                    "name": draw(st.one_of(_value, st.just("chat x"))), "startTime": draw(_value),
                    "attributes": attrs, "resource": draw(_value)}
    else:
        rec = {"hrTime": draw(_value), "attributes": attrs, "resource": draw(_value), "_body": "x"}
    line = json.dumps(rec, ensure_ascii=True)
    return (line if "gen_ai.usage." in line else line[:-1] + ', "gen_ai.usage.x": 1}').encode() + b"\n"


GOOD = cc.jsonl(cc.s1_chats()) + cc.s3_events()


@SETTINGS
@given(lines=st.lists(hostile_line(), max_size=12), eof=st.booleans())
def test_garbage_never_raises_and_good_lines_still_count(lines: list[bytes], eof: bool) -> None:
    data = GOOD + b"".join(lines) + GOOD
    results = []
    for loads in DECODERS:  # the backfill's msgspec decoder gives what json gives
        state: dict[str, Any] = {}
        p = copilot.parse(data, eof, state=state, loads=loads)
        results.append(([key(e) for e in p.events], p.skips, state, p.consumed))
    assert all(r == results[0] for r in results)
    assert p.consumed == len(data)
    for ev in p.events:
        assert problem(ev) is None, ev
    json.dumps(state)  # the state stays JSON (it is stored with the position)
    ids = [e.event_id for e in p.events]
    assert f"call:{cc.I1}:0:chatcmpl-s1a" in ids and f"call:{cc.I1}:1:chatcmpl-s1b" in ids
    assert len(ids) == len(set(ids))
    assert f"call:{cc.I4}:0:chatcmpl-s3b" in ids  # the last session record, after the garbage


@SETTINGS
@given(data=st.binary(max_size=400), eof=st.booleans())
def test_random_bytes_never_raise(data: bytes, eof: bool) -> None:
    p = copilot.parse(data, eof, state={})
    assert 0 <= p.consumed <= len(data)
