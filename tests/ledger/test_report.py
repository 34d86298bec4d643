"""Reports: per-period rows, dimensions, ranges in a time zone, totals."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ledger.events import Event, parse_timestamp
from ledger.report import ReportQuery, build_report
from ledger.store import Store, open_store


def E(i: str, ts: str, client: str = "codex", model: str = "gpt-5", project: str | None = "/p1",
      session: str = "s1", inp: int = 100, out: int = 10, cost: float | None = None) -> Event:
    return Event(client=client, event_id=i, model=model, ts_ms=parse_timestamp(ts), project=project,
                 session=session, input_tokens=inp, output_tokens=out, cache_read_tokens=1000,
                 cost_usd=cost)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = open_store(path=tmp_path / "ledger.db")
    s.ingest([
        E("1", "2026-10-31T22:30:00Z"),  # Paris: 2026-10-31 23:30 (CET); UTC: 2026-10-31
        E("2", "2026-10-31T23:30:00Z"),  # Paris: 2026-11-01 00:30; UTC: 2026-10-31
        E("3", "2026-11-02T10:00:00Z", model="gpt-5-mini", cost=0.25),
        E("4", "2026-11-09T10:00:00Z", client="claude-code", model="claude-sonnet-4-5", project="/p2", session="s2"),
        E("5", "2026-12-01T10:00:00Z", client="claude-code", model="claude-sonnet-4-5", project=None, session="s3"),
    ])
    yield s
    s.dispose()


def keys(data: dict) -> list[tuple]:
    return [(r["key"], r["client"], r["model"], r["requests"]) for r in data["rows"]]


def test_daily_rows_follow_the_time_zone(store: Store) -> None:
    utc = build_report(store, ReportQuery(period="daily", tz="UTC"))
    paris = build_report(store, ReportQuery(period="daily", tz="Europe/Paris"))
    assert keys(utc)[0] == ("2026-10-31", "codex", "gpt-5", 2)
    assert keys(paris)[:2] == [("2026-10-31", "codex", "gpt-5", 1), ("2026-11-01", "codex", "gpt-5", 1)]
    assert paris["tz"] == "Europe/Paris"


def test_weekly_monthly_and_totals(store: Store) -> None:
    monthly = build_report(store, ReportQuery(period="monthly", tz="Europe/Paris"))
    assert keys(monthly) == [
        ("2026-10", "codex", "gpt-5", 1),
        ("2026-11", "claude-code", "claude-sonnet-4-5", 1),
        ("2026-11", "codex", "gpt-5", 1),
        ("2026-11", "codex", "gpt-5-mini", 1),
        ("2026-12", "claude-code", "claude-sonnet-4-5", 1),
    ]
    t = monthly["totals"]
    assert (t["requests"], t["input_tokens"], t["output_tokens"], t["cache_read_tokens"]) == (5, 500, 50, 5000)
    assert t["cost_usd_reported"] == 0.25  # one request reported its cost
    assert t["cost_usd"] == pytest.approx(0.25 + t["cost_usd_estimated"])  # the other four: list prices
    assert t["cost_usd_estimated"] > 0 and t["requests_cost_unknown"] == 0
    weekly = build_report(store, ReportQuery(period="weekly", tz="UTC"))
    assert [r["key"] for r in weekly["rows"]] == ["2026-W44", "2026-W45", "2026-W46", "2026-W49"]


def test_by_dimension_sets_the_other_fields_to_star(store: Store) -> None:
    by_client = build_report(store, ReportQuery(period="monthly", by="client", tz="UTC"))
    assert keys(by_client) == [
        ("2026-10", "codex", "*", 2),
        ("2026-11", "claude-code", "*", 1),
        ("2026-11", "codex", "*", 1),
        ("2026-12", "claude-code", "*", 1),
    ]
    by_project = build_report(store, ReportQuery(period="monthly", by="project", tz="UTC"))
    assert [(r["key"], r["project"], r["requests"]) for r in by_project["rows"]] == [
        ("2026-10", "/p1", 2), ("2026-11", "/p1", 1), ("2026-11", "/p2", 1), ("2026-12", "(none)", 1),
    ]
    assert all(r["client"] == r["model"] == "*" for r in by_project["rows"])


def test_since_and_until_are_local_days_inclusive(store: Store) -> None:
    q = ReportQuery(period="daily", tz="Europe/Paris", since=date(2026, 11, 1), until=date(2026, 11, 2))
    data = build_report(store, q)
    assert [r["key"] for r in data["rows"]] == ["2026-11-01", "2026-11-02"]
    assert data["totals"]["requests"] == 2


def test_session_report(store: Store) -> None:
    data = build_report(store, ReportQuery(period="session"))
    assert [(r["key"], r["requests"]) for r in data["rows"]] == [("s1", 2), ("s1", 1), ("s2", 1), ("s3", 1)]
    assert data["rows"][0]["start"] == "2026-10-31T22:30:00.000Z"


def test_bad_queries_are_refused() -> None:
    with pytest.raises(ValueError, match="after --until"):
        ReportQuery(since=date(2026, 2, 1), until=date(2026, 1, 1))
    with pytest.raises(ValueError, match="--by"):
        ReportQuery(by="planet")


# -- one query, two readers ------------------------------------------------------------
@pytest.mark.parametrize(
    "q",
    [
        ReportQuery(period="daily", tz="Europe/Paris"),
        ReportQuery(period="weekly", tz="UTC", by="model"),
        ReportQuery(period="monthly", tz="Europe/Paris", by="project", projects=("/p1",)),
        ReportQuery(period="session", models=("gpt-5",)),
        ReportQuery(period="daily", since=date(2026, 11, 1), until=date(2026, 11, 30), clients=("nobody",)),
    ],
)
def test_stdlib_reader_gives_the_store_s_report(store: Store, q: ReportQuery) -> None:
    from ledger.report import SqliteReader

    assert store.path is not None
    reader = SqliteReader(store.path)
    try:
        assert build_report(reader, q) == build_report(store, q)
    finally:
        reader.close()


def test_stdlib_reader_never_creates_a_ledger(tmp_path: Path) -> None:
    from ledger.report import SqliteReader

    with pytest.raises(FileNotFoundError):
        SqliteReader(tmp_path / "none.db")
    assert not (tmp_path / "none.db").exists()


def test_filters_resolve_shown_names_and_paths(store: Store) -> None:
    from ledger.report import resolve_filters

    q, misses = resolve_filters(store, ReportQuery(projects=("/p1", "/p2/", "nope"), models=("gpt-5",)))
    assert set(q.projects) == {"/p1", "/p2"} and q.models == ("gpt-5",) and len(misses) == 1
    assert (misses[0].option, misses[0].value) == ("--project", "nope")
    assert misses[0].known[0] == "/p1"  # the most used first, as reports show them
    data = build_report(store, ReportQuery(projects=("nope",)))
    assert data["rows"] == [] and data["unmatched"][0]["value"] == "nope"


def test_cost_is_never_a_bare_zero_for_unknown(tmp_path: Path) -> None:
    s = open_store(path=tmp_path / "ledger.db")
    s.ingest([E("u", "2026-11-02T10:00:00Z", model="acme-mystery-7b"),  # no cost, no price
              E("r", "2026-11-02T11:00:00Z", model="acme-mystery-7b", cost=0.1)])
    try:
        unknown = build_report(s, ReportQuery(period="daily", tz="UTC", until=date(2026, 11, 2),
                                              since=date(2026, 11, 2), sessions=("s1",), models=("acme-mystery-7b",)))
        row = unknown["rows"][0]
        assert row["cost_usd"] == 0.1 and row["cost_usd_reported"] == 0.1 and row["requests_cost_unknown"] == 1
        s.ingest([E("v", "2026-11-03T10:00:00Z", model="acme-mystery-7b", session="s9")])
        none = build_report(s, ReportQuery(period="daily", tz="UTC", sessions=("s9",)))["rows"][0]
        assert none["cost_usd"] is None and none["cost_usd_estimated"] is None and none["cost_usd_reported"] is None
    finally:
        s.dispose()
