"""Property tests of ``tokenprint log`` (issue 10): whatever JSON arrives on stdin,
``log`` exits 0 or 2, never with a traceback; a refused batch writes nothing (every
file of the data folder byte for byte as before); an accepted batch stores exactly
what was given, names with their control characters replaced by ``?``.

The bulk runs in-process through click's ``CliRunner`` on a real SQLite ledger; a
few examples run the real console script as subprocesses.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.events import EARLIEST_MS, MAX_TOKENS_PER_REQUEST, format_ts, latest
from tests.conftest import run
from tui.cli import cli

CONTROLS = [chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A))]
BUCKETS = ("input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens", "reasoning_tokens")


def neutral(text: str) -> str:
    """The reference: every control character above becomes ``?`` (written apart from
    ``ledger.events.neutralise`` so the test can disagree with it)."""
    return "".join("?" if c in CONTROLS else c for c in text)


def snapshot(home: Path) -> dict[str, str]:
    return {str(p.relative_to(home)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(home.rglob("*")) if p.is_file()}


def invoke(home: Path, text: str | bytes) -> Any:
    return CliRunner().invoke(cli, ["--home", str(home), "log", "--json", "-", "-q"], input=text)


def assert_clean_exit(result: Any) -> None:
    assert result.exit_code in (0, 2), (result.exit_code, result.output, result.exception)
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), repr(result.exception)


# -- strategies -------------------------------------------------------------------------
names = st.text(
    st.one_of(st.sampled_from(CONTROLS), st.characters(codec="utf-8"), st.sampled_from("/\\.~:%$`'\"<>|&;*?")),
    min_size=1, max_size=40,
).filter(lambda s: s.strip())
path_tricks = st.sampled_from([
    "../../etc/passwd", "/home/u/../../root", "C:\\Users\\x\\..\\..", "~/p", "./.", "\\\\server\\share",
    "p\u0000q", "/tmp/\u001b[2J", "a/" * 50, "%2e%2e/%2f", "\u202eexe.txt",
])
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20),
)
json_values = st.recursive(
    json_scalars,
    lambda kids: st.one_of(st.lists(kids, max_size=4), st.dictionaries(st.text(max_size=8), kids, max_size=4)),
    max_leaves=20,
)
absurd_counts = st.one_of(
    st.integers(min_value=MAX_TOKENS_PER_REQUEST + 1, max_value=10**40),
    st.integers(max_value=-1, min_value=-(10**30)),
    st.floats(min_value=1e10, max_value=1e308),
    st.sampled_from([0.5, 1.5, -0.0 - 1, True, False, "12", [1], {"n": 1}]),
)
far_instants = st.one_of(
    st.sampled_from(["0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z", "1970-01-01T00:00:00Z",
                     "2014-12-31T23:59:59.999Z", "3000-01-01T00:00:00Z", "yesterday", "", "2026-13-01T00:00:00Z"]),
    st.integers(min_value=-(10**20), max_value=EARLIEST_MS // 1000 - 1),
    st.integers(min_value=10**11, max_value=10**25),
)
ok_instants = st.integers(min_value=EARLIEST_MS, max_value=latest() - 120_000)


@st.composite
def good_items(draw: st.DrawFn) -> dict[str, Any]:
    item: dict[str, Any] = {"model": draw(names), "id": f"{uuid.uuid4()}{draw(st.text(max_size=5))}",
                            "timestamp": format_ts(draw(ok_instants))}
    for b in BUCKETS:
        if draw(st.booleans()):
            item[b] = draw(st.integers(min_value=0, max_value=MAX_TOKENS_PER_REQUEST))
    if draw(st.booleans()):
        item["requests"] = draw(st.integers(min_value=1, max_value=50))
    for key in ("session", "provider"):
        if draw(st.booleans()):
            item[key] = draw(names)
    if draw(st.booleans()):
        item["project"] = draw(st.one_of(names, path_tricks))
    if draw(st.booleans()):
        item["extra"] = draw(json_values)  # unknown keys are ignored
    return item


@st.composite
def bad_items(draw: st.DrawFn) -> Any:
    base = draw(good_items())
    kind = draw(st.sampled_from(["count", "instant", "model", "type", "cost"]))
    if kind == "count":
        base.pop("requests", None)  # a grouped event may hold its requests' worth
        base[draw(st.sampled_from((*BUCKETS, "requests")))] = draw(absurd_counts)
    elif kind == "instant":
        base["timestamp"] = draw(far_instants)
    elif kind == "model":
        base["model"] = draw(st.one_of(st.none(), st.just("  "), st.integers(), st.lists(st.text(), max_size=2)))
    elif kind == "type":
        return draw(st.one_of(json_scalars, st.lists(json_scalars, max_size=2)))
    else:
        base["cost_usd"] = draw(st.one_of(st.just(-1), st.just(1e300), st.text(max_size=3), st.just(True)))
    return base


@pytest.fixture(scope="module")
def shared_home() -> Any:
    with tempfile.TemporaryDirectory(prefix="tp-log-prop-") as d:
        home = Path(d) / "home"
        home.mkdir()
        yield home


def stored(home: Path, ids: list[str]) -> dict[str, tuple[Any, ...]]:
    conn = sqlite3.connect(home / "ledger.db")
    try:
        marks = ",".join("?" * len(ids))
        rows = conn.execute(
            f"SELECT event_id, model, session, project, provider, ts, {', '.join(BUCKETS)}, requests "
            f"FROM events WHERE event_id IN ({marks})", ids).fetchall()
    finally:
        conn.close()
    return {r[0]: r[1:] for r in rows}


# -- properties -------------------------------------------------------------------------
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                HealthCheck.too_slow])
@given(batch=st.lists(good_items(), min_size=1, max_size=5), one=st.booleans())
def test_an_accepted_batch_stores_exactly_what_was_given(shared_home: Path, batch: list[dict[str, Any]],
                                                         one: bool) -> None:
    payload = batch[0] if one and len(batch) == 1 else batch
    result = invoke(shared_home, json.dumps(payload))
    assert result.exit_code == 0, result.output
    ids = [neutral(it["id"]) for it in batch]
    rows = stored(shared_home, ids)
    assert len(rows) == len(batch)
    for it, key in zip(batch, ids, strict=True):
        model, session, project, provider, ts, *counts, requests = rows[key]
        assert model == neutral(it["model"].strip())
        assert session == (neutral(it["session"]) if it.get("session") else None)
        assert project == (neutral(it["project"]) if it.get("project") else None)
        assert provider == (neutral(it["provider"]) if it.get("provider") else None)
        assert format_ts(ts) == it["timestamp"]
        assert counts == [it.get(b, 0) for b in BUCKETS]
        assert requests == it.get("requests", 1)
        assert not any(c in CONTROLS for c in f"{model}{session}{project}{provider}{key}")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(good=st.lists(good_items(), max_size=3), bad=bad_items(), where=st.integers(min_value=0, max_value=3))
def test_one_bad_item_refuses_the_batch_and_writes_nothing(shared_home: Path, good: list[Any], bad: Any,
                                                           where: int) -> None:
    invoke(shared_home, json.dumps([{"model": "seed", "id": "seed"}]))  # the ledger exists
    before = snapshot(shared_home)
    batch = [*good[:where], bad, *good[where:]]
    result = invoke(shared_home, json.dumps(batch))
    assert_clean_exit(result)
    assert result.exit_code == 2, (batch, result.output)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tokenprint: stdin"), result.output
    assert snapshot(shared_home) == before


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(value=json_values)
def test_any_json_value_exits_0_or_2(shared_home: Path, value: Any) -> None:
    before = snapshot(shared_home)
    result = invoke(shared_home, json.dumps(value))
    assert_clean_exit(result)
    if result.exit_code == 2:
        assert snapshot(shared_home) == before


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=200))
def test_any_bytes_exit_0_or_2(shared_home: Path, data: bytes) -> None:
    before = snapshot(shared_home)
    result = invoke(shared_home, data)
    assert_clean_exit(result)
    if result.exit_code == 2:
        assert snapshot(shared_home) == before


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(depth=st.integers(min_value=900, max_value=200_000), opener=st.sampled_from(["[", '{"a":']),
       wrap=st.booleans())
def test_deep_nesting_is_refused_cleanly(shared_home: Path, depth: int, opener: str, wrap: bool) -> None:
    closer = "]" if opener == "[" else "}"
    deep = opener * depth + "1" + closer * depth
    text = '[{"model": "m", "x": ' + deep + "}]" if wrap else deep
    before = snapshot(shared_home)
    result = invoke(shared_home, text)
    assert_clean_exit(result)
    if result.exit_code == 2:
        assert snapshot(shared_home) == before
        assert len(result.output.strip().splitlines()) == 1


# -- a few real processes -----------------------------------------------------------------
REAL = [
    "[" * 100_000 + "]" * 100_000,
    json.dumps([{"model": "m", "id": "a", "input_tokens": 10**30}]),
    json.dumps([{"model": "m\u001b[2J", "id": "b\u202e", "timestamp": "9999-12-31T23:59:59.999Z"}]),
    json.dumps([{"model": "m", "id": "c", "input_tokens": 9223372036854775807}] * 2),
    '{"model": "m", "output_tokens": 1e999}',
]


@pytest.mark.parametrize("payload", REAL, ids=["deep", "1e30", "far-9999", "int64-max", "1e999"])
def test_real_process_refuses_without_traceback(home: Path, payload: str) -> None:
    run("log", "--json", "-", input=json.dumps({"model": "seed", "id": "seed"}))
    before = snapshot(home)
    p = run("log", "--json", "-", input=payload)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
    assert snapshot(home) == before


def test_real_process_stores_neutralised_names(home: Path) -> None:
    item = {"model": "\u001b]0;pwned\u0007", "project": "../../\u202eetc", "id": "x\u0085", "input_tokens": 3}
    p = run("log", "--json", "-", input=json.dumps(item))
    assert p.returncode == 0, p.stderr
    assert stored(home, ["x?"]) and stored(home, ["x?"])["x?"][:3] == ("?]0;pwned?", None, "../../?etc")
