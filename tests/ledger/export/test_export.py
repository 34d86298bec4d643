"""``tokenprint export``: golden files per format, totals equal to ``report --json``,
team summaries without double counting, ranges, the command line and the dashboard call.

Regenerate the golden files after an intended change (e.g. a new methodology):
``TOKENPRINT_UPDATE_GOLDEN=1 .venv/bin/pytest tests/ledger/export`` and review the diff.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ledger.export import FORMATS, export_to_file
from ledger.export.api import export_text
from ledger.export.document import build_document
from ledger.export.gather import Range, month_range, parse_month, resolve_range, year_range
from ledger.report import ReportQuery, build_report
from ledger.store import Store
from ledger.vocab import COUNT_FIELDS
from tests.conftest import run, run_json
from tests.ledger.export.conftest import GENERATED_AT, TZ

GOLDEN = Path(__file__).parent / "golden"
OCTOBER = month_range(date(2026, 10, 1))
IMPACTS = ("energy_wh", "co2e_g", "water_ml")


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("TOKENPRINT_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"missing {path}: run with TOKENPRINT_UPDATE_GOLDEN=1 and review it"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{name} differs from its golden file (TOKENPRINT_UPDATE_GOLDEN=1 to accept)"


def same_amounts(a: dict[str, Any], b: dict[str, Any]) -> None:
    """Every amount of ``b`` (the reference) is in ``a``: counts exactly, money and
    impact ranges to float rounding."""
    for c in COUNT_FIELDS:
        assert a[c] == b[c], c
    for name, ref in b.items():
        if name in ("key", "client", "model", "project"):
            continue
        got = a.get(name)
        if isinstance(ref, dict):
            assert isinstance(got, dict), name
            for k, v in ref.items():
                assert got[k] == pytest.approx(v, rel=1e-9, abs=1e-9), (name, k)
        elif isinstance(ref, int | float) and not isinstance(ref, bool):
            assert got == pytest.approx(ref, rel=1e-9, abs=1e-6), name
        else:
            assert got == ref, name


# -- golden files ---------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_golden_single_ledger(alice: Store, fmt: str) -> None:
    text = export_text([("alice", alice)], fmt, OCTOBER, settings=None, tz=TZ, generated_at=GENERATED_AT)
    check_golden(f"october.{fmt}", text)


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_golden_team(alice: Store, bob: Store, fmt: str) -> None:
    text = export_text([("alice", alice), ("bob", bob)], fmt, OCTOBER, tz=TZ, generated_at=GENERATED_AT)
    check_golden(f"team-october.{fmt}", text)


def test_output_is_deterministic(alice: Store) -> None:
    first = export_text([("alice", alice)], "html", OCTOBER, tz=TZ, generated_at=GENERATED_AT)
    assert export_text([("alice", alice)], "html", OCTOBER, tz=TZ, generated_at=GENERATED_AT) == first


# -- totals agree with report --json ---------------------------------------------------------
def test_totals_and_rows_equal_report(alice: Store) -> None:
    doc = build_document([("alice", alice)], OCTOBER, tz=TZ)
    rep = build_report(alice, ReportQuery(period="daily", since=OCTOBER.since, until=OCTOBER.until, tz=TZ,
                                          settings=doc["settings"]))
    same_amounts(doc["totals"], rep["totals"])
    assert [(r["key"], r["client"], r["model"]) for r in doc["rows"]] == [
        (r["key"], r["client"], r["model"]) for r in rep["rows"]
    ]
    for mine, theirs in zip(doc["rows"], rep["rows"], strict=True):
        same_amounts(mine, theirs)
    if rep.get("methodology") is not None:
        assert doc["methodology"] == rep["methodology"]
    for k in ("period", "tz", "since", "until", "by"):
        assert doc[k] == rep[k]


def test_cli_json_and_csv_totals_equal_cli_report(alice: Store) -> None:
    home = str(Path(str(alice.path)).parent)
    args = ("--home", home, "--since", "2026-10-01", "--until", "2026-10-31", "--tz", TZ)
    rep = run_json("report", "--json", *args)
    exp = run_json("export", "--format", "json", *args)
    same_amounts(exp["totals"], rep["totals"])
    assert exp["rows"] == rep["rows"] or len(exp["rows"]) == len(rep["rows"])
    proc = run("export", "--format", "csv", *args)
    assert proc.returncode == 0, proc.stderr
    lines = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert len(lines) == len(rep["rows"])
    for c in COUNT_FIELDS:
        assert sum(int(x[c]) for x in lines) == rep["totals"][c]
    if "co2e_g" in rep["totals"]:
        for f in IMPACTS:
            got = sum(float(x[f"{f}_central"]) for x in lines)
            assert got == pytest.approx(rep["totals"][f]["central"], rel=1e-8)


def test_csv_columns_are_the_documented_ones(alice: Store) -> None:
    text = export_text([("alice", alice)], "csv", OCTOBER, tz=TZ)
    header = text.splitlines()[0].split(",")
    assert header[:10] == ["date", "client", "model", "input_tokens", "cache_write_tokens", "cache_read_tokens",
                           "output_tokens", "reasoning_tokens", "requests", "cost_usd"]
    assert header[10:] == [f"{f}_{k}" for f in IMPACTS for k in ("low", "central", "high")] + [
        "cost_usd_estimated", "cost_usd_reported", "requests_cost_unknown", "demo"]
    doc_text = (Path(__file__).parents[3] / "docs" / "export.md").read_text(encoding="utf-8")
    for col in header:
        assert f"`{col}`" in doc_text or f"`{col.rsplit('_', 1)[0]}_low`" in doc_text, col


def test_json_holds_settings_methodology_and_equivalents(alice: Store) -> None:
    doc = json.loads(export_text([("alice", alice)], "json", OCTOBER, tz=TZ))
    for key in ("rows", "totals", "settings", "methodology", "equivalents", "tz", "since", "until",
                "previous", "change", "breakdowns", "daily", "data_quality", "ledgers"):
        assert key in doc, key
    assert doc["since"] == "2026-10-01" and doc["until"] == "2026-10-31"
    assert len(doc["daily"]) == 31
    assert doc["settings"]["user.region"] == "World"


# -- content ----------------------------------------------------------------------------------
def test_time_zone_and_previous_month(alice: Store) -> None:
    doc = build_document([("alice", alice)], OCTOBER, tz=TZ)
    # 23:10 UTC on Oct 31 is Nov 1st in Paris: not in October there, but in UTC it is.
    utc = build_document([("alice", alice)], OCTOBER, tz="UTC")
    assert utc["totals"]["requests"] == doc["totals"]["requests"] + 1
    assert doc["previous"]["since"] == "2026-09-01" and doc["previous"]["totals"]["requests"] > 0
    ch = doc["change"]["requests"]
    assert ch["percent"] == pytest.approx((ch["current"] - ch["previous"]) / ch["previous"] * 100)


def test_data_quality_notes(alice: Store) -> None:
    doc = build_document([("alice", alice)], OCTOBER, tz=TZ)
    q = doc["data_quality"]
    assert [(e["client"], e["method"]) for e in q["estimated_tokens"]] == [("chatgpt-export", "tiktoken:o200k_base")]
    assert q["skipped_sources"] == [{
        "ledger": "alice", "client": "chatgpt-export", "path": "/home/alice/Downloads/conversations.json",
        "skipped_lines": 3, "reasons": {"no model": 1, "not JSON": 2},
    }]
    md = export_text([("alice", alice)], "md", OCTOBER, tz=TZ)
    assert "estimated with `tiktoken:o200k_base`" in md
    assert "3 unreadable lines skipped" in md
    assert doc["cost"]["requests_with_cost"] > 0 and doc["cost"]["requests_without_cost"] > 0


def test_breakdowns_add_up(alice: Store) -> None:
    doc = build_document([("alice", alice)], OCTOBER, tz=TZ)
    for field in ("client", "model", "project"):
        entries = doc["breakdowns"][field]
        assert sum(e["requests"] for e in entries) == doc["totals"]["requests"]
        assert sum(e["share"] for e in entries) == pytest.approx(1.0)
    assert "(none)" in [e["name"] for e in doc["breakdowns"]["project"]]  # chatgpt-export has no project
    assert sum(d["requests"] for d in doc["daily"]) == doc["totals"]["requests"]


def test_empty_period_renders_every_format(alice: Store) -> None:
    empty = month_range(date(2025, 1, 1))
    for fmt in FORMATS:
        text = export_text([("alice", alice)], fmt, empty, tz=TZ)
        assert text
    doc = build_document([("alice", alice)], empty, tz=TZ)
    assert doc["rows"] == [] and doc["totals"]["requests"] == 0
    assert "No usage was recorded" in export_text([("alice", alice)], "md", empty, tz=TZ)


def test_html_is_self_contained(alice: Store) -> None:
    text = export_text([("alice", alice)], "html", OCTOBER, tz=TZ)
    assert "<svg" in text and "<style>" in text
    assert not re.search(r"<script|<link|<img|<iframe|@import|url\(", text, re.I)
    assert re.findall(r"https?://[^\s\"'<]+", text) == ["http://www.w3.org/2000/svg"]
    assert "@media print" in text and "break-inside: avoid" in text


# -- several ledgers --------------------------------------------------------------------------
def test_team_counts_a_shared_event_once(alice: Store, bob: Store) -> None:
    a = build_document([("alice", alice)], OCTOBER, tz=TZ)
    b = build_document([("bob", bob)], OCTOBER, tz=TZ)
    team = build_document([("alice", alice), ("bob", bob)], OCTOBER, tz=TZ)
    shared_requests = 1
    assert team["totals"]["requests"] == a["totals"]["requests"] + b["totals"]["requests"] - shared_requests
    assert team["data_quality"]["duplicates_counted_once"] == 1
    by = {e["name"]: e for e in team["ledgers"]}
    assert by["alice"]["requests"] == a["totals"]["requests"]  # the shared event stays Alice's
    assert by["bob"]["requests"] == b["totals"]["requests"] - shared_requests
    swapped = build_document([("bob", bob), ("alice", alice)], OCTOBER, tz=TZ)
    same_amounts(swapped["totals"], team["totals"])
    assert {e["name"]: e["requests"] for e in swapped["ledgers"]}["bob"] == b["totals"]["requests"]
    md = export_text([("alice", alice), ("bob", bob)], "md", OCTOBER, tz=TZ)
    assert "## By person" in md and "| alice |" in md and "| bob |" in md


def test_team_with_a_server_ledger_is_copied_then_merged(alice: Store, bob: Store) -> None:
    server_like = dataclasses.replace(bob, path=None)  # read through its engine, as a server would be
    team = build_document([("alice", alice), ("bob", bob)], OCTOBER, tz=TZ)
    mixed = build_document([("alice", alice), ("bob", server_like)], OCTOBER, tz=TZ)
    same_amounts(mixed["totals"], team["totals"])
    assert mixed["data_quality"]["duplicates_counted_once"] == 1


def test_cli_team_labels_and_dedupe(alice: Store, bob: Store) -> None:
    a, b = str(alice.path), str(bob.path)
    doc = run_json("export", "--month", "2026-10", "--tz", TZ, "-f", "json", "--ledger", a, "--ledger", b)
    assert [e["name"] for e in doc["ledgers"]] == ["alice", "bob"]  # ledger.db: labelled by folder
    assert doc["data_quality"]["duplicates_counted_once"] == 1
    named = run_json("export", "--month", "2026-10", "--tz", TZ, "-f", "json", "--ledger", f"Alice B.={a}",
                     "--ledger", f"ops={b}")
    assert [e["name"] for e in named["ledgers"]] == ["Alice B.", "ops"]
    assert named["totals"] == doc["totals"]


# -- ranges -----------------------------------------------------------------------------------
def test_ranges() -> None:
    assert parse_month("2026-02") == Range(date(2026, 2, 1), date(2026, 2, 28), "month")
    assert parse_month("202402").until == date(2024, 2, 29)
    with pytest.raises(ValueError, match="YYYY-MM"):
        parse_month("2026-13")
    assert month_range(date(2026, 1, 15)).previous() == month_range(date(2025, 12, 1))
    assert year_range(2026).previous() == year_range(2025)
    assert year_range(2026).title == "2026" and OCTOBER.title == "October 2026"
    r = resolve_range(date(2026, 10, 5), date(2026, 10, 11))
    assert (r.kind, r.days, r.previous()) == ("range", 7, Range(date(2026, 9, 28), date(2026, 10, 4), "range"))
    assert resolve_range(date(2026, 10, 1), date(2026, 10, 31)).kind == "month"
    assert resolve_range(date(2026, 1, 1), date(2026, 12, 31)).kind == "year"
    with pytest.raises(ValueError, match="after"):
        resolve_range(date(2026, 10, 5), date(2026, 10, 1))


def test_cli_default_is_last_complete_month_markdown(alice: Store) -> None:
    from ledger.export.gather import last_complete_month

    proc = run("export", "--ledger", str(alice.path), "--tz", TZ)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"# AI footprint: {last_complete_month(TZ).title}")


def test_cli_year_and_output_file(alice: Store, tmp_path: Path) -> None:
    out = tmp_path / "out" / "summary.html"
    out.parent.mkdir()
    proc = run("export", "--ledger", str(alice.path), "--year", "2026", "--tz", TZ, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")  # format from the suffix
    folder = tmp_path / "folder"
    folder.mkdir()
    proc = run("export", "--ledger", str(alice.path), "--month", "2026-10", "-f", "csv", "-o", str(folder))
    assert proc.returncode == 0, proc.stderr
    assert (folder / "tokenprint-2026-10.csv").read_text(encoding="utf-8").startswith("date,client,model,")


def test_cli_reproducible_with_source_date_epoch(alice: Store) -> None:
    args = ("export", "--ledger", str(alice.path), "--month", "2026-10", "--tz", TZ)
    proc = run(*args, env={"SOURCE_DATE_EPOCH": "1793000000"})
    assert proc.returncode == 0, proc.stderr
    assert "Generated by tokenprint on 2026-10-26 " in proc.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--month", "2026-10", "--year", "2026"), "not --month and --year"),
        (("--month", "2026-10", "--since", "2026-10-01"), "give one of"),
        (("--month", "October"), "is not a month"),
        (("--since", "2026-10-09", "--until", "2026-10-01"), "is after"),
        (("--ledger", "/nonexistent/ledger.db"), "no such ledger file"),
        (("--tz", "Mars/Olympus"), "unknown time zone"),
    ],
)
def test_cli_bad_input_exits_2(home: Path, args: tuple[str, ...], message: str) -> None:
    proc = run("export", *args)
    assert proc.returncode == 2, proc.stdout
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_cli_reads_the_current_ledger_without_ledger_option(home: Path) -> None:
    proc = run("log", "--client", "manual", "--model", "gpt-5-mini", "--timestamp", "2026-10-10T10:00:00Z",
               "--input", "100", "--output", "20", "-q")
    assert proc.returncode == 0, proc.stderr
    doc = run_json("export", "--month", "2026-10", "-f", "json", "--tz", "UTC")
    assert doc["totals"]["input_tokens"] == 100


# -- the dashboard's call -----------------------------------------------------------------------
def test_export_to_file_for_the_dashboard(alice: Store, tmp_path: Path) -> None:
    path = export_to_file([("alice", alice)], "html", date(2026, 10, 1), date(2026, 10, 31), tmp_path, None, tz=TZ)
    assert path == tmp_path / "tokenprint-2026-10.html"
    assert "October 2026" in path.read_text(encoding="utf-8")
    named = export_to_file([("alice", alice)], "json", date(2026, 10, 1), date(2026, 10, 15),
                           tmp_path / "x.json", {"user.region": "FR"}, tz=TZ)
    data = json.loads(named.read_text(encoding="utf-8"))
    assert data["settings"]["user.region"] == "FR" and data["until"] == "2026-10-15"
    new_folder = export_to_file([("alice", alice)], "md", date(2026, 10, 1), None, tmp_path / "exports", None, tz=TZ)
    assert new_folder.parent == tmp_path / "exports" and new_folder.name.startswith("tokenprint-2026-10-01_")
    everything = export_to_file([("alice", alice)], "csv", None, date(2026, 10, 31), tmp_path / "all.csv", None, tz=TZ)
    assert everything.read_text(encoding="utf-8").splitlines()[1].startswith("2026-09-21,")
    with pytest.raises(ValueError, match="unknown export format"):
        export_to_file([("alice", alice)], "pdf", None, None, tmp_path, None)


# -- where the file goes -------------------------------------------------------------------------
@pytest.mark.parametrize("target", ["missing/dir/x.html", "missing/dir", "missing/x.csv"])
def test_cli_output_into_a_missing_folder_is_an_error(alice: Store, tmp_path: Path, target: str) -> None:
    proc = run("export", "--ledger", str(alice.path), "--month", "2026-10", "-o", str(tmp_path / target))
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "does not exist" in proc.stderr and str(tmp_path / "missing") in proc.stderr
    assert not (tmp_path / "missing").exists()  # nothing created


def test_export_to_file_creates_the_named_folder_but_not_its_parents(alice: Store, tmp_path: Path) -> None:
    from ledger.export.api import MissingFolder

    with pytest.raises(MissingFolder):
        export_to_file([("alice", alice)], "md", date(2026, 10, 1), date(2026, 10, 31), tmp_path / "a" / "b", None)
    assert not (tmp_path / "a").exists()


# -- demo data says so ---------------------------------------------------------------------------
@pytest.fixture
def demo_store(tmp_path: Path) -> Iterator[Store]:
    from ledger.store import open_store
    from tests.ledger.export.conftest import alice_events

    store = open_store(path=tmp_path / "demo-home" / "demo.db")
    store.ingest(alice_events())
    yield store
    store.dispose()


def test_every_format_of_the_demo_ledger_says_demo(demo_store: Store, alice: Store) -> None:
    md = export_text([("demo", demo_store)], "md", OCTOBER, tz=TZ)
    assert md.startswith("# AI footprint: October 2026 (demo data)") and "> **Demo data**" in md
    html = export_text([("demo", demo_store)], "html", OCTOBER, tz=TZ)
    assert "<title>AI footprint: October 2026 (demo data)</title>" in html
    assert html.count('class="notice demo"') == 2  # at the top and at the end
    doc = json.loads(export_text([("demo", demo_store)], "json", OCTOBER, tz=TZ))
    assert doc["demo"] is True
    lines = list(csv.DictReader(io.StringIO(export_text([("demo", demo_store)], "csv", OCTOBER, tz=TZ))))
    assert lines and all(x["demo"] == "1" for x in lines)
    # and a real ledger does not
    assert "demo" not in export_text([("alice", alice)], "md", OCTOBER, tz=TZ).split("\n")[0]
    assert json.loads(export_text([("alice", alice)], "json", OCTOBER, tz=TZ))["demo"] is False
    assert {x["demo"] for x in csv.DictReader(io.StringIO(export_text([("alice", alice)], "csv", OCTOBER, tz=TZ)))} == {"0"}


def test_cli_demo_export_says_demo(home: Path) -> None:
    assert run("demo", "--events", "300", "--days", "5").returncode == 0
    proc = run("export", "--demo", "--since", "2020-01-01", "-f", "md")
    assert proc.returncode == 0, proc.stderr
    assert "(demo data)" in proc.stdout.splitlines()[0]


# -- the cost agrees across formats --------------------------------------------------------------
def test_cost_is_reported_plus_estimate_in_every_format(alice: Store) -> None:
    doc = build_document([("alice", alice)], OCTOBER, tz=TZ)
    tot, cost = doc["totals"], doc["cost"]
    mystery = [r for r in doc["rows"] if r["model"] == "acme-mystery-7b"]  # the one client reporting a cost
    assert tot["cost_usd_reported"] == pytest.approx(sum(r["cost_usd_reported"] for r in mystery))
    assert cost["usd"] == tot["cost_usd"] == pytest.approx(tot["cost_usd_reported"] + tot["cost_usd_estimated"])
    assert cost["usd_estimated"] == tot["cost_usd_estimated"] > 0
    assert sum(r["cost_usd"] for r in doc["rows"] if r["cost_usd"] is not None) == pytest.approx(tot["cost_usd"])
    lines = list(csv.DictReader(io.StringIO(export_text([("alice", alice)], "csv", OCTOBER, tz=TZ))))
    assert sum(float(x["cost_usd"] or 0) for x in lines) == pytest.approx(tot["cost_usd"], rel=1e-8)
    md = export_text([("alice", alice)], "md", OCTOBER, tz=TZ)
    money = f"~${tot['cost_usd']:,.2f}"
    assert f"| Cost | {money} |" in md
    assert money in export_text([("alice", alice)], "html", OCTOBER, tz=TZ)
    assert doc["change"]["cost_usd"]["current"] == pytest.approx(tot["cost_usd"])


def test_names_are_escaped_for_each_medium(tmp_path: Path) -> None:
    from ledger.events import Event
    from ledger.store import open_store
    from tests.ledger.export.conftest import ts

    store = open_store(path=tmp_path / "x" / "ledger.db")
    store.ingest([Event(client="manual", event_id="x1", model="=HYPERLINK(\"x\")<b>*m*</b>\x1b[31m",
                        ts_ms=ts("2026-10-10T10:00:00"), project="/p/<script>|x", input_tokens=10)])
    try:
        md = export_text([("x", store)], "md", OCTOBER, tz=TZ)
        html = export_text([("x", store)], "html", OCTOBER, tz=TZ)
        text = export_text([("x", store)], "csv", OCTOBER, tz=TZ)
    finally:
        store.dispose()
    assert "\x1b" not in md + html + text
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>" not in html
    assert "&lt;script&gt;" in md and "\\|x" in md and "<script>" not in md
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["model"].startswith("'=")  # never a spreadsheet formula
