"""Validation of ``log`` items and timestamp round trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.events import EventError, event_from_json, format_ts, parse_timestamp


def test_a_valid_item_becomes_an_event() -> None:
    ev = event_from_json(
        {"client": "codex", "model": "gpt-5", "timestamp": "2026-11-02T09:30:00+01:00",
         "input_tokens": 10, "cache_read_tokens": 5, "output_tokens": 3, "reasoning_tokens": 2,
         "session": "s1", "project": "/p", "id": "abc", "unknown_key": {"ignored": True}},
        "item 0",
    )
    assert (ev.client, ev.event_id, ev.model, ev.session, ev.project) == ("codex", "abc", "gpt-5", "s1", "/p")
    assert ev.ts_ms == parse_timestamp("2026-11-02T08:30:00Z")
    assert ev.counts() == {"input_tokens": 10, "cache_write_tokens": 0, "cache_read_tokens": 5,
                           "output_tokens": 3, "reasoning_tokens": 2, "requests": 1}


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"model": "m", "input_tokens": -1}, "input_tokens must be a non-negative integer"),
        ({"model": "m", "output_tokens": 1.5}, "output_tokens must be a non-negative integer"),
        ({"model": "m", "output_tokens": "12"}, "output_tokens must be a non-negative integer"),
        ({"model": "m", "requests": True}, "requests must be a non-negative integer"),
        ({"input_tokens": 1}, "model is missing"),
        ({"model": "  "}, "model is missing"),
        ({"model": "m", "timestamp": "yesterday"}, "not RFC 3339"),
        ({"model": "m", "client": "Bad Client"}, "client must be"),
        ([1, 2], "expected a JSON object"),
    ],
)
def test_bad_items_are_rejected_naming_the_item(item: object, message: str) -> None:
    with pytest.raises(EventError, match=message) as err:
        event_from_json(item, "stdin: item 3")
    assert str(err.value).startswith("stdin: item 3:")


def test_without_id_the_same_usage_is_the_same_event() -> None:
    item = {"model": "m", "timestamp": "2026-01-01T00:00:00Z", "input_tokens": 3}
    assert event_from_json(item, "a").event_id == event_from_json(dict(item), "b").event_id
    other = event_from_json({**item, "input_tokens": 4}, "c")
    assert other.event_id != event_from_json(item, "a").event_id


def test_requests_default_to_one_and_can_be_given() -> None:
    assert event_from_json({"model": "m"}, "x").requests == 1
    assert event_from_json({"model": "m", "requests": 7}, "x").requests == 7


@given(st.integers(min_value=0, max_value=4_102_444_800_000))
def test_timestamps_round_trip(ts_ms: int) -> None:
    assert parse_timestamp(format_ts(ts_ms)) == ts_ms


def test_naive_timestamps_are_utc_and_offsets_are_honoured() -> None:
    assert parse_timestamp("2026-03-01T12:00:00") == parse_timestamp("2026-03-01T12:00:00Z")
    assert parse_timestamp("2026-03-01T13:00:00+01:00") == parse_timestamp("2026-03-01T12:00:00Z")
