"""Exports of a server ledger (PostgreSQL): the same summary as from SQLite, alone
and merged with SQLite files into a team summary.

Uses its own database on the ``$TOKENPRINT_TEST_PG_URL`` server (the ``pg_url``
fixture: one database per test module); skipped without that variable.
"""

from __future__ import annotations

from sqlalchemy import text

from ledger.export.api import export_text
from ledger.export.document import build_document
from ledger.fastpath import SET_POSITION_SQL, position_params
from ledger.store import Store
from tests.conftest import needs_postgres, run_json
from tests.ledger.export.conftest import GENERATED_AT, TZ, alice_events, bob_events
from tests.ledger.export.test_export import OCTOBER, same_amounts

pytestmark = needs_postgres


def _fill_like_alice(store: Store) -> None:
    store.ingest(alice_events())
    with store.write() as conn:
        conn.execute(text(SET_POSITION_SQL), position_params(
            "chatgpt-export", "/home/alice/Downloads/conversations.json", identity="x", offset=10,
            size=10, mtime_ns=0, skipped_lines=3, skip_reasons={"not JSON": 2, "no model": 1}))


def test_server_ledger_exports_like_sqlite(pg: Store, alice: Store) -> None:
    _fill_like_alice(pg)
    for fmt in ("md", "html"):  # display rounding: equal whatever the order of float sums
        assert export_text([("alice", pg)], fmt, OCTOBER, tz=TZ, generated_at=GENERATED_AT) == export_text(
            [("alice", alice)], fmt, OCTOBER, tz=TZ, generated_at=GENERATED_AT), fmt
    a = build_document([("alice", pg)], OCTOBER, tz=TZ)
    b = build_document([("alice", alice)], OCTOBER, tz=TZ)
    same_amounts(a["totals"], b["totals"])
    assert a["data_quality"] == b["data_quality"]


def test_team_of_sqlite_files_and_a_server(pg: Store, alice: Store, bob: Store) -> None:
    pg.ingest(bob_events())
    mixed = build_document([("alice", alice), ("bob", pg)], OCTOBER, tz=TZ)
    files = build_document([("alice", alice), ("bob", bob)], OCTOBER, tz=TZ)
    same_amounts(mixed["totals"], files["totals"])
    assert mixed["data_quality"]["duplicates_counted_once"] == 1
    assert [(e["name"], e["requests"]) for e in mixed["ledgers"]] == [
        (e["name"], e["requests"]) for e in files["ledgers"]
    ]


def test_cli_ledger_takes_a_database_url(pg: Store, alice: Store, bob: Store) -> None:
    pg.ingest(bob_events())
    url = str(pg.engine.url.render_as_string(hide_password=False)).replace("+psycopg", "")
    doc = run_json("export", "--month", "2026-10", "--tz", TZ, "-f", "json", "--ledger", str(alice.path),
                   "--ledger", url)
    assert [e["name"] for e in doc["ledgers"]] == ["alice", "tokenprint_t_test_postgres"]
    files = build_document([("alice", alice), ("bob", bob)], OCTOBER, tz=TZ)
    same_amounts(doc["totals"], files["totals"])
    assert doc["data_quality"]["duplicates_counted_once"] == 1
