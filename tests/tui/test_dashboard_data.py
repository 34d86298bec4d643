"""The dashboard's computations without Textual: periods, summaries, the savings
panel (its rule is tested in tests/ledger/impact/test_shrink.py), the change probe,
number formatting."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest

from tests.tui.dash import TODAY, sql_tokens
from tui import format as fmt
from tui.data import Filter, load_snapshots, period_bounds, summarize, tokens


def test_periods_and_their_comparison() -> None:
    p = period_bounds("month", date(2026, 3, 31))
    assert (p.since, p.until, p.prev_since, p.prev_until) == (
        date(2026, 3, 1), date(2026, 3, 31), date(2026, 2, 1), date(2026, 2, 28),
    )
    w = period_bounds("week", TODAY)
    assert (w.since, w.prev_since, w.prev_until) == (date(2026, 11, 20), date(2026, 11, 13), date(2026, 11, 19))
    t = period_bounds("today", TODAY)
    assert (t.since, t.prev_since) == (TODAY, date(2026, 11, 25)) and t.chart_since == date(2026, 11, 13)
    y = period_bounds("year", TODAY)
    assert (y.since - y.prev_since).days == 365 and y.granularity == "monthly"
    a = period_bounds("all", TODAY)
    assert a.since is None and a.prev_since is None
    assert p.span() == "Mar 1–31" and w.span() == "Nov 20–26"
    with pytest.raises(ValueError, match="unknown period"):
        period_bounds("fortnight", TODAY)


def test_first_snapshot_is_the_current_window_then_the_rest(dash_home: Path) -> None:
    from ledger.store import open_store

    store = open_store(dash_home)
    try:
        snaps = list(load_snapshots(store, period_bounds("month", TODAY), TODAY, "UTC", {}))
    finally:
        store.dispose()
    assert [s.complete for s in snaps] == [False, True]
    first = summarize(snaps[0])
    assert first.previous is None and first.previous_pending
    full = summarize(snaps[1])
    assert tokens(full.current) == tokens(first.current)
    assert tokens(full.previous) == sql_tokens(dash_home / "ledger.db", date(2026, 10, 1), date(2026, 10, 26))[0]
    assert min(g["key"] for g in snaps[0].groups) >= "2026-11-01"
    top = full.breakdown["client"][0].name
    filtered = summarize(snaps[1], Filter("client", top))
    assert tokens(filtered.current) == sql_tokens(dash_home / "ledger.db", TODAY.replace(day=1), TODAY, client=top)[0]
    if full.has_impacts:
        co2 = full.current["co2e_g"]
        assert co2["low"] <= co2["central"] <= co2["high"]
        assert sum(r.totals["co2e_g"]["central"] for r in full.breakdown["model"]) == pytest.approx(co2["central"])
        chart_total = sum(sum(v) for v in full.chart.series.values())
        assert chart_total == pytest.approx(co2["central"])


def test_savings_are_smaller_and_consistent(dash_home: Path) -> None:
    pytest.importorskip("ledger.impact")
    from ledger.impact import smaller_sibling
    from ledger.store import open_store
    from tui.data import compute_savings

    store = open_store(dash_home)
    try:
        snap = list(load_snapshots(store, period_bounds("month", TODAY), TODAY, "UTC", {}))[-1]
    finally:
        store.dispose()
    s = compute_savings(snap, None)
    assert not s.message and len(s.rows) == 3
    assert s.total is not None and s.total_grid is not None
    assert s.total["central"] == pytest.approx(snap_total(snap))
    assert s.total_grid["central"] < s.total["central"]  # Norway is cleaner than any default region
    assert s.grid_label.startswith("Norway")
    for row in s.rows:
        if row.sibling_co2 is not None:
            assert row.sibling == smaller_sibling(row.model)
            assert row.sibling_co2["central"] < row.actual["central"]


def snap_total(snap: object) -> float:
    return summarize(snap).current["co2e_g"]["central"]  # type: ignore[arg-type]


def test_change_probe_sees_another_connection_commit(tmp_path: Path) -> None:
    from ledger.queries import ChangeProbe

    db = tmp_path / "ledger.db"
    probe = ChangeProbe(path=db)
    assert probe.changed() is False  # no file yet
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (x)")
    assert probe.changed() is True  # the file appeared
    assert probe.changed() is False
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO t VALUES (1)")
    assert probe.changed() is True
    assert probe.changed() is False
    probe.close()


def test_numbers_for_people() -> None:
    assert fmt.qty(9770, "g") == "9.77 kg"
    assert fmt.qty(0.5, "g") == "500 mg"
    assert fmt.rng({"low": 2400, "central": 9770, "high": 40000}, "g") == "2.4–40 kg"
    assert fmt.count(487_000_000) == "487 M" and fmt.count(6846) == "6.85 k" and fmt.count(12) == "12"
    assert fmt.share(0.4) == "40 %" and fmt.share(0.081) == "8.1 %" and fmt.share(0.0004) == "<0.1 %"
    assert fmt.change(0.16) == "▲ +16 %" and fmt.change(-0.13) == "▼ -13 %"
    assert fmt.change(0.004) == "= +0.4 %" and fmt.change(None) == "–"
    assert fmt.central(None, "g") == "–" and fmt.rng(None, "g") == ""
    assert fmt.plain(64000) == "64,000" and fmt.plain(250) == "250" and fmt.plain(8.2775) == "8.277"
    assert fmt.short_project("/home/dev/webshop") == "dev/webshop"
