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


# --- Limits at the door (issue 10, defect 2) -------------------------------------

from ledger.events import (  # noqa: E402
    ABSURD_COUNT,
    BAD_COUNT,
    EARLIEST_MS,
    FAR_INSTANT,
    MAX_REQUESTS_PER_EVENT,
    MAX_TOKENS_PER_REQUEST,
    Event,
    check_event,
    latest,
    neutralise,
    now_ms,
    problem,
)

NOW = parse_timestamp("2026-06-01T12:00:00Z")


def _ev(**kw: object) -> Event:
    base: dict[str, object] = {"client": "manual", "event_id": "e", "model": "m", "ts_ms": NOW}
    base.update(kw)
    return Event(**base)  # type: ignore[arg-type]


def test_a_real_event_has_no_problem() -> None:
    assert problem(_ev(input_tokens=MAX_TOKENS_PER_REQUEST, cache_read_tokens=200_000), NOW) is None
    assert check_event is problem


@pytest.mark.parametrize(
    ("kw", "reason"),
    [
        ({"input_tokens": MAX_TOKENS_PER_REQUEST + 1}, ABSURD_COUNT),
        ({"output_tokens": 9223372036854775807}, ABSURD_COUNT),
        ({"cache_read_tokens": 10**30}, ABSURD_COUNT),
        ({"requests": MAX_REQUESTS_PER_EVENT + 1}, ABSURD_COUNT),
        ({"reasoning_tokens": -1}, BAD_COUNT),
        ({"input_tokens": 1.5}, BAD_COUNT),
        ({"input_tokens": True}, BAD_COUNT),
        ({"ts_ms": EARLIEST_MS - 1}, FAR_INSTANT),
        ({"ts_ms": parse_timestamp("0001-01-01T00:00:00Z")}, FAR_INSTANT),
        ({"ts_ms": parse_timestamp("9999-12-31T23:59:59.999Z")}, FAR_INSTANT),
        ({"ts_ms": NOW + 86_400_000 + 1}, FAR_INSTANT),
    ],
)
def test_what_cannot_be_real_has_a_reason(kw: dict[str, object], reason: str) -> None:
    assert problem(_ev(**kw), NOW) == reason


def test_a_grouped_event_may_hold_its_requests_worth() -> None:
    ok = _ev(requests=10, input_tokens=10 * MAX_TOKENS_PER_REQUEST)
    assert problem(ok, NOW) is None
    assert problem(_ev(requests=10, input_tokens=10 * MAX_TOKENS_PER_REQUEST + 1), NOW) == ABSURD_COUNT


def test_the_window_is_earliest_to_a_day_after_now() -> None:
    assert problem(_ev(ts_ms=EARLIEST_MS), NOW) is None
    assert problem(_ev(ts_ms=latest(NOW)), NOW) is None
    assert latest(NOW) == NOW + 86_400_000
    assert abs(latest() - now_ms() - 86_400_000) < 5_000


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"model": "m", "input_tokens": 9223372036854775807}, "above the maximum of 1,000,000,000 tokens per request"),
        ({"model": "m", "output_tokens": 10**30}, "about 10\\*\\*30 is above the maximum"),
        ({"model": "m", "output_tokens": 1e300}, "above the maximum"),
        ({"model": "m", "output_tokens": float("inf")}, "must be a non-negative integer"),
        ({"model": "m", "output_tokens": float("nan")}, "must be a non-negative integer"),
        ({"model": "m", "requests": 10**7}, "requests 10000000 is above the maximum of 1,000,000 per event"),
        ({"model": "m", "timestamp": "0001-01-01T00:00:00Z"}, "0001-01-01T00:00:00.000Z is outside the accepted window"),
        ({"model": "m", "timestamp": "9999-12-31T23:59:59.999Z"}, "outside the accepted window 2015-01-01"),
        ({"model": "m", "timestamp": 10**30}, "outside the accepted window"),
        ({"model": "m", "timestamp": 10**400}, "not RFC 3339"),
        ({"model": "m", "project": "x" * 5000}, "project is 5,000 characters long"),
    ],
)
def test_log_items_beyond_the_limits_are_refused(item: object, message: str) -> None:
    with pytest.raises(EventError, match=message) as err:
        event_from_json(item, "stdin: item 2", now=NOW)
    assert str(err.value).startswith("stdin: item 2: ")
    assert len(str(err.value)) < 200 and "\n" not in str(err.value)


# --- Names stored neutralised (issue 10, defect 4, storage half) -------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("\x1b[2J\x1b[31mRED", "?[2J?[31mRED"),
        ("\x1b]0;pwned\x07", "?]0;pwned?"),
        ("a\x00b\x7fc\x85d\x9be", "a?b?c?d?e"),
        ("left\u202eright\u2066x\u2069", "left?right?x?"),
        ("tab\there\nnl", "tab?here?nl"),
        ("café ☕ 漢字 👩‍💻", "café ☕ 漢字 👩‍💻"),
    ],
)
def test_control_characters_are_replaced(raw: str, stored: str) -> None:
    assert neutralise(raw) == stored
    ev = event_from_json(
        {"model": raw, "project": raw, "session": raw, "provider": raw, "id": raw}, "x", now=NOW
    )
    assert (ev.model, ev.project, ev.session, ev.provider, ev.event_id) == (stored,) * 5
