"""Properties of the Codex adapter with the state the reader carries (hypothesis).

Any split of a rollout's bytes into appended pieces gives the same events as one
read (in the parser with its state, and through the real reader and ledger); lines
of garbage, wrong types in every field and random bytes never raise, and the good
lines around them still count.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hooks import codex
from hooks.sync import FastBackend, Syncer
from ledger import fastpath
from ledger.events import Event, problem
from tests.hooks import codex_corpus as cc

FAST = codex.fast_loads()
DECODERS = [json.loads] + ([FAST] if FAST is not None else [])
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

ROLLOUTS = [cc.rollout_a(), cc.rollout_b(), cc.rollout_c(), cc.rollout_d(), cc.rollout_e(), cc.rollout_f(),
            cc.rollout_g()]


def key(ev: Event) -> tuple[Any, ...]:
    return (ev.event_id, ev.model, ev.ts_ms, ev.session, ev.project, ev.input_tokens, ev.cache_write_tokens,
            ev.cache_read_tokens, ev.output_tokens, ev.reasoning_tokens, ev.requests)


def read_in_pieces(data: bytes, cuts: list[int]) -> tuple[list[Event], dict[str, int], dict[str, Any]]:
    """What the reader does: parse what was appended so far from the last consumed
    offset, with the state carried; at the end of what is there, ``at_eof``."""
    state: dict[str, Any] = {}
    events: list[Event] = []
    skips: dict[str, int] = {}
    offset = 0
    for end in [*sorted(set(cuts)), len(data)]:
        while True:
            p = codex.parse(data[offset:end], True, state=state)
            events += p.events
            for k, n in p.skips.items():
                skips[k] = skips.get(k, 0) + n
            offset += p.consumed
            if p.consumed == 0 or offset >= end:
                break
    return events, skips, state


@SETTINGS
@given(which=st.integers(0, len(ROLLOUTS) - 1), cuts=st.lists(st.integers(0, 10_000), max_size=12))
def test_any_split_gives_what_one_read_gives(which: int, cuts: list[int]) -> None:
    data = ROLLOUTS[which]
    cuts = [c % (len(data) + 1) for c in cuts]
    whole, skips, state = read_in_pieces(data, [])
    pieces, pskips, pstate = read_in_pieces(data, cuts)
    assert [key(e) for e in pieces] == [key(e) for e in whole]
    assert pskips == skips and pstate == state


@settings(SETTINGS, max_examples=12)
@given(cuts=st.lists(st.integers(1, 10_000), min_size=1, max_size=6))
def test_any_split_through_the_reader_gives_the_same_ledger(tmp_path_factory: Any, cuts: list[int]) -> None:
    tmp = tmp_path_factory.mktemp("split")
    data = cc.rollout_a() + cc.jsonl([cc.token_count("2026-09-18T02:00:00.000", cc.usage(900, 100, 0, 95, 10))])
    path = tmp / "rollout-x.jsonl"
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
    assert len(_rows(one)) == 5


def _sync(db: Path, path: Path) -> None:
    conn = fastpath.open_ledger(db)
    try:
        backend = FastBackend(conn)
        syncer = Syncer(backend, "codex", codex.parse, chunk_bytes=512)
        syncer.sync(str(path), backend.load_positions("codex", [str(path)]).get(str(path)))
        syncer.flush()
    finally:
        conn.close()


def _rows(db: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT event_id, model, ts, input_tokens, cache_write_tokens, cache_read_tokens, "
                            "output_tokens, reasoning_tokens, requests FROM events ORDER BY event_id").fetchall()
    finally:
        conn.close()


_scalar = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True),
                    st.text(max_size=12), st.sampled_from(["2026-09-17T08:00:00Z", "gpt-5", "\ud83d", "nan"]))
_value = st.recursive(_scalar, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                        st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=8)
_usage = st.dictionaries(st.sampled_from(["input_tokens", "cached_input_tokens", "cache_write_input_tokens",
                                          "output_tokens", "reasoning_output_tokens", "total_tokens"]),
                         _value, max_size=6)


@st.composite
def hostile_line(draw: Any) -> bytes:
    kind = draw(st.sampled_from(["token_count", "turn_context", "session_meta", "task_started", "bytes", "any"]))
    if kind == "bytes":
        return draw(st.binary(max_size=60)).replace(b"\n", b" ") + b' "token_count"\n'
    if kind == "any":
        return json.dumps(draw(_value)).encode() + b"\n"
    ts = draw(st.one_of(_value, st.sampled_from(["2026-09-17T08:00:01Z", "2026-09-17T08:00:01"])))
    if kind == "token_count":
        info = draw(st.one_of(_value, st.fixed_dictionaries({}, optional={
            "total_token_usage": st.one_of(_usage, _value), "last_token_usage": st.one_of(_usage, _value),
            "model": _value})))
        rec: Any = {"timestamp": ts, "type": "event_msg", "payload": {"type": "token_count", "info": info}}
    elif kind == "task_started":
        rec = {"timestamp": ts, "type": "event_msg",
               "payload": {"type": "task_started", "started_at": draw(_value), "turn_id": draw(_value)}}
    else:
        rec = {"timestamp": ts, "type": kind, "payload": draw(st.one_of(_value, st.dictionaries(
            st.sampled_from(["id", "cwd", "model", "source", "forked_from_id", "timestamp", "turn_id"]),
            _value, max_size=5)))}
    try:
        return json.dumps(rec).encode() + b"\n"
    except ValueError:  # a lone surrogate json cannot write: write it escaped by hand
        return json.dumps(rec, ensure_ascii=True).encode() + b"\n"


GOOD_HEAD = cc.jsonl([cc.meta("2026-09-17T08:00:00.000", cc.TA, cc.ALPHA), cc.turn_context("2026-09-17T08:00:00.100", cc.M1)])
# its own turn (a garbage second session_meta may make the file look like a fork)
GOOD_TAIL = cc.jsonl([cc.task_started("2026-09-17T09:00:00.000", cc.secs("2026-09-17T09:00:00")),
                      cc.turn_context("2026-09-17T09:00:00.000", cc.M2),
                      cc.token_count("2026-09-17T09:00:01.000", cc.usage(10**8, 0, 0, 10, 0))])


@SETTINGS
@given(lines=st.lists(hostile_line(), max_size=12), eof=st.booleans())
def test_garbage_never_raises_and_good_lines_still_count(lines: list[bytes], eof: bool) -> None:
    data = GOOD_HEAD + b"".join(lines) + GOOD_TAIL
    results = []
    for loads in DECODERS:  # the backfill's msgspec decoder gives what json gives
        state: dict[str, Any] = {}
        p = codex.parse(data, eof, state=state, loads=loads)
        results.append(([key(e) for e in p.events], p.skips, state))
    assert all(r == results[0] for r in results)
    assert p.consumed == len(data)
    for ev in p.events:
        assert problem(ev) is None, ev
    json.dumps(state)  # the state stays JSON (it is stored with the position)
    # the last usage is always read: a total of 10**8 + 10 reached under M2
    assert p.events and p.events[-1].model == cc.M2 and p.events[-1].event_id.endswith(":100000010")


@SETTINGS
@given(data=st.binary(max_size=400), eof=st.booleans())
def test_random_bytes_never_raise(data: bytes, eof: bool) -> None:
    p = codex.parse(data, eof, state={})
    assert 0 <= p.consumed <= len(data)
