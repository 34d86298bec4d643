"""ledger.prettyjson.dumps gives json.dumps(obj, indent=1) byte for byte: on real
reports (every period, dimension, zone, with training lines), on hostile strings
and floats, and, by falling back to json, on whatever it does not handle itself."""

from __future__ import annotations

import enum
import json
import math
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.prettyjson import dumps

HOSTILE = [
    "", " ", '"', "\\", '\\"', "\x00", "\x1f", "\x7f", "\u2028\u2029", "\n\r\t\b\f", "é", "日本語",
    "\U0001f600", "\ud800", "\udfff", "\ud83d\ude00", "</script>", "a\u0000b", "\ufeff", "{\n [1,\n 2]}",
    ",\n ", ": ", "NaN", "Infinity", "null", "true",
]
FLOATS = [
    0.0, -0.0, 1.0, -1.5, 0.1, 1e16, 1e-7, 123456789.123456789, 5e-324, -5e-324, 2.2250738585072014e-308,
    sys.float_info.max, -sys.float_info.max, math.inf, -math.inf, math.nan, 1 / 3, 2**53 + 1.0,
]
INTS = [0, -1, 1, 2**31, -(2**63), 2**64, 10**30, -(10**30)]


def same(obj: Any) -> None:
    assert dumps(obj) == json.dumps(obj, indent=1)


@pytest.fixture(scope="module")
def demo_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ledger.demo import write_demo

    path = tmp_path_factory.mktemp("demo") / "ledger.db"
    write_demo(path, events=3000, days=40, seed=11, now=datetime(2026, 11, 30, 15, tzinfo=UTC))
    return path


@pytest.mark.parametrize("period", ["daily", "weekly", "monthly", "session"])
@pytest.mark.parametrize("by", [None, "model", "client", "project"])
def test_reports_print_as_json_dumps_prints_them(demo_ledger: Path, period: str, by: str | None) -> None:
    from ledger.report import ReportQuery, SqliteReader, build_report

    reader = SqliteReader(demo_ledger)
    try:
        for tz, training in (("UTC", False), ("Europe/Paris", True), ("Pacific/Chatham", False)):
            q = ReportQuery(period=period, by=by, tz=tz, settings={"impact.include_training": training})
            data = build_report(reader, q)
            assert data["rows"]  # a real report, not an empty one
            same(data)
    finally:
        reader.close()


def test_a_report_with_hostile_names_and_odd_numbers(demo_ledger: Path) -> None:
    from ledger.report import ReportQuery, SqliteReader, build_report

    reader = SqliteReader(demo_ledger)
    try:
        data = build_report(reader, ReportQuery(period="daily", by="project", tz="UTC"))
    finally:
        reader.close()
    for i, row in enumerate(data["rows"]):
        row["project"] = HOSTILE[i % len(HOSTILE)]
        row["cost_usd"] = FLOATS[i % len(FLOATS)]
        row["requests"] = INTS[i % len(INTS)]
        row[HOSTILE[(i + 3) % len(HOSTILE)]] = {"low": FLOATS[(i + 1) % len(FLOATS)], "nested": [[], {}, [None]]}
    data["warnings"] = HOSTILE
    same(data)


def test_every_kind_of_scalar_and_empty_container() -> None:
    scalars: list[Any] = [*HOSTILE, *FLOATS, *INTS, True, False, None]
    same(scalars)
    same({s: s for s in HOSTILE})
    same({"a": {}, "b": [], "c": [{}], "d": [[[]]], "e": {"f": {"g": {}}}})
    same({})
    same([])
    same([[1, [2, [3, {"x": [4]}]]]])


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(st.characters(blacklist_categories=())),
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(st.characters(blacklist_categories=())),
                                                                inner, max_size=6),
    max_leaves=60,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(JSONISH, max_size=4) | st.dictionaries(st.text(), JSONISH, max_size=4))
def test_any_json_value(obj: Any) -> None:
    same(obj)


class Color(enum.IntEnum):
    RED = 1


class Text(str):
    pass


class Number(float):
    def __repr__(self) -> str:
        return "not json"


@pytest.mark.parametrize(
    "obj",
    [
        {"t": (1, 2, (3,))},            # tuples: json prints them as lists
        {"c": Color.RED},               # an int subclass: json prints int.__repr__
        {"s": Text("x\u00e9")},         # a str subclass
        {"f": Number(1.5)},             # a float subclass with its own repr
        {3: "a", 2.5: "b", True: "c", None: "d"},  # keys json turns into strings
        [{"deep": {(): 1}}],            # a key json refuses: TypeError
        {"x": {1, 2}},                  # a set: TypeError
        {"when": datetime(2026, 1, 1)},  # not JSON: TypeError
        "a string",
        3.5,
        None,
        (1, [2]),
    ],
)
def test_what_it_leaves_to_json(obj: Any) -> None:
    try:
        expected = json.dumps(obj, indent=1)
    except TypeError as exc:
        with pytest.raises(TypeError, match=str(exc).split("'")[0]):
            dumps(obj)
    else:
        assert dumps(obj) == expected


def test_a_circular_report_fails_as_json_does() -> None:
    loop: dict[str, Any] = {"rows": []}
    loop["rows"].append(loop)
    with pytest.raises(ValueError, match="Circular reference"):
        json.dumps(loop, indent=1)
    with pytest.raises(ValueError, match="Circular reference"):
        dumps(loop)


def test_the_report_command_prints_the_same_json(demo_ledger: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """``tokenprint report --json`` prints exactly ``json.dumps(report, indent=1)``."""
    import shutil

    from click.testing import CliRunner

    from ledger.report import ReportQuery, SqliteReader, build_report
    from tui.cli import cli

    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(demo_ledger, home / "ledger.db")
    monkeypatch.delenv("TOKENPRINT_DATABASE_URL", raising=False)
    result = CliRunner().invoke(cli, ["--home", str(home), "report", "weekly", "--json", "--tz", "UTC"])
    assert result.exit_code == 0, result.output
    reader = SqliteReader(home / "ledger.db")
    try:
        expected = build_report(reader, ReportQuery(period="weekly", tz="UTC"))
    finally:
        reader.close()
    assert result.output == json.dumps(expected, indent=1) + "\n"
