"""Exports of a server ledger (PostgreSQL): the same summary as from SQLite, alone
and merged with SQLite files into a team summary.

Uses its own database next to ``$TOKENPRINT_TEST_PG_URL`` (started by
``.ci/postgres.sh``) so that it never races the other PostgreSQL tests; skipped
without that variable.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from ledger.export.api import export_text
from ledger.export.document import build_document
from ledger.fastpath import SET_POSITION_SQL, position_params
from ledger.store import Store, open_store
from tests.conftest import run_json
from tests.ledger.export.conftest import GENERATED_AT, TZ, alice_events, bob_events
from tests.ledger.export.test_export import OCTOBER, same_amounts

PG_URL = os.environ.get("TOKENPRINT_TEST_PG_URL", "")
DB_NAME = "tokenprint_test_export"
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="TOKENPRINT_TEST_PG_URL is not set (run .ci/postgres.sh)"),
]


def _own_database() -> str:
    base, _, _db = PG_URL.rpartition("/")
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": DB_NAME}).first() is None:
            conn.execute(text(f"CREATE DATABASE {DB_NAME}"))
    admin.dispose()
    return f"{base}/{DB_NAME}"


def _drop(store: Store) -> None:
    with store.engine.begin() as conn:
        for t in ("events", "sources", "schema_migrations"):
            conn.execute(text(f"DROP TABLE IF EXISTS {t}"))


@pytest.fixture
def pg() -> Iterator[Store]:
    url = _own_database()
    bootstrap = open_store(url=url, migrate=False)
    _drop(bootstrap)
    bootstrap.dispose()
    store = open_store(url=url)
    yield store
    _drop(store)
    store.dispose()


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
    assert [e["name"] for e in doc["ledgers"]] == ["alice", DB_NAME]
    files = build_document([("alice", alice), ("bob", bob)], OCTOBER, tz=TZ)
    same_amounts(doc["totals"], files["totals"])
    assert doc["data_quality"]["duplicates_counted_once"] == 1
