"""Property tests of ``ledger.events`` validation (issue 10): any JSON value is an
event or an ``EventError`` (never another exception), an accepted event passes the
limits every adapter applies (:func:`ledger.events.problem`) and holds no control
character, and the limits are exactly where they are stated."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.events import (
    EARLIEST_MS,
    MAX_REQUESTS_PER_EVENT,
    MAX_TOKENS_PER_REQUEST,
    TEXT_FIELDS,
    Event,
    EventError,
    event_from_json,
    latest,
    neutralise,
    neutralised,
    problem,
)
from ledger.ingest import dedupe

NOW = 1_790_000_000_000  # 2026-09-21
CONTROLS = frozenset(chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0),
                                      *range(0x202A, 0x202F), *range(0x2066, 0x206A)))
BUCKETS = ("input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens", "reasoning_tokens")

scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**80), max_value=2**80),
                    st.floats(), st.text(max_size=12))
values = st.recursive(scalars, lambda k: st.one_of(st.lists(k, max_size=3),
                                                   st.dictionaries(st.text(max_size=6), k, max_size=3)),
                      max_leaves=12)
keys = st.sampled_from(["model", "client", "timestamp", "id", "session", "project", "provider", "cost_usd",
                        "requests", *BUCKETS, "other"])
items = st.dictionaries(keys, values, max_size=10)
texts = st.text(st.one_of(st.sampled_from(sorted(CONTROLS)), st.characters(codec="utf-8")), max_size=30)


@settings(max_examples=500, deadline=None)
@given(item=st.one_of(items, values, st.fixed_dictionaries({"model": texts}, optional={
    "timestamp": st.one_of(st.integers(), st.floats(), st.text(max_size=30)),
    "input_tokens": st.one_of(st.integers(min_value=-5, max_value=2 * MAX_TOKENS_PER_REQUEST), st.floats()),
    "requests": st.integers(min_value=-2, max_value=2 * MAX_REQUESTS_PER_EVENT),
    "session": texts, "project": texts, "id": texts})))
def test_any_json_is_an_event_or_an_event_error(item: Any) -> None:
    try:
        ev = event_from_json(item, "x", now=NOW)
    except EventError as exc:
        msg = str(exc)
        assert msg.startswith("x: ") and "\n" not in msg and len(msg) < 400
        return
    assert problem(ev, NOW) is None
    for name in (*TEXT_FIELDS, "client"):
        value = getattr(ev, name)
        assert value is None or not (set(value) & CONTROLS)


@given(text=texts)
def test_neutralise_replaces_exactly_the_controls(text: str) -> None:
    out = neutralise(text)
    assert len(out) == len(text)
    assert out == "".join("?" if c in CONTROLS else c for c in text)
    assert neutralise(out) == out


@given(n=st.integers(min_value=0, max_value=10**20), requests=st.integers(min_value=0, max_value=10**7),
       bucket=st.sampled_from(BUCKETS))
def test_count_limits_are_where_they_are_stated(n: int, requests: int, bucket: str) -> None:
    ev = Event(client="manual", event_id="e", model="m", ts_ms=NOW, requests=requests)
    setattr(ev, bucket, n)
    ok = requests <= MAX_REQUESTS_PER_EVENT and n <= MAX_TOKENS_PER_REQUEST * max(requests, 1)
    assert (problem(ev, NOW) is None) == ok


@given(ts=st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_instant_window_is_where_it_is_stated(ts: int) -> None:
    ev = Event(client="manual", event_id="e", model="m", ts_ms=ts)
    assert (problem(ev, NOW) is None) == (EARLIEST_MS <= ts <= latest(NOW))
    assert (problem(ev, NOW) == "far-instant") == (not EARLIEST_MS <= ts <= latest(NOW))


@given(model=texts.filter(str.strip), session=st.one_of(st.none(), texts), event_id=texts.filter(bool))
def test_every_writer_stores_names_neutralised(model: str, session: str | None, event_id: str) -> None:
    ev = Event(client="claude-code", event_id=event_id, model=model, ts_ms=NOW, session=session)
    out = list(dedupe([ev]).values())
    assert len(out) == 1
    assert out[0] == replace(ev, model=neutralise(model), event_id=neutralise(event_id),
                             session=neutralise(session) if session is not None else None)
    assert neutralised(out[0]) is out[0]
