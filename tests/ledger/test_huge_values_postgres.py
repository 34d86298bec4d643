"""Huge counts and far instants in a PostgreSQL ledger (issue 10, defect 2): SUM of a
BIGINT is a NUMERIC there (no overflow), and the report and the export say so exactly."""

from __future__ import annotations

import json
import time
from datetime import date

from ledger.events import Event, parse_timestamp
from ledger.report import ReportQuery, build_report
from ledger.store import Store
from tests.conftest import needs_postgres, run

pytestmark = needs_postgres
INT64_MAX = 9223372036854775807


def test_int64_max_counts_and_far_instants_on_postgres(pg: Store, pg_url: str) -> None:
    now = int(time.time() * 1000)
    pg.ingest([
        Event(client="manual", event_id="a", model="m", ts_ms=now - 2_000, input_tokens=INT64_MAX, requests=INT64_MAX),
        Event(client="manual", event_id="b", model="m", ts_ms=now - 1_000, input_tokens=INT64_MAX, requests=INT64_MAX),
        Event(client="manual", event_id="past", model="m", ts_ms=parse_timestamp("0001-01-01T00:00:00Z"),
              input_tokens=1),
        Event(client="manual", event_id="future", model="m", ts_ms=parse_timestamp("9999-12-31T23:59:59.999Z"),
              input_tokens=1),
    ])
    for period in ("daily", "monthly", "session"):
        for tz in ("UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago"):
            out = build_report(pg, ReportQuery(period=period, tz=tz))
            assert out["totals"]["input_tokens"] == 2 * INT64_MAX + 2  # exact: NUMERIC sums
            json.dumps(out, allow_nan=False)
    today = date.today().isoformat()
    p = run("export", "--ledger", pg_url, "--since", today, "-f", "json", "-o", "-", "--tz", "UTC")
    assert p.returncode == 0, p.stderr
    json.loads(p.stdout)
    p = run("export", "--ledger", pg_url, "--since", "0001-01-01", "-f", "md", "-o", "-", "--tz", "UTC")
    assert p.returncode == 0 and "Traceback" not in p.stderr, p.stderr
