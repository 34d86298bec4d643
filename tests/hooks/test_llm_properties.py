"""Properties of the llm adapter through the real reader and ledger (hypothesis).

- Any order of llm's writes (old ``responses`` rows, ``turns``, a request in both
  tables, a turn logged again with ``INSERT OR REPLACE``), with imports at any point
  between them and any batch size, gives the same ledger as one import of the final
  ``logs.db``: nothing lost, nothing counted twice, the watermarks never skip a row.
- Rows holding garbage (any value in any column, any text as ``token_details``) never
  raise and are never an error; the good rows around them count exactly as without
  them, and whatever becomes an event passes the ledger's limits.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hooks import llm as adapter
from hooks.sync import FastBackend, Syncer, Totals
from ledger import fastpath
from ledger.events import problem
from tests.hooks import llm_corpus as lc

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
#: Examples write many small databases: in memory where the system has a RAM folder.
TMP = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
COLUMNS = ("event_id, model, ts, session, input_tokens, cache_write_tokens, cache_read_tokens, output_tokens, "
           "reasoning_tokens, requests")


@contextmanager
def chunk_rows(n: int) -> Iterator[None]:
    before = adapter.CHUNK_ROWS
    adapter.CHUNK_ROWS = n
    try:
        yield
    finally:
        adapter.CHUNK_ROWS = before


def sync(ledger: Path, db: Path) -> Totals:
    conn = fastpath.open_ledger(ledger)
    try:
        syncer = Syncer(FastBackend(conn), "llm", adapter.parse, adapter=adapter)
        syncer.sync(str(db), syncer.backend.load_positions("llm", [str(db)]).get(str(db)))
        syncer.flush()
        return syncer.totals
    finally:
        conn.close()


def rows(ledger: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(ledger)
    try:
        return conn.execute(f"SELECT {COLUMNS} FROM events ORDER BY event_id").fetchall()
    finally:
        conn.close()


_details = st.one_of(
    st.none(),
    st.builds(lambda c, r: {"prompt_tokens_details": {"cached_tokens": c}, "completion_tokens_details":
                            {"reasoning_tokens": r}}, st.integers(0, 3000), st.integers(0, 500)),
    st.builds(lambda c, r: {"input_tokens_details": {"cached_tokens": c}, "output_tokens_details":
                            {"reasoning_tokens": r}}, st.integers(0, 3000), st.integers(0, 500)),
    st.builds(lambda w, r: {"cache_creation_input_tokens": w, "cache_read_input_tokens": r},
              st.integers(0, 9000), st.integers(0, 9000)),
    st.builds(lambda c, t, cand: {"cachedContentTokenCount": c, "thoughtsTokenCount": t,
                                  "candidatesTokenCount": cand}, st.integers(0, 3000), st.integers(0, 300),
              st.integers(0, 500)),
)

_request = st.fixed_dictionaries({
    "inp": st.integers(0, 5000), "out": st.integers(0, 800), "details": _details,
    "model": st.sampled_from(["gpt-4o", "claude-sonnet-4.5", "gemini-2.5-flash"]),
    "resolved": st.sampled_from([None, "gpt-4o-2024-08-06"]),
    "second": st.integers(0, 86_399), "thread": st.sampled_from(["t1", "t2"]),
    # where llm logged it: the old table, the new one, both (a request in both)
    "where": st.sampled_from(["responses", "turns", "both"]),
    "relogged": st.booleans(),  # the turn logged again (INSERT OR REPLACE): same id, same counts
})


def write(db: Any, n: int, r: dict[str, Any]) -> None:
    ident = f"01k{n:023d}"
    when = f"2026-03-01T{r['second'] // 3600:02d}:{r['second'] // 60 % 60:02d}:{r['second'] % 60:02d}"
    args = {"inp": r["inp"], "out": r["out"], "details": r["details"], "resolved": r["resolved"]}
    if r["where"] in ("responses", "both"):
        lc.add_response(db, ident, r["model"], when, conversation=r["thread"], **args)
    if r["where"] in ("turns", "both"):
        lc.add_turn(db, ident, r["model"], when + ".000000+00:00", thread=r["thread"], **args)
        if r["relogged"]:
            lc.add_turn(db, ident, r["model"], when + ".000000+00:00", thread=r["thread"], replace=True, **args)


@SETTINGS
@given(requests=st.lists(_request, min_size=1, max_size=12), cuts=st.lists(st.integers(0, 12), max_size=4),
       chunk=st.integers(1, 4))
def test_any_order_of_reads_is_one_import(requests: list[dict[str, Any]], cuts: list[int], chunk: int) -> None:
    with tempfile.TemporaryDirectory(dir=TMP) as d, chunk_rows(chunk):
        logs, ledger, once = Path(d) / "logs.db", Path(d) / "ledger.db", Path(d) / "once.db"
        db = lc.fresh(logs)
        stops = set(cuts)
        for n, r in enumerate(requests):
            if n in stops:
                db.close()
                t = sync(ledger, logs)
                assert t.errors == 0, t.error_messages
                db = lc.open_db(logs, durable=False)
            write(db, n, r)
        db.close()
        sync(ledger, logs)
        again = sync(ledger, logs)
        assert (again.read, again.result.new, again.result.updated) == (0, 0, 0)
        sync(once, logs)
        got = rows(ledger)
        assert got == rows(once)
        assert len(got) == len(requests)  # one event per request, wherever llm logged it


_junk = st.one_of(st.none(), st.integers(-10, 10**10), st.floats(allow_nan=True), st.text(max_size=20),
                  st.binary(max_size=10), st.booleans())
_junk_details = st.one_of(_junk, st.text(max_size=40),
                          st.recursive(st.one_of(st.none(), st.integers(-5, 10**10), st.text(max_size=5)),
                                       lambda c: st.one_of(st.lists(c, max_size=3),
                                                           st.dictionaries(st.sampled_from(
                                                               ["prompt_tokens_details", "cached_tokens",
                                                                "reasoning_tokens", "thoughtsTokenCount",
                                                                "cache_read_input_tokens", "input_tokens_details",
                                                                "candidatesTokenCount"]), c, max_size=3)),
                                       max_leaves=8).map(json.dumps))


@SETTINGS
@given(junk=st.lists(st.fixed_dictionaries({
    "id": st.one_of(st.text(max_size=8), st.integers(), st.none()), "model": _junk, "resolved_model": _junk,
    "input_tokens": _junk, "output_tokens": _junk, "token_details": _junk_details,
    "datetime_utc": st.one_of(_junk, st.just("2026-03-01T00:00:00"), st.just("9999-01-01T00:00:00"))}),
    max_size=6), good=st.lists(_request, min_size=1, max_size=4))
def test_garbage_rows(junk: list[dict[str, Any]], good: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory(dir=TMP) as d:
        logs, ledger, clean = Path(d) / "logs.db", Path(d) / "ledger.db", Path(d) / "clean.db"
        db = lc.fresh(logs)
        for n, r in enumerate(good):
            write(db, n, {**r, "where": "turns"})
        db.close()
        sync(clean, logs)
        raw = sqlite3.connect(logs)
        for i, row in enumerate(junk):
            cols = ", ".join(row)
            marks = ", ".join("?" * len(row))
            ident = row["id"]
            # by name: the dictionary's order need not be the strategy's (seen when shrinking)
            values = [(f"junk{i}:{ident}" if ident is not None else None) if k == "id" else v
                      for k, v in row.items()]
            # the junk goes in without llm's types (SQLite keeps what it is given)
            table = "turns" if i % 2 else "responses"
            raw.execute(f"INSERT OR IGNORE INTO {table} ({cols}) VALUES ({marks})", values)
        raw.commit()
        raw.close()
        t = sync(ledger, logs)
        assert t.errors == 0, t.error_messages
        got = rows(ledger)
        clean_rows = rows(clean)
        assert [r for r in got if not str(r[0]).startswith("junk")] == clean_rows
        conn = sqlite3.connect(ledger)
        try:
            stored = conn.execute("SELECT client, event_id, model, ts, input_tokens, cache_write_tokens, "
                                  "cache_read_tokens, output_tokens, reasoning_tokens FROM events").fetchall()
        finally:
            conn.close()
        from ledger.events import Event

        for c, e, m, ts, *counts in stored:
            assert problem(Event(c, e, m, ts, None, None, None, *counts)) is None
