"""Idempotent ingestion, shared by every writer: SQL text and merge rules.

Standard library only. Every write is an upsert on the natural key
``(client, event_id)``: the same event twice is one row, and an event read again
with larger counts (a streamed response that grew on disk) raises the stored
counts, never adds a row. Counts only ever grow; the instant is the earliest
seen; metadata already stored is kept.

Output and reasoning are one family: a client may state the reasoning split
on some readings only (Claude's thinking tokens sit inside ``output_tokens``
unless a line says how many), so their sum only grows, reasoning takes the
largest stated share of it, and output is the rest. A later, more detailed
reading therefore moves tokens from output to reasoning instead of counting
them twice.

Two executors use this module: ``ledger.fastpath`` (stdlib ``sqlite3``, the
hook) and ``ledger.store`` (SQLAlchemy, everything else, SQLite or PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from ledger.events import Event, neutralised
from ledger.vocab import COUNT_FIELDS

EVENT_COLUMNS: tuple[str, ...] = (
    "client",
    "event_id",
    "provider",
    "model",
    "ts",
    "session",
    "project",
    *COUNT_FIELDS,
    "cost_usd",
    "source",
    "tokens_estimated",
)


_OUTPUT_FAMILY = ("output_tokens", "reasoning_tokens")


def merged_counts(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    """Two readings' counts merged: each bucket's largest, output+reasoning as one whole."""
    out = {f: max(a[f], b[f]) for f in COUNT_FIELDS}
    whole = max(a["output_tokens"] + a["reasoning_tokens"], b["output_tokens"] + b["reasoning_tokens"])
    out["reasoning_tokens"] = min(out["reasoning_tokens"], whole)
    out["output_tokens"] = whole - out["reasoning_tokens"]
    return out


def upsert_sql(dialect: str) -> str:
    """``INSERT .. ON CONFLICT DO UPDATE`` with the merge rules, named params."""
    big, small = ("GREATEST", "LEAST") if dialect == "postgresql" else ("MAX", "MIN")
    cols = ", ".join(EVENT_COLUMNS)
    params = ", ".join(f":{c}" for c in EVENT_COLUMNS)
    sets = [f"{c} = {big}(events.{c}, excluded.{c})" for c in COUNT_FIELDS if c not in _OUTPUT_FAMILY]
    whole = f"{big}(events.output_tokens + events.reasoning_tokens, excluded.output_tokens + excluded.reasoning_tokens)"
    reasoning = f"{small}({big}(events.reasoning_tokens, excluded.reasoning_tokens), {whole})"
    sets.append(f"output_tokens = {whole} - {reasoning}")
    sets.append(f"reasoning_tokens = {reasoning}")
    sets.append(f"ts = {small}(events.ts, excluded.ts)")
    sets.append(
        "cost_usd = CASE WHEN events.cost_usd IS NULL THEN excluded.cost_usd "
        "WHEN excluded.cost_usd IS NULL THEN events.cost_usd "
        f"ELSE {big}(events.cost_usd, excluded.cost_usd) END"
    )
    for c in ("provider", "session", "project", "source", "tokens_estimated"):
        sets.append(f"{c} = COALESCE(events.{c}, excluded.{c})")
    return (
        f"INSERT INTO events ({cols}) VALUES ({params}) "
        f"ON CONFLICT (client, event_id) DO UPDATE SET {', '.join(sets)}"
    )


@dataclass
class IngestResult:
    """What one ingestion did: rows added, rows whose counts grew, no-ops."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def __iadd__(self, other: IngestResult) -> IngestResult:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self

    @property
    def written(self) -> int:
        return self.new + self.updated


def merge(a: Event, b: Event) -> Event:
    """Two readings of one event: the larger counts, the earlier instant."""
    counts = merged_counts(a.counts(), b.counts())
    if a.cost_usd is None or b.cost_usd is None:
        cost = a.cost_usd if b.cost_usd is None else b.cost_usd
    else:
        cost = max(a.cost_usd, b.cost_usd)
    out = replace(
        a,
        ts_ms=min(a.ts_ms, b.ts_ms),
        cost_usd=cost,
        provider=a.provider or b.provider,
        session=a.session or b.session,
        project=a.project or b.project,
    )
    for name, value in counts.items():
        setattr(out, name, value)
    return out


def dedupe(events: Iterable[Event]) -> dict[tuple[str, str], Event]:
    """Merge events with the same natural key within one batch.

    Every event passes through :func:`ledger.events.neutralised` first: whatever
    writer built it, no control character (C0, DEL, C1, bidi controls) in a
    stored string reaches the ledger raw; each is replaced by ``?``.
    """
    out: dict[tuple[str, str], Event] = {}
    for raw in events:
        ev = neutralised(raw)
        key = (ev.client, ev.event_id)
        prev = out.get(key)
        out[key] = ev if prev is None else merge(prev, ev)
    return out


#: Columns read back to decide whether an incoming event changes a stored one.
COMPARE_COLUMNS: tuple[str, ...] = ("event_id", *COUNT_FIELDS, "ts", "cost_usd")


def classify(
    batch: dict[tuple[str, str], Event], stored: dict[tuple[str, str], tuple]
) -> tuple[list[Event], IngestResult]:
    """Which events to write. ``stored`` maps keys to ``COMPARE_COLUMNS[1:]`` values."""
    result = IngestResult()
    to_write: list[Event] = []
    for key, ev in batch.items():
        old = stored.get(key)
        if old is None:
            result.new += 1
            to_write.append(ev)
            continue
        *old_values, old_ts, old_cost = old
        old_counts = dict(zip(COUNT_FIELDS, old_values, strict=True))
        grew = merged_counts(old_counts, ev.counts()) != old_counts
        earlier = ev.ts_ms < old_ts
        cost_grew = ev.cost_usd is not None and (old_cost is None or ev.cost_usd > old_cost)
        if grew or earlier or cost_grew:
            result.updated += 1
            to_write.append(ev)
        else:
            result.unchanged += 1
    return to_write, result


def select_existing_sql(n: int, style: str = "qmark") -> str:
    """Stored values for up to ``n`` event ids of one client."""
    cols = ", ".join(COMPARE_COLUMNS)
    if style == "qmark":
        marks = ", ".join("?" * n)
        return f"SELECT {cols} FROM events WHERE client = ? AND event_id IN ({marks})"
    return f"SELECT {cols} FROM events WHERE client = :client AND event_id IN :ids"


CHUNK = 500
