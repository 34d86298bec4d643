"""Gemini CLI appends a message whole each time it changes (``pushMessage`` in
``chatRecordingService.ts``): the backfill's decoder passes over a later copy that would
make the same event again. These pin that nothing a later copy brings is lost: larger
counts, an earlier instant, a model, session or project learnt since, a count that only
looks equal (``True == 1``, ``1.0 == 1``); and that the fast read equals the plain one.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hooks import gemini_cli
from tests.hooks import gemini_corpus as gc

FAST = gemini_cli.fast_loads()
pytestmark = pytest.mark.skipif(FAST is None, reason="msgspec is not installed")
ROOTS = {gc.sha("/p/alpha"): "/p/alpha"}
TS, EARLIER = "2026-08-20T10:00:05.123Z", "2026-08-20T10:00:04.000Z"
MS, EARLIER_MS = 1787220005123, 1787220004000


def _read(lines: list[Any], loads: Any) -> tuple[Any, ...]:
    data = b"".join(json.dumps(r).encode() + b"\n" for r in lines)
    state: dict[str, Any] = {}
    p = gemini_cli.parse(data, True, loads, state=state, roots=ROOTS)
    return p.events, p.skips, p.consumed, state


def _both(lines: list[Any]) -> tuple[Any, ...]:
    fast, plain = _read(lines, FAST), _read(lines, json.loads)
    assert fast == plain
    return plain


def _msg(tok: Any, ts: str = TS, model: str | None = gc.PRO, **extra: Any) -> dict[str, Any]:
    return {**gc.gemini("g1", ts, tok, model), **extra}


def test_gemini_clis_own_copies_make_one_event() -> None:
    """Text, then tokens (``recordMessageTokens``), then a tool call (``recordToolCalls``)."""
    tok = gc.tokens(12034, 85, 8000, 120, 7)
    lines = [gc.meta("s1", "/p/alpha", TS), _msg(None), _msg(tok),
             _msg(tok, toolCalls=[{"id": "c1", "name": "run_shell_command", "args": {"tokens": 9}}]),
             {"$set": {"lastUpdated": TS}}]
    events, skips, _, state = _both(lines)
    assert skips == {} and state["sid"] == "s1"
    assert [(e.event_id, e.model, e.ts_ms, e.session, e.project, e.input_tokens, e.cache_read_tokens,
             e.output_tokens, e.reasoning_tokens) for e in events] == [
        ("g1", gc.PRO, MS, "s1", "/p/alpha", 12034 - 8000 + 7, 8000, 85, 120)]


@pytest.mark.parametrize("later, expected", [
    (_msg(gc.tokens(100, 50)), (MS, 100, 50)),                  # larger output
    (_msg(gc.tokens(100, 10), ts=EARLIER), (EARLIER_MS, 100, 10)),  # an earlier instant
    (_msg(gc.tokens(100, 10)), (MS, 100, 10)),                  # the same: nothing new
])
def test_a_later_copy_that_brings_more_is_read(later: dict[str, Any], expected: tuple[int, ...]) -> None:
    tok = gc.tokens(100, 10)
    events, skips, _, _ = _both([_msg(tok), _msg(tok), later])
    assert skips == {}
    assert [(e.ts_ms, e.input_tokens, e.output_tokens) for e in events] == [expected]


def test_a_copy_with_a_count_json_reads_as_bad_is_counted() -> None:
    tok = gc.tokens(100, 10)
    events, skips, _, _ = _both([_msg(tok), _msg({**tok, "input": True})])
    assert skips == {"bad-usage": 1}
    assert [(e.input_tokens, e.output_tokens) for e in events] == [(100, 10)]


@pytest.mark.parametrize("between, expected", [
    ({"id": "g0", "type": "gemini", "model": gc.FLASH, "timestamp": TS}, (gc.FLASH, None, None)),
    ({"$set": {"sessionId": "s2"}}, ("unknown", "s2", None)),
    ({"$set": {"projectHash": gc.sha("/p/alpha")}}, ("unknown", None, "/p/alpha")),
])
def test_a_copy_after_the_context_changed_is_read(between: dict[str, Any], expected: tuple[Any, ...]) -> None:
    """A model learnt from another message, a session or project set by a ``$set``
    after the first copies: the next copy brings them (first known wins)."""
    tok = gc.tokens(100, 10)
    events, skips, _, _ = _both([_msg(tok, model=None), _msg(tok, model=None), between, _msg(tok, model=None)])
    assert skips == {}
    assert [(e.model, e.session, e.project) for e in events if e.event_id == "g1"] == [expected]


def test_counts_that_only_compare_equal_are_judged_as_json_reads_them() -> None:
    for odd, skips, output in ((True, {"bad-usage": 1}, 1), (1.0, {}, 1), (False, {"bad-usage": 1}, 0),
                               (None, {}, 0), (-0.0, {}, 0)):
        base = 0 if output == 0 else 1
        lines = [_msg(gc.tokens(5, base)), _msg({**gc.tokens(5, base), "output": odd})]
        events, got, _, _ = _both(lines)
        assert got == skips, odd
        assert [(e.input_tokens, e.output_tokens) for e in events] == [(5, output)], odd


_count = st.one_of(st.integers(0, 3), st.sampled_from([True, False, 1.0, 2.5, -1, None, "1", 10**20]))
_copy = st.fixed_dictionaries(
    {"tokens": st.one_of(st.none(), st.dictionaries(st.sampled_from(["input", "output", "cached"]), _count))},
    optional={"timestamp": st.sampled_from([TS, EARLIER, "x"]), "model": st.sampled_from([gc.PRO, gc.FLASH, 5]),
              "type": st.sampled_from(["gemini", "user"]), "id": st.sampled_from(["g1", "g2", None])})
_line = st.one_of(_copy, _copy, st.fixed_dictionaries({"$set": st.fixed_dictionaries(
    {}, optional={"sessionId": st.sampled_from(["s1", "s2"]), "projectHash": st.just(gc.sha("/p/alpha"))})}))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(_line, max_size=10))
def test_copies_of_few_messages_read_alike(lines: list[Any]) -> None:
    """Few ids, counts and instants, so that copies meet: the fast read (which passes
    over copies) gives what the plain one (which builds every copy) gives."""
    _both(lines)


def test_lines_are_decoded_first_garbage_without_our_keys_is_no_skip() -> None:
    data = (b'[1, 2]\nnot json\n"model"\n{"broken": "tokens"\n["tokens"]\n'
            b'{"id": "g9", "type": "gemini", "timestamp": "' + TS.encode() + b'", '
            b'"tok\\u0065ns": {"input": 5, "output": 2}}\n')
    for loads in (FAST or json.loads, json.loads):
        p = gemini_cli.parse(data, True, loads, state={}, roots=ROOTS)
        assert p.skips == {"invalid-json": 1, "not-an-object": 2}  # the last three garbage lines
        assert [(e.event_id, e.input_tokens, e.output_tokens) for e in p.events] == [("g9", 5, 2)]
        assert p.consumed == len(data)
