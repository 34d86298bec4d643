"""Small fixed ledgers for the export tests: two people, October 2026 and a bit of
September (the previous month), in Europe/Paris around the end of summer time.

Everything is deterministic: golden files depend on these events only.
Regenerate the golden files with ``TOKENPRINT_UPDATE_GOLDEN=1 pytest tests/ledger/export``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ledger.events import Event
from ledger.fastpath import SET_POSITION_SQL, position_params
from ledger.store import Store, open_store

TZ = "Europe/Paris"
GENERATED_AT = "2026-11-02 09:00 UTC"

# (client, model, project, input, cache_write, cache_read, output, reasoning, cost, estimated)
PROFILES = (
    ("claude-code", "claude-sonnet-4-5-20250929", "/home/alice/webshop", 120, 3000, 60_000, 900, 0, None, None),
    ("claude-code", "claude-haiku-4-5-20251001", "/home/alice/webshop", 80, 1000, 20_000, 400, 0, None, None),
    ("codex", "gpt-5-codex", "/home/alice/infra", 2500, 0, 40_000, 700, 1200, None, None),
    ("gemini-cli", "gemini-2.5-flash", "/home/alice/infra", 9000, 0, 12_000, 600, 800, None, None),
    ("chatgpt-export", "gpt-4o", None, 900, 0, 0, 450, 0, None, "tiktoken:o200k_base"),
    ("manual", "acme-mystery-7b", "/home/alice/notebooks", 1500, 0, 0, 300, 0, 0.004, None),
)


def ts(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def alice_events() -> list[Event]:
    """About 80 events: every weekday of October 2026 and the last week of September."""
    events: list[Event] = []
    start = datetime(2026, 9, 21, 8, 15, tzinfo=UTC)
    n = 0
    for day in range(41):  # 2026-09-21 .. 2026-10-31
        d = start + timedelta(days=day)
        if d.weekday() >= 5 and day % 3:
            continue
        for k, p in enumerate(PROFILES):
            if (day + k) % 3 and k not in (0, 2):
                continue
            n += 1
            client, model, project, inp, cw, cr, out, reas, cost, est = p
            scale = 1 + (day % 5)
            events.append(
                Event(
                    client=client, event_id=f"a-{n}", model=model,
                    ts_ms=int((d + timedelta(hours=k, minutes=7 * k)).timestamp() * 1000),
                    session=f"s-{day}-{k}", project=project,
                    input_tokens=inp * scale, cache_write_tokens=cw, cache_read_tokens=cr * scale,
                    output_tokens=out * scale, reasoning_tokens=reas, requests=1 + k % 2,
                    cost_usd=cost, tokens_estimated=est,
                )
            )
    # Just before and after local midnight on the night summer time ends (Paris).
    events.append(Event(client="claude-code", event_id="a-night-1", model="claude-sonnet-4-5-20250929",
                        ts_ms=ts("2026-10-24T21:50:00"), project="/home/alice/webshop",
                        input_tokens=10, cache_read_tokens=5000, output_tokens=200))
    events.append(Event(client="claude-code", event_id="a-night-2", model="claude-sonnet-4-5-20250929",
                        ts_ms=ts("2026-10-31T23:10:00"), project="/home/alice/webshop",  # Paris: Nov 1st
                        input_tokens=10, cache_read_tokens=5000, output_tokens=200))
    return events


def bob_events() -> list[Event]:
    """Bob's ledger: his own codex use, plus one of Alice's events (a shared import)."""
    events = [
        Event(client="codex", event_id=f"b-{i}", model="gpt-5-mini", ts_ms=ts(f"2026-10-{i:02d}T14:00:00"),
              project="/home/bob/api", input_tokens=3000, cache_read_tokens=25_000, output_tokens=800,
              reasoning_tokens=400, cost_usd=0.012)
        for i in range(1, 31, 2)
    ]
    shared = next(e for e in alice_events() if e.event_id == "a-night-1")
    events.append(shared)
    return events


def _build(path: Path, events: list[Event], skipped: bool) -> Store:
    path.parent.mkdir(parents=True, exist_ok=True)
    store = open_store(path=path)
    store.ingest(events)
    if skipped:
        with store.write() as conn:
            from sqlalchemy import text

            conn.execute(text(SET_POSITION_SQL), position_params(
                "chatgpt-export", "/home/alice/Downloads/conversations.json", identity="x", offset=10,
                size=10, mtime_ns=0, skipped_lines=3, skip_reasons={"not JSON": 2, "no model": 1}))
    return store


@pytest.fixture
def alice(tmp_path: Path) -> Iterator[Store]:
    store = _build(tmp_path / "alice" / "ledger.db", alice_events(), skipped=True)
    yield store
    store.dispose()


@pytest.fixture
def bob(tmp_path: Path) -> Iterator[Store]:
    store = _build(tmp_path / "bob" / "ledger.db", bob_events(), skipped=False)
    yield store
    store.dispose()
