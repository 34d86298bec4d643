"""The backfill's msgspec decoders (``fast_loads``) of Codex and Gemini CLI give what
``json.loads`` gives, as :func:`parse` reads it: the same events, skips, consumed
bytes and state, on real-format files and on hostile records (hypothesis).

Each decoder builds only what its parse reads (and, for Gemini CLI, only the keys
whose presence parse tests); these properties pin that the shortcut changes nothing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hooks import codex, gemini_cli
from tests.hooks import codex_corpus as cc
from tests.hooks.test_properties_codex import hostile_line
from tests.hooks.test_properties_gemini_cli import FILES, ROOTS, hostile_record

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CODEX_FAST = codex.fast_loads()
GEMINI_FAST = gemini_cli.fast_loads()
pytestmark = pytest.mark.skipif(CODEX_FAST is None or GEMINI_FAST is None, reason="msgspec is not installed")


def _codex(data: bytes, eof: bool, loads: Any) -> tuple[Any, ...]:
    state: dict[str, Any] = {}
    p = codex.parse(data, eof, state=state, loads=loads)
    return p.events, p.skips, p.consumed, state


def _gemini(data: bytes, eof: bool, loads: Any) -> tuple[Any, ...]:
    state: dict[str, Any] = {}
    p = gemini_cli.parse(data, eof, loads, state=state, roots=ROOTS)
    return p.events, p.skips, p.consumed, state


@SETTINGS
@given(lines=st.lists(hostile_line(), max_size=12), eof=st.booleans(), which=st.integers(0, 6))
def test_codex_hostile_lines_decode_alike(lines: list[bytes], eof: bool, which: int) -> None:
    good = [cc.rollout_a(), cc.rollout_b(), cc.rollout_c(), cc.rollout_d(), cc.rollout_e(), cc.rollout_f(),
            cc.rollout_g()][which]
    data = good + b"".join(lines)
    assert _codex(data, eof, CODEX_FAST) == _codex(data, eof, json.loads)


@SETTINGS
@given(records=st.lists(hostile_record(), max_size=8), eof=st.booleans(), tail=st.booleans())
def test_gemini_hostile_records_decode_alike(records: list[Any], eof: bool, tail: bool) -> None:
    data = FILES["a"] + b"\n".join(json.dumps(r).encode() for r in records) + (b"" if tail else b"\n")
    assert _gemini(data, eof, GEMINI_FAST) == _gemini(data, eof, json.loads)


@pytest.mark.parametrize("name", sorted(FILES))
def test_gemini_real_files_decode_alike(name: str) -> None:
    data = FILES[name]
    assert _gemini(data, True, GEMINI_FAST) == _gemini(data, True, json.loads)
    assert _gemini(data, True, GEMINI_FAST)[0]  # events there to compare


def test_gemini_presence_of_the_keys_parse_tests() -> None:
    """``"id": null`` is still an id (a message, not the metadata line), and a
    ``$rewindTo`` or ``$set`` is one whatever it holds."""
    lines = [
        {"sessionId": "s1", "projectHash": "h", "id": None, "type": "gemini", "model": "m",
         "timestamp": "2026-08-20T10:00:00.000Z", "tokens": {"input": 5, "output": 1}},
        {"sessionId": "s2", "projectHash": "h2"},
        {"$set": None, "sessionId": "s3"},
        {"$rewindTo": None, "sessionId": "s4"},
        {"id": "g", "type": "gemini", "timestamp": "2026-08-20T10:00:01.000Z", "tokens": {"input": 7}},
    ]
    data = b"".join(json.dumps(r).encode() + b"\n" for r in lines)
    fast, plain = _gemini(data, True, GEMINI_FAST), _gemini(data, True, json.loads)
    assert fast == plain
    assert plain[1] == {"no-id": 1} and plain[3]["sid"] == "s2"
    assert [(e.event_id, e.session, e.project, e.input_tokens) for e in plain[0]] == [("g", "s2", "h2", 7)]


def test_codex_well_formed_rollouts_never_fall_back_to_json(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast reader decodes the rollouts' well-formed lines from its structs alone (a
    line it sends to ``json.loads`` costs twice): the only one sent is rollout A's torn
    line, which is not JSON."""
    calls: list[bytes] = []

    def counting(line: bytes) -> Any:
        calls.append(line)
        return json.loads(line)

    monkeypatch.setattr(codex, "_loads", counting)
    for data in (cc.rollout_a(), cc.rollout_b(), cc.rollout_c(), cc.rollout_d(), cc.rollout_e(),
                 cc.rollout_f(), cc.rollout_g()):
        assert codex.parse(data, True, state={}, loads=CODEX_FAST).events
    assert len(calls) == 1
    with pytest.raises(ValueError):
        json.loads(calls[0])
