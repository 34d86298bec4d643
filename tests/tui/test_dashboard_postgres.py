"""The dashboard on a PostgreSQL team ledger: same totals, and live updates through
the server probe (``MAX(id)``, ``COUNT(*)``) instead of ``PRAGMA data_version``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import needs_postgres
from tests.tui.dash import make_app, wait_loaded, wait_until
from tui.data import tokens

pytestmark = [*needs_postgres, pytest.mark.filterwarnings("ignore::RuntimeWarning")]


@pytest.fixture
def team(pg: object, pg_url: str, home: Path, monkeypatch: pytest.MonkeyPatch) -> object:
    """The server ledger, and ``$TOKENPRINT_DATABASE_URL`` pointing the dashboard at it
    (after ``home``, which clears that variable)."""
    monkeypatch.setenv("TOKENPRINT_DATABASE_URL", pg_url)
    return pg


def _event(i: int, ts: str, n: int) -> object:
    from ledger.events import Event, parse_timestamp

    return Event(client="codex", event_id=f"pg-{i}", model="gpt-5", ts_ms=parse_timestamp(ts),
                 session="s1", project="/a", input_tokens=n, output_tokens=10)


async def test_team_ledger_totals_and_live_update(team: object, home: Path) -> None:
    team.ingest([_event(1, "2026-11-20T10:00:00Z", 1000), _event(2, "2026-11-26T09:00:00Z", 500)])  # type: ignore[attr-defined]
    app = make_app(home, live=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        dash = app.dashboard
        assert dash.summary.demo is False
        assert tokens(dash.summary.current) == 1520
        loads = dash.loads_done
        team.ingest([_event(3, "2026-11-26T10:00:00Z", 90)])  # type: ignore[attr-defined]
        await wait_until(pilot, lambda: dash.loads_done > loads and not dash.busy, timeout=5)
        assert tokens(dash.summary.current) == 1620
