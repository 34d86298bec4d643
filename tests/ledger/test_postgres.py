"""The same store and reports on a real PostgreSQL server (a team ledger).

``.ci/run`` starts a server with ``.ci/postgres.sh`` and exports
``TOKENPRINT_TEST_PG_URL``; without it these tests are skipped with that reason.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from ledger.events import Event, parse_timestamp
from ledger.report import ReportQuery, build_report
from ledger.store import Store, open_store
from tests.conftest import needs_postgres

pytestmark = needs_postgres


EVENTS = [
    Event(client="codex", event_id=str(i), model=m, ts_ms=parse_timestamp(ts), session=s, project=p,
          input_tokens=100 * i, cache_read_tokens=1000, output_tokens=10 * i, reasoning_tokens=i,
          cost_usd=c)
    for i, (m, ts, s, p, c) in enumerate(
        [
            ("gpt-5", "2026-10-24T21:59:59Z", "s1", "/a", None),  # Paris: last second of Oct 24 (CEST)
            ("gpt-5", "2026-10-24T22:00:00Z", "s1", "/a", 0.5),   # Paris: Oct 25 00:00
            ("gpt-5-mini", "2026-10-25T22:59:59Z", "s2", "/b", None),  # Paris: Oct 25 23:59:59 (CET)
            ("gpt-5-mini", "2026-10-25T23:00:00Z", "s2", None, None),  # Paris: Oct 26
            ("gpt-5", "2026-11-30T23:30:00Z", "s3", "/a", 1.25),  # Paris: Dec 1
        ],
        start=1,
    )
]


def test_migrations_and_idempotent_upserts_on_postgres(pg: Store) -> None:
    r1 = pg.ingest(EVENTS)
    r2 = pg.ingest(EVENTS)
    assert (r1.new, r2.new, r2.unchanged) == (5, 0, 5)
    grown = Event(client="codex", event_id="1", model="gpt-5", ts_ms=EVENTS[0].ts_ms, output_tokens=999)
    assert pg.ingest([grown]).updated == 1
    with pg.read() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM events")).scalar() == 5
        # output + reasoning is one whole (999); the stated reasoning share (1) is kept
        row = conn.execute(text("SELECT output_tokens, reasoning_tokens FROM events WHERE event_id = '1'")).one()
        assert tuple(row) == (998, 1)
        assert conn.execute(text("SELECT MAX(version) FROM schema_migrations")).scalar() == 1
    pg.migrate()  # a second migrate is a no-op


@pytest.mark.parametrize("period", ["daily", "weekly", "monthly", "session"])
@pytest.mark.parametrize("by", [None, "model", "project"])
def test_reports_on_postgres_equal_sqlite(pg: Store, tmp_path: Path, period: str, by: str | None) -> None:
    lite = open_store(path=tmp_path / "ledger.db")
    lite.ingest(EVENTS)
    pg.ingest(EVENTS)
    q = ReportQuery(period=period, tz="Europe/Paris", by=by)
    assert build_report(pg, q) == build_report(lite, q)
    lite.dispose()
    if period == "daily" and by is None:
        keys = [r["key"] for r in build_report(pg, q)["rows"]]
        assert keys == ["2026-10-24", "2026-10-25", "2026-10-25", "2026-10-26", "2026-12-01"]


def test_concurrent_writers_on_postgres(pg: Store) -> None:
    errors: list[BaseException] = []

    def writer(w: int) -> None:
        try:
            for i in range(50):
                pg.ingest([Event(client="manual", event_id=f"{w}-{i}", model="m", ts_ms=1_700_000_000_000,
                                 output_tokens=1)])
                pg.ingest([Event(client="manual", event_id=f"shared-{i}", model="m", ts_ms=1_700_000_000_000,
                                 output_tokens=w + 1)])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with pg.read() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM events")).scalar() == 4 * 50 + 50
        # counts only grow: every shared event ends at the largest writer's value
        assert conn.execute(text("SELECT MIN(output_tokens) FROM events WHERE event_id LIKE 'shared-%'")).scalar() == 4
