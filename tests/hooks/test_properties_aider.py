"""Properties of the aider adapter with the state the reader carries (hypothesis).

Any split of an analytics log or a chat history into appended pieces gives the same
events as one read (in the parser with its state, and through the real reader and
ledger, chunk boundaries anywhere); reading again changes nothing; garbage lines,
wrong types in every field and random bytes never raise, and the good lines around
them still count.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hooks import aider
from hooks.sync import FastBackend, Syncer
from ledger import fastpath
from ledger.events import Event, problem
from tests.hooks import aider_corpus as ac

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
LAUNCHES = [ac.LAUNCH_1, ac.LAUNCH_2]
FILES = [ac.home_log_complete().encode(), ac.home_log().encode(), ac.HISTORY.encode(), ac.repo_log().encode()]


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def key(ev: Event) -> tuple[Any, ...]:
    return (ev.event_id, ev.model, ev.ts_ms, ev.provider, ev.session, ev.project, ev.input_tokens,
            ev.cache_write_tokens, ev.cache_read_tokens, ev.output_tokens, ev.reasoning_tokens, ev.requests,
            ev.cost_usd, ev.source, ev.tokens_estimated)


def read_in_pieces(data: bytes, cuts: list[int]) -> tuple[list[Event], dict[str, int], dict[str, Any], int]:
    """What the reader does: parse what was appended so far from the last consumed
    offset, with the state carried; at the end of what is there, ``at_eof``."""
    state: dict[str, Any] = {}
    events: list[Event] = []
    skips: dict[str, int] = {}
    offset = 0
    for end in [*sorted(set(cuts)), len(data)]:
        while offset < end:
            p = aider.parse(data[offset:end], True, state=state, launches=LAUNCHES)
            events += p.events
            for k, n in p.skips.items():
                skips[k] = skips.get(k, 0) + n
            offset += p.consumed
            if p.consumed == 0:
                break
    return events, skips, state, offset


@SETTINGS
@given(which=st.integers(0, len(FILES) - 1), cuts=st.lists(st.integers(0, 10_000), max_size=12))
def test_any_split_gives_what_one_read_gives(which: int, cuts: list[int]) -> None:
    data = FILES[which]
    cuts = [c % (len(data) + 1) for c in cuts]
    whole = read_in_pieces(data, [])
    pieces = read_in_pieces(data, cuts)
    assert [key(e) for e in pieces[0]] == [key(e) for e in whole[0]]
    assert pieces[1:] == whole[1:]


def test_one_read_of_each_file_gives_the_hand_computed_events() -> None:
    events, skips, _state, offset = read_in_pieces(FILES[0], [])
    assert offset == len(FILES[0]) and skips == ac.HOME_SKIPS and len(events) == 8
    events, skips, _state, offset = read_in_pieces(FILES[1], [])
    assert offset == len(FILES[1]) - 60 and len(events) == 7  # the torn line waits
    events, skips, _state, offset = read_in_pieces(FILES[2], [])
    assert offset == len(FILES[2]) and skips == ac.HISTORY_SKIPS and len(events) == 5
    assert {e.tokens_estimated for e in events} == {"aider-report"}


def _parser() -> Any:
    return functools.partial(aider.parse, launches=LAUNCHES)


def _sync(db: Path, path: Path, chunk_bytes: int = 256) -> None:
    conn = fastpath.open_ledger(db)
    try:
        backend = FastBackend(conn)
        syncer = Syncer(backend, "aider", _parser(), chunk_bytes=chunk_bytes)
        syncer.sync(str(path), backend.load_positions("aider", [str(path)]).get(str(path)))
        syncer.flush()
    finally:
        conn.close()


def _rows(db: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT event_id, model, ts, session, input_tokens, cache_write_tokens, "
                            "cache_read_tokens, output_tokens, reasoning_tokens, requests, cost_usd, "
                            "tokens_estimated FROM events ORDER BY event_id").fetchall()
    finally:
        conn.close()


@settings(SETTINGS, max_examples=15)
@given(which=st.sampled_from([0, 2]), cuts=st.lists(st.integers(1, 10_000), min_size=1, max_size=6),
       chunk=st.integers(64, 2048))
def test_any_split_through_the_reader_gives_the_same_ledger(tmp_path_factory: Any, which: int, cuts: list[int],
                                                            chunk: int) -> None:
    tmp = tmp_path_factory.mktemp("split")
    data = FILES[which]
    path = tmp / ("analytics.jsonl" if which == 0 else aider.HISTORY_NAME)
    db = tmp / "ledger.db"
    offset = 0
    for end in [*sorted({c % len(data) for c in cuts}), len(data)]:
        with open(path, "ab") as f:
            f.write(data[offset:end])
        offset = max(offset, end)
        _sync(db, path, chunk)
    one = tmp / "one.db"
    _sync(one, path, 1 << 20)
    assert _rows(db) == _rows(one)
    assert len(_rows(one)) == (8 if which == 0 else 5)
    _sync(one, path, chunk)  # reading again changes nothing
    path.unlink()
    path.write_bytes(data)  # nor does a copy of the same bytes read from the start (another inode)
    _sync(one, path, chunk)
    assert _rows(db) == _rows(one)


_scalar = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True),
                    st.text(max_size=12), st.sampled_from(["message_send", "launched", "None", "\ud83d", "nan"]))
_value = st.recursive(_scalar, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                        st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=8)
_props = st.dictionaries(st.sampled_from(["main_model", "prompt_tokens", "completion_tokens", "cost",
                                          "total_cost", "edit_format"]), _value, max_size=6)


@st.composite
def hostile_line(draw: Any) -> bytes:
    kind = draw(st.sampled_from(["message_send", "launched", "bytes", "any"]))
    if kind == "bytes":
        return draw(st.binary(max_size=60)).replace(b"\n", b" ") + b' "message_send"\n'
    if kind == "any":
        return json.dumps(draw(_value)).encode() + b"\n"
    rec = {"event": kind, "properties": draw(st.one_of(_props, _value)), "user_id": draw(_value),
           "time": draw(st.one_of(_value, st.integers(1_700_000_000, 1_800_000_000)))}
    try:
        return json.dumps(rec).encode() + b"\n"
    except ValueError:  # a lone surrogate json cannot write: write it escaped by hand
        return json.dumps(rec, ensure_ascii=True).encode() + b"\n"


GOOD = ac.line(ac.send(1755100406, ac.PRO, 10, 1)).encode()
LAST = ac.line(ac.send(1755100999, ac.FLASH, 10**8, 7)).encode()


@SETTINGS
@given(lines=st.lists(hostile_line(), max_size=12), eof=st.booleans())
def test_garbage_never_raises_and_good_lines_still_count(lines: list[bytes], eof: bool) -> None:
    data = GOOD + b"".join(lines) + LAST
    state: dict[str, Any] = {}
    p = aider.parse(data, eof, state=state)
    assert p.consumed == len(data)
    for ev in p.events:
        assert problem(ev) is None, ev
    json.dumps(state)  # the state stays JSON (it is stored with the position)
    assert p.events[0].input_tokens == 10 and p.events[-1].input_tokens == 10**8
    assert p.events[-1].model == ac.FLASH


_md_line = st.one_of(
    st.sampled_from(["> Tokens: ", "> Tokens: 1k sent, received.", "> Tokens: 99999999999k sent, 1 received.",
                     "> Model: ", "> Main model:  with", "# aider chat started at 2025-13-45 99:99:99",
                     "# aider chat started at 1999-01-01 00:00:00", "> Tokens: 1.2.3k sent, 4 received.",
                     "> Tokens: 5 sent, 6 cache hit, 7 received. Cost: $nan message"]),
    st.text(max_size=40).map(lambda t: "> " + t.replace("\n", " ")),
    st.binary(max_size=40).map(lambda b: b.replace(b"\n", b" ").decode("latin-1")),
)
MD_HEAD = "# aider chat started at 2025-08-10 09:00:00\n> Model: gpt-4o with diff edit format\n"
MD_TAIL = "# aider chat started at 2025-08-20 09:00:00\n> Model: gpt-4.1 with diff edit format\n" \
          "> Tokens: 3.0k sent, 7 received.\n"


@SETTINGS
@given(lines=st.lists(_md_line, max_size=12), eof=st.booleans())
def test_history_garbage_never_raises_and_the_last_report_counts(lines: list[str], eof: bool) -> None:
    data = (MD_HEAD + "".join(ln + "\n" for ln in lines) + MD_TAIL).encode("utf-8", "surrogateescape")
    state: dict[str, Any] = {}
    p = aider.parse(data, eof, state=state, launches=[])
    assert p.consumed == len(data)
    for ev in p.events:
        assert problem(ev) is None, ev
    json.dumps(state)
    last = p.events[-1]
    assert (last.model, last.input_tokens, last.output_tokens, last.tokens_estimated) == \
        ("gpt-4.1", 3000, 7, "aider-report")


@SETTINGS
@given(data=st.binary(max_size=400), eof=st.booleans(), md=st.booleans())
def test_random_bytes_never_raise(data: bytes, eof: bool, md: bool) -> None:
    state: dict[str, Any] = {"mode": "md"} if md else {}
    p = aider.parse(data, eof, state=state, launches=LAUNCHES)
    assert 0 <= p.consumed <= len(data)
