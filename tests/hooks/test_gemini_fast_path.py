"""The Gemini CLI backfill's fast path (``hooks.gemini_cli._lines_fast``: records read
straight from fast_loads's msgspec structs) against the careful path (``json.loads``):
the same events, skips, consumed bytes and state, with hand-computed numbers, on the
cases where the two part: copies of a message, a one-line legacy document read as a
last line, counts msgspec refuses, a torn line between good ones.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from hooks import gemini_cli
from tests.hooks import gemini_corpus as gc

FAST = gemini_cli.fast_loads()
pytestmark = pytest.mark.skipif(FAST is None, reason="msgspec is not installed")
ROOTS = {gc.sha("/p/alpha"): "/p/alpha", gc.sha("/p/beta"): "/p/beta"}
TS = "2026-08-20T10:00:05.000Z"
TS_MS = 1787220005000  # 2026-08-20T10:00:05Z


def read(data: bytes, eof: bool, loads: Any) -> tuple[Any, ...]:
    state: dict[str, Any] = {}
    p = gemini_cli.parse(data, eof, loads, state=state, roots=ROOTS)
    return p.events, p.skips, p.consumed, state


def both(data: bytes, eof: bool = True) -> tuple[Any, ...]:
    fast, plain = read(data, eof, FAST), read(data, eof, json.loads)
    assert fast == plain
    return plain


def counts(ev: Any) -> tuple[Any, ...]:
    return (ev.event_id, ev.model, ev.ts_ms, ev.session, ev.project, ev.input_tokens, ev.cache_read_tokens,
            ev.output_tokens, ev.reasoning_tokens)


def test_timestamp_constant() -> None:
    assert gemini_cli._iso_ms(TS) == TS_MS


def test_copies_make_one_event_and_a_larger_later_copy_is_kept() -> None:
    """Gemini CLI appends a message again for each change (without tokens, with them,
    with its tool calls); an equal copy is passed over, a larger one (which Gemini CLI
    does not write, tokens are set once) still raises the counts."""
    first = gc.gemini("g1", TS, None)
    with_tokens = gc.gemini("g1", TS, gc.tokens(100, 10, cached=40, thoughts=5, tool=3))
    with_tools = {**with_tokens, "toolCalls": [{"id": "t1", "name": "run_shell_command", "args": {}}]}
    larger = gc.gemini("g1", TS, gc.tokens(100, 25, cached=40, thoughts=5, tool=3))
    lines = [gc.meta(gc.SESSION_A, "/p/alpha", TS), first, with_tokens, with_tools, with_tools, larger]
    events, skips, consumed, state = both("".join(map(gc.line, lines)).encode())
    # fresh input = 100 - 40 cached + 3 tool-use prompt; output: the largest copy's 25
    assert [counts(e) for e in events] == [
        ("g1", gc.PRO, TS_MS, gc.SESSION_A, "/p/alpha", 63, 40, 25, 5)]
    assert skips == {}
    assert state["sid"] == gc.SESSION_A and state["model"] == gc.PRO


def test_a_one_line_legacy_document_is_read_as_the_last_line() -> None:
    doc = {**gc.meta(gc.SESSION_L, "/p/beta", TS, None), "messages": [
        gc.user("u1", TS),
        gc.gemini("m1", TS, gc.tokens(50, 7, cached=10)),
        gc.gemini("m2", TS, gc.tokens(20, 2), model=None),  # takes the latest model seen
    ]}
    data = json.dumps(doc, separators=(",", ":")).encode()  # no newline: a last line
    events, skips, consumed, state = both(data)
    assert [counts(e) for e in events] == [
        ("m1", gc.PRO, TS_MS, gc.SESSION_L, "/p/beta", 40, 10, 7, 0),
        ("m2", gc.PRO, TS_MS, gc.SESSION_L, "/p/beta", 20, 0, 2, 0),
    ]
    assert (skips, consumed, state["mode"]) == ({}, len(data), "lines")
    assert both(data, eof=False)[:3] == ([], {}, 0)  # maybe still being written


def test_counts_msgspec_refuses_are_read_as_json_loads_reads_them() -> None:
    null_and_float: Any = {"input": None, "output": 3.0, "cached": 0}  # null: 0; 3.0: 3
    a_bool: Any = {"input": True, "output": 1}  # a bool is no count
    lines = [
        gc.meta(gc.SESSION_A, "/p/alpha", TS),
        gc.gemini("n1", TS, null_and_float),
        gc.gemini("b1", TS, a_bool),
        gc.gemini("k1", TS, gc.tokens(9, 1)),
    ]
    events, skips, consumed, state = both("".join(map(gc.line, lines)).encode())
    assert [counts(e) for e in events] == [
        ("n1", gc.PRO, TS_MS, gc.SESSION_A, "/p/alpha", 0, 0, 3, 0),
        ("k1", gc.PRO, TS_MS, gc.SESSION_A, "/p/alpha", 9, 0, 1, 0),
    ]
    assert skips == {"bad-usage": 1}


def test_a_torn_line_between_good_ones_is_one_skip() -> None:
    good = [gc.line(gc.meta(gc.SESSION_A, "/p/alpha", TS)), gc.line(gc.gemini("k1", TS, gc.tokens(9, 1)))]
    whole = gc.line(gc.gemini("t1", TS, gc.tokens(5, 5)))
    torn = whole[: whole.index('"tokens":') + 15] + "\n"  # cut inside its tokens: a key of ours is there
    after = gc.line(gc.gemini("k2", TS, gc.tokens(4, 2, cached=4)))
    data = "".join([*good, torn, after]).encode()
    events, skips, consumed, state = both(data)
    assert [counts(e) for e in events] == [
        ("k1", gc.PRO, TS_MS, gc.SESSION_A, "/p/alpha", 9, 0, 1, 0),
        ("k2", gc.PRO, TS_MS, gc.SESSION_A, "/p/alpha", 0, 4, 2, 0),
    ]
    assert (skips, consumed) == ({"invalid-json": 1}, len(data))


def test_well_formed_files_never_leave_the_structs() -> None:
    """Gemini CLI's own records (a session, a migrated legacy session, a one-line
    legacy document) are all read from the structs: a fallback to the dict decoder
    (its ``loads``) would lose the speed without a test failing elsewhere."""

    def no_dict(line: bytes) -> Any:
        raise AssertionError(f"read as a dict: {line[:80]!r}")

    assert FAST is not None
    strict = gemini_cli._Fast(no_dict, FAST.records, FAST.unset, FAST.as_message)
    def objects(lines: list[str]) -> bytes:  # the corpus's deliberately broken lines left out
        return "".join(x for x in lines if isinstance(_object_or_none(x), dict)).encode()

    legacy = json.dumps(gc.legacy_document(), separators=(",", ":")).encode()
    for data in (objects(gc.session_a_lines()), objects(gc.migrated_lines()), legacy):
        events = read(data, True, strict)
        assert events == read(data, True, json.loads)
        assert events[0]


def _object_or_none(line: str) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        return None
