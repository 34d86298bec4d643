"""Idempotent ingestion: the same event twice is one row; growing counts raise it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from ledger import fastpath
from ledger.events import Event
from ledger.store import open_store


def ev(event_id: str, out: int = 10, ts: int = 1_700_000_000_000, **kw: object) -> Event:
    return Event(client="claude-code", event_id=event_id, model="claude-sonnet-4-5",
                 ts_ms=ts, input_tokens=5, output_tokens=out, **kw)  # type: ignore[arg-type]


def rows(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    return conn.execute(
        "SELECT event_id, ts, input_tokens, output_tokens, cost_usd, session FROM events ORDER BY event_id"
    ).fetchall()


@pytest.fixture(params=["sqlalchemy", "stdlib"])
def ingest(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    db = tmp_path / "ledger.db"
    if request.param == "sqlalchemy":
        store = open_store(path=db)
        yield db, store.ingest
        store.dispose()
    else:
        conn = fastpath.open_ledger(db)
        yield db, lambda events: fastpath.ingest_events(conn, events)
        conn.close()


def test_same_event_twice_is_one_row(ingest) -> None:  # type: ignore[no-untyped-def]
    db, write = ingest
    r1 = write([ev("a"), ev("b")])
    r2 = write([ev("a"), ev("b")])
    assert (r1.new, r1.updated, r1.unchanged) == (2, 0, 0)
    assert (r2.new, r2.updated, r2.unchanged) == (0, 0, 2)
    assert len(rows(db)) == 2


def test_growing_counts_raise_the_row_and_shrinking_do_not(ingest) -> None:  # type: ignore[no-untyped-def]
    db, write = ingest
    write([ev("a", out=10)])
    r = write([ev("a", out=25, ts=1_700_000_009_000)])
    assert (r.new, r.updated) == (0, 1)
    assert rows(db) == [("a", 1_700_000_000_000, 5, 25, None, None)]
    r = write([ev("a", out=3)])
    assert r.unchanged == 1
    assert rows(db)[0][3] == 25


def test_earliest_instant_and_first_metadata_are_kept(ingest) -> None:  # type: ignore[no-untyped-def]
    db, write = ingest
    write([ev("a", ts=2_000, session="s1")])
    write([ev("a", ts=1_000, session="s2", cost_usd=0.5)])
    assert rows(db) == [("a", 1_000, 5, 10, 0.5, "s1")]


def test_duplicates_within_one_batch_merge(ingest) -> None:  # type: ignore[no-untyped-def]
    db, write = ingest
    r = write([ev("a", out=1), ev("a", out=9), ev("a", out=4)])
    assert (r.new, r.updated, r.unchanged) == (1, 0, 0)
    assert rows(db)[0][3] == 9


def test_a_failed_batch_writes_nothing(tmp_path: Path) -> None:
    store = open_store(path=tmp_path / "l.db")
    bad = ev("b")
    bad.model = None  # type: ignore[assignment]  # violates NOT NULL
    with pytest.raises(IntegrityError):
        store.ingest([ev("a"), bad])
    assert rows(tmp_path / "l.db") == []
    store.dispose()


def test_a_later_reasoning_split_moves_output_not_doubles_it(ingest) -> None:  # type: ignore[no-untyped-def]
    """First reading: 500 output, split unknown. Later reading: 600 in all, 300 of it thinking."""
    db, write = ingest
    write([ev("a", out=500)])
    r = write([ev("a", out=300, reasoning_tokens=300)])
    assert r.updated == 1
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT output_tokens, reasoning_tokens FROM events").fetchone() == (300, 300)
    # an older, undivided reading read again changes nothing
    assert write([ev("a", out=500)]).unchanged == 1
    # the same whole with a split stated later: tokens move to reasoning
    write([ev("b", out=400)])
    write([ev("b", out=250, reasoning_tokens=150)])
    assert conn.execute("SELECT output_tokens, reasoning_tokens FROM events WHERE event_id = 'b'").fetchone() == (250, 150)
    # codex-like independent growth of both buckets
    write([ev("c", out=10, reasoning_tokens=5)])
    write([ev("c", out=20, reasoning_tokens=50)])
    assert conn.execute("SELECT output_tokens, reasoning_tokens FROM events WHERE event_id = 'c'").fetchone() == (20, 50)


def test_control_characters_are_stored_neutralised_by_every_writer(ingest) -> None:  # type: ignore[no-untyped-def]
    db, write = ingest
    raw = "\u001b[2J\u001b[31mRED\u202e\u0085\u007f\u0000"
    write([Event(client="claude-code", event_id="id" + raw, model="m" + raw, ts_ms=1_700_000_000_000,
                 session="s" + raw, project="/p" + raw, provider="x" + raw, source="/t" + raw,
                 tokens_estimated="chars/4" + raw, input_tokens=1)])
    row = sqlite3.connect(db).execute(
        "SELECT event_id, model, session, project, provider, source, tokens_estimated FROM events").fetchone()
    tail = "?[2J?[31mRED????"
    assert row == ("id" + tail, "m" + tail, "s" + tail, "/p" + tail, "x" + tail, "/t" + tail, "chars/4" + tail)
    # the same raw event again is the same row (the neutralised key is the key)
    write([Event(client="claude-code", event_id="id" + raw, model="m" + raw, ts_ms=1_700_000_000_000,
                 input_tokens=1)])
    assert len(rows(db)) == 1
