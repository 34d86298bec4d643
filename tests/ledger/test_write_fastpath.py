"""The fast paths of the stdlib write path give exactly what the reference rules give.

``ledger.fastpath.write_events`` classifies with ``_changes`` and binds tuples to a
positional upsert; ``ledger.events.neutralised`` skips its regex when the stored
strings are printable. Each is checked here against the reference it replaces:
``ingest.classify`` + ``ingest.upsert_sql`` over ``Event.row()`` dicts, and the
per-field ``_CONTROL_RE`` search.
"""

from __future__ import annotations

import random
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

from ledger import fastpath, ingest
from ledger.events import _CONTROL_RE, TEXT_FIELDS, Event, neutralise, neutralised


def _event(event_id: str = "m1", **kw: object) -> Event:
    base: dict[str, object] = {"client": "codex", "event_id": event_id, "model": "gpt-5", "ts_ms": 1_760_000_000_000}
    base.update(kw)
    return Event(**base)  # type: ignore[arg-type]


def _rows(conn: sqlite3.Connection) -> list[tuple]:
    cols = ", ".join(ingest.EVENT_COLUMNS)
    return conn.execute(f"SELECT {cols} FROM events ORDER BY id").fetchall()


def _reference_write(conn: sqlite3.Connection, events: list[Event]) -> ingest.IngestResult:
    """The write path before the fast paths (what ``ledger.store`` still runs)."""
    batch = ingest.dedupe(events)
    stored: dict[tuple[str, str], tuple] = {}
    for client in {c for c, _ in batch}:
        stored.update(fastpath._stored(conn, client, [i for c, i in batch if c == client]))
    to_write, result = ingest.classify(batch, stored)
    if to_write:
        conn.executemany(ingest.upsert_sql("sqlite"), [ev.row() for ev in to_write])
    return result


def test_every_control_character_is_one_isprintable_refuses() -> None:
    matched = [chr(i) for i in range(0x110000) if _CONTROL_RE.match(chr(i))]
    assert len(matched) == 32 + 1 + 32 + 5 + 4  # C0, DEL, C1, U+202A-E, U+2066-9
    assert not any(ch.isprintable() for ch in matched)


def test_a_control_character_in_any_stored_field_is_neutralised() -> None:
    """The fast path names the fields itself: one missing from it would pass raw here."""
    clean = _event(provider="openai", session="s", project="/p", source="/f", tokens_estimated="chars/4")
    assert neutralised(clean) is clean
    for name in (*TEXT_FIELDS, "client"):
        changes: dict[str, Any] = {name: "a\x1bb\u202ec"}
        dirty = replace(clean, **changes)
        out = neutralised(dirty)
        assert getattr(out, name) == "a?b?c", name
        assert all(getattr(out, n) == getattr(clean, n) for n in (*TEXT_FIELDS, "client") if n != name)


def test_non_printable_but_not_control_is_kept_and_odd_values_take_the_exact_loop() -> None:
    nbsp = _event(project="/home/a\u00a0b", session="\u200bzero-width")  # Zs, Cf: not in _CONTROL_RE
    assert neutralised(nbsp) is nbsp
    odd = _event(model=12, session="x\ty")  # type: ignore[arg-type]  # a non-string: the join raises
    out = neutralised(odd)
    assert (out.model, out.session) == (12, "x?y")
    assert neutralise("\x00\x7f\x9f") == "???"


def test_row_tuple_is_row_in_column_order() -> None:
    ev = _event(provider="openai", session="s", project="/p", input_tokens=1, cache_write_tokens=2,
                cache_read_tokens=3, output_tokens=4, reasoning_tokens=5, requests=6, cost_usd=0.5,
                source="/f", tokens_estimated="chars/4")
    row = ev.row()
    assert fastpath.row_tuple(ev) == tuple(row[c] for c in ingest.EVENT_COLUMNS)
    assert set(row) == set(ingest.EVENT_COLUMNS)


def test_output_family_moves_to_reasoning_and_back_is_a_no_op(tmp_path: Path) -> None:
    conn = fastpath.open_ledger(tmp_path / "ledger.db")
    first = fastpath.ingest_events(conn, [_event(input_tokens=10, output_tokens=100)])
    split = fastpath.ingest_events(conn, [_event(input_tokens=10, output_tokens=60, reasoning_tokens=40)])
    again = fastpath.ingest_events(conn, [_event(input_tokens=10, output_tokens=100)])
    earlier = fastpath.ingest_events(conn, [_event(ts_ms=1_759_999_999_000)])
    costed = fastpath.ingest_events(conn, [_event(cost_usd=0.25)])
    row = conn.execute("SELECT input_tokens, output_tokens, reasoning_tokens, ts, cost_usd FROM events").fetchall()
    conn.close()
    assert [(r.new, r.updated, r.unchanged) for r in (first, split, again, earlier, costed)] == [
        (1, 0, 0), (0, 1, 0), (0, 0, 1), (0, 1, 0), (0, 1, 0)]
    assert row == [(10, 60, 40, 1_759_999_999_000, 0.25)]


def test_random_batches_give_the_reference_results_and_rows(tmp_path: Path) -> None:
    rng = random.Random(11)
    fast = fastpath.open_ledger(tmp_path / "fast.db")
    ref = fastpath.open_ledger(tmp_path / "ref.db")

    def reading() -> Event:
        return _event(
            event_id=f"m{rng.randrange(40)}",
            client=rng.choice(["codex", "gemini-cli"]),
            ts_ms=1_760_000_000_000 + rng.randrange(5) * 1000,
            provider=rng.choice([None, "openai"]),
            session=rng.choice([None, "s1", "s\n2"]),
            input_tokens=rng.randrange(4),
            cache_read_tokens=rng.randrange(3),
            output_tokens=rng.randrange(5),
            reasoning_tokens=rng.randrange(3),
            requests=rng.randrange(1, 3),
            cost_usd=rng.choice([None, 0.0, 0.5, 1.0]),
        )

    totals = ingest.IngestResult()
    for _ in range(60):
        batch = [reading() for _ in range(rng.randrange(1, 25))]
        fastpath.begin(fast)
        got = fastpath.write_events(fast, batch)
        fast.execute("COMMIT")
        fastpath.begin(ref)
        want = _reference_write(ref, batch)
        ref.execute("COMMIT")
        assert (got.new, got.updated, got.unchanged) == (want.new, want.updated, want.unchanged)
        totals += got
    assert _rows(fast) == _rows(ref)
    assert len(_rows(fast)) == totals.new == 80  # 40 ids x 2 clients, all seen
    assert totals.updated > 0 and totals.unchanged > 0
    fast.close()
    ref.close()


def test_upserts_in_blocks_give_the_reference_rows_across_block_edges(tmp_path: Path) -> None:
    """``upsert_rows`` writes ``UPSERT_BLOCK`` rows per statement and the rest one by one:
    batches of every size around the block's edges, new and merging rows mixed, give the
    rows the one-row-per-statement reference gives (same ids in the same order, same
    merged values)."""
    block = fastpath.UPSERT_BLOCK
    assert block * len(ingest.EVENT_COLUMNS) <= 999  # SQLite's parameter limit before 3.32
    rng = random.Random(5)
    fast = fastpath.open_ledger(tmp_path / "fast.db")
    ref = fastpath.open_ledger(tmp_path / "ref.db")
    sizes = [0, 1, block - 1, block, block + 1, 2 * block, 2 * block + 7, 3 * block - 1]
    for n in sizes * 2:
        batch = [_event(event_id=f"e{rng.randrange(400)}", client=rng.choice(["codex", "opencode"]),
                        ts_ms=1_760_000_000_000 + rng.randrange(9) * 1000, input_tokens=rng.randrange(50),
                        output_tokens=rng.randrange(50), reasoning_tokens=rng.randrange(9),
                        cost_usd=rng.choice([None, 0.25, 2.0]), session=rng.choice([None, "s1"]))
                 for _ in range(n)]
        for conn, write in ((fast, fastpath.write_events), (ref, _reference_write)):
            fastpath.begin(conn)
            write(conn, batch)
            conn.execute("COMMIT")
        assert _rows(fast) == _rows(ref)
    assert len(_rows(fast)) > 3 * block  # the blocks were used, updates among them
    fast.close()
    ref.close()
