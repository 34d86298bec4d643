"""opencode: the backfill's decoder (msgspec, ``fast_loads``) reads a database exactly as
the hook's (the standard library) does: the same events, skips and bytes, on records
msgspec rejects and the standard library takes (a lone surrogate escape, a number out
of range), on records both reject, and on the common ones."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from hooks import backfill, opencode
from hooks.sync import FastBackend, Syncer
from ledger import fastpath
from tests.hooks import opencode_corpus as oc

COLUMNS = ("event_id, model, provider, ts, session, project, input_tokens, cache_write_tokens, "
           "cache_read_tokens, output_tokens, reasoning_tokens, requests, cost_usd, source")


def _read(db: str, ledger: Path, parse: Any) -> Any:
    conn = fastpath.open_ledger(ledger)
    try:
        syncer = Syncer(FastBackend(conn), "opencode", parse, adapter=opencode)
        syncer.sync(db, syncer.backend.load_positions("opencode", [db]).get(db))
        syncer.flush()
        return syncer.totals
    finally:
        conn.close()


def _events(ledger: Path) -> dict[str, tuple[Any, ...]]:
    conn = sqlite3.connect(ledger)
    try:
        return {r[0]: r[1:] for r in conn.execute(f"SELECT {COLUMNS} FROM events")}
    finally:
        conn.close()


def test_the_fast_decoder_reads_a_database_as_the_standard_library(tmp_path: Path) -> None:
    fx = oc.build_fixture(tmp_path / "machine")
    db = str(fx["db"])
    mid, sid = fx["ids"]["a1"], oc.SES_A
    w = oc.connect(db)
    parts: list[Any] = [
        # msgspec rejects 1e400 (out of range), json takes it as inf: not a cost.
        '{"type": "step-finish", "tokens": {"input": 1, "output": 2, "cache": {"read": 3, "write": 4}}, '
        '"cost": 1e400}',
        # 12.0 is a count; the last of two "output" keys is the one (both decoders).
        '{"type": "step-finish", "tokens": {"input": 12.0, "output": 2, "output": 5}, "cost": -0.0}',
        '{"type": "step-finish", "tokens": {"input": true, "output": 1}}',  # bad usage
        '{"type": "step-finish", "tokens": {"input": 1180591620717411303424, "output": 1}}',  # absurd
        '{"type": "step-finish", "tokens": {"input": 1, "output": 1e400}}',  # inf: bad usage
        # A lone surrogate escape: msgspec says no, json yes (an unused field).
        '{"type": "step-finish", "tokens": {"input": 2, "output": 3}, "note": "\\ud800"}',
        '"step-finish"',  # not an object
        "[" * 100_000 + '"step-finish"' + "]" * 100_000,  # too deep for both
        b'{"type": "step-finish", "tokens": {"input": 1}} \xff\xfe',  # a BLOB, not UTF-8: invalid
    ]
    for i, data in enumerate(parts):
        ms = oc.DAY1 + 100_000 + i
        w.execute("INSERT INTO part (id, message_id, session_id, time_created, time_updated, data) "
                  "VALUES (?, ?, ?, ?, ?, ?)", (oc.ascending_id("prt", ms), mid, sid, ms, ms, data))
    t0 = oc.DAY2 + 30_000
    messages = {
        # No step parts: counted whole; its model holds a lone surrogate (replaced, as _text does).
        "msg_surrogate": '{"role": "assistant", "modelID": "m\\ud800x", "providerID": "p", '
                         f'"time": {{"created": {t0}, "completed": {t0 + 1000}}}, '
                         '"tokens": {"input": 4, "output": 5}}',
        "msg_inf_cost": '{"role": "assistant", "modelID": "m", "providerID": "p", '
                        f'"time": {{"created": {t0}, "completed": {t0 + 2000}}}, '
                        '"tokens": {"input": 6, "output": 7, "reasoning": 1}, "cost": 1e400}',
        # The last "role" is the one: a user message, nothing to count.
        "msg_user": '{"role": "assistant", "role": "user", "modelID": "m", '
                    f'"time": {{"created": {t0}, "completed": {t0 + 3000}}}, "tokens": {{"input": 8}}}}',
    }
    for ident, data in messages.items():
        w.execute("INSERT INTO message (id, session_id, time_created, time_updated, data) VALUES (?, ?, ?, ?, ?)",
                  (ident, sid, t0, t0 + 3000, data))
    w.close()
    fast = backfill.backfill_parser(opencode)
    assert getattr(fast, "keywords", {}).get("loads") is not None  # msgspec is installed here
    plain = _read(db, tmp_path / "plain.db", opencode.parse)
    quick = _read(db, tmp_path / "fast.db", fast)
    assert (quick.skips, quick.bytes, quick.result.new, quick.errors) == (
        plain.skips, plain.bytes, plain.result.new, plain.errors)
    got = _events(tmp_path / "fast.db")
    assert got == _events(tmp_path / "plain.db")
    # The fixture's 5 events, 3 of the parts and 2 of the messages.
    assert plain.result.new == 10
    assert plain.skips == {"invalid-json": 2, "not-an-object": 1, "too-deep": 1, "bad-usage": 2,
                           "absurd-count": 1}
    by_counts = {v[5:10]: (k, v) for k, v in got.items()}
    assert by_counts[(1, 4, 3, 2, 0)][1][11] is None  # 1e400 is no cost
    assert by_counts[(12, 0, 0, 5, 0)][1][11] == 0.0
    assert (2, 0, 0, 3, 0) in by_counts
    assert got["msg_surrogate"][:2] == ("m?x", "p")
    assert got["msg_surrogate"][5:10] == (4, 0, 0, 5, 0)
    assert got["msg_inf_cost"][5:12] == (6, 0, 0, 6, 1, 1, None)  # output without its reasoning
    assert "msg_user" not in got
