"""A realistic demo ledger: several clients, models of very different sizes,
projects, a weekday rhythm and a few heavy agent sessions with large cached
contexts, up to the current hour (a session is still running), with only models
that the model table knows. Deterministic for a seed and a ``now``. Written to
``demo.db`` (never ``ledger.db``).

Fast enough for benchmarks: a million events in seconds (rows built as tuples,
inserted with one ``executemany`` per chunk in a single transaction).
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from glob import escape as glob_escape
from pathlib import Path

from ledger.files import create_private, fsync_dir, private_dir
from ledger.ingest import EVENT_COLUMNS
from ledger.store import open_store

PROJECTS = (
    "/home/dev/webshop",
    "/home/dev/tokenprint",
    "/home/dev/infra",
    "/home/dev/ml-notebooks",
    "/home/dev/blog",
    "/home/dev/mobile-app",
)


@dataclass(frozen=True)
class Profile:
    client: str
    model: str
    provider: str
    weight: float  # share of sessions
    kind: str  # agent-anthropic | agent-openai | agent-gemini | chat | cli
    length: tuple[int, int]  # requests per session


PROFILES: tuple[Profile, ...] = (
    Profile("claude-code", "claude-sonnet-4-5-20250929", "anthropic", 30, "agent-anthropic", (8, 120)),
    Profile("claude-code", "claude-opus-4-1-20250805", "anthropic", 6, "agent-anthropic", (5, 80)),
    Profile("claude-code", "claude-haiku-4-5-20251001", "anthropic", 10, "agent-anthropic", (3, 30)),
    Profile("codex", "gpt-5-codex", "openai", 14, "agent-openai", (6, 90)),
    Profile("codex", "gpt-5-mini", "openai", 5, "agent-openai", (3, 40)),
    Profile("gemini-cli", "gemini-2.5-pro", "google", 7, "agent-gemini", (4, 60)),
    Profile("gemini-cli", "gemini-2.5-flash", "google", 6, "agent-gemini", (3, 40)),
    Profile("opencode", "deepseek-chat", "deepseek", 3, "agent-openai", (4, 50)),
    Profile("aider", "gpt-4.1", "openai", 3, "cli", (3, 25)),
    Profile("llm", "gpt-4o-mini", "openai", 4, "cli", (1, 6)),
    Profile("llm", "llama3.1:8b", "ollama", 3, "cli", (1, 10)),
    Profile("chatgpt-export", "gpt-4o", "openai", 6, "chat", (2, 16)),
    Profile("chatgpt-export", "o3", "openai", 1, "chat", (1, 6)),
    # the claude.ai export names no model: the adapter records the app's default model
    Profile("claude-export", "claude-sonnet-4-5", "anthropic", 2, "chat", (2, 14)),
)

#: Hours (UTC) at which sessions start, weighted by repetition: a working day and an evening.
HOURS = (8, 9, 9, 10, 10, 11, 13, 14, 14, 15, 16, 17, 20, 21)
DAY_MS = 86_400_000
#: Clients whose counts come from a tokenizer (chat exports carry no usage).
ESTIMATED = {"chatgpt-export": "tiktoken:o200k_base", "claude-export": "tiktoken:o200k_base"}

INSERT_SQL = (
    f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in EVENT_COLUMNS)})"
)


def _buckets(kind: str, i: int, n: int, rng: random.Random, base_ctx: int) -> tuple[int, int, int, int, int]:
    """(input, cache_write, cache_read, output, reasoning) for request ``i`` of ``n``."""
    r = rng.random
    if kind == "agent-anthropic":
        ctx = base_ctx + int((160_000 - base_ctx) * i / max(n, 1))
        write = int(200 + 6000 * r() ** 3)
        return (int(1 + 300 * r() ** 2), write, int(ctx * (0.85 + 0.15 * r())), int(30 + 1800 * r() ** 2), 0)
    if kind == "agent-openai":
        ctx = base_ctx // 2 + int(120_000 * i / max(n, 1))
        return (int(400 + 6000 * r() ** 2), 0, int(ctx * r() ** 0.3), int(40 + 1200 * r() ** 2), int(3000 * r() ** 2))
    if kind == "agent-gemini":
        ctx = int(60_000 * i / max(n, 1))
        return (int(2000 + 28000 * r() ** 2), 0, int(ctx * r()), int(50 + 1800 * r() ** 2), int(100 + 2500 * r() ** 2))
    if kind == "chat":
        return (int(150 + 700 * i + 400 * r()), 0, 0, int(80 + 900 * r()), 0)
    return (int(200 + 4000 * r() ** 2), 0, 0, int(50 + 900 * r()), 0)


def _now_ms(now: datetime | None) -> int:
    if now is None:
        now = datetime.now(tz=UTC)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return int(now.timestamp() * 1000)


def generate(
    events: int = 20_000, days: int = 90, seed: int = 7, now: datetime | None = None
) -> Iterator[tuple]:
    """Yield ``events`` rows (tuples in ``EVENT_COLUMNS`` order) over ``days`` UTC days
    ending with the day of ``now`` (default: the current time; naive means UTC).

    No event is later than ``now``, and the last session is still running: its
    last request is one to four minutes before ``now``, so "today" has data
    from a few minutes past midnight on. The same ``seed`` and ``now`` give the
    same rows.
    """
    if events < 1 or days < 1:
        raise ValueError(f"a demo needs at least one event and one day (got {events} events, {days} days)")
    rng = random.Random(seed)
    now_ms = _now_ms(now)
    today0 = now_ms - now_ms % DAY_MS  # UTC midnight of now
    start_ms = today0 - (days - 1) * DAY_MS
    weights = []
    for d in range(days):
        wd = datetime.fromtimestamp((start_ms + d * DAY_MS) / 1000, tz=UTC).weekday()
        w = 1.0 if wd < 5 else (0.25 if wd == 5 else 0.15)
        w *= 0.7 + 0.6 * d / max(days - 1, 1)  # usage grows over the quarter
        weights.append(w)
    weights[-1] *= max((now_ms - today0) / DAY_MS, 0.01)  # today is only under way
    total_w = sum(weights)
    per_day = [int(events * w / total_w) for w in weights]
    per_day[-1] += events - sum(per_day)
    if per_day[-1] < 1:  # the running session needs a request today
        per_day[per_day.index(max(per_day))] -= 1
        per_day[-1] = 1
    prof_weights = [p.weight for p in PROFILES]
    heavy_days = set(rng.sample(range(days), k=min(days, max(1, days // 15))))
    serial = 0
    for d, budget in enumerate(per_day):
        day0 = start_ms + d * DAY_MS
        last_day = d == days - 1
        # the rhythm's hours that have begun by now (today), else the whole day
        hours = [h for h in HOURS if day0 + h * 3_600_000 < now_ms] if last_day else list(HOURS)
        while budget > 0:
            p = rng.choices(PROFILES, prof_weights)[0]
            lo, hi = p.length
            n = rng.randint(lo, hi)
            if d in heavy_days and p.kind.startswith("agent") and rng.random() < 0.3:
                n *= 4  # a long autonomous agent run
            n = min(n, budget)
            budget -= n
            session = f"{rng.getrandbits(64):016x}-{d}"
            project = rng.choice(PROJECTS) if p.kind != "chat" else None
            if hours:
                t = day0 + rng.choice(hours) * 3_600_000 + rng.randint(0, 3_599_999)
            else:  # today, before the first hour of the rhythm
                t = day0 + rng.randint(0, max(now_ms - day0 - 1, 0))
            gaps = [rng.randint(4_000, 90_000) for _ in range(n)]
            span = sum(gaps)
            if last_day and budget == 0:  # the running session: it ends just now
                t = now_ms - rng.randint(60_000, 240_000) - span
            elif t + span > now_ms:  # never in the future: the session ends before now
                t = now_ms - rng.randint(240_000, 3_600_000) - span
            base_ctx = rng.randint(12_000, 40_000)
            estimated = ESTIMATED.get(p.client)
            for i in range(n):
                t += gaps[i]
                inp, cw, cr, out, reas = _buckets(p.kind, i, n, rng, base_ctx)
                serial += 1
                yield (
                    p.client, f"demo-{seed}-{serial}", p.provider, p.model, t, session, project,
                    inp, cw, cr, out, reas, 1, None, "demo", estimated,
                )


def write_demo(
    path: Path, events: int = 20_000, days: int = 90, seed: int = 7, now: datetime | None = None
) -> int:
    """Replace ``path`` with a fresh demo ledger up to ``now`` (default: the current
    time); returns the number of events.

    Written whole into a 0600 temporary file beside ``path`` (its ``-wal`` and
    ``-shm`` get the same mode) and renamed over ``path`` once complete: a reader
    never sees half a demo, and a failure (a full disk) leaves the previous demo and
    no temporary file."""
    path = Path(path)
    private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    parts = [Path(str(tmp) + suffix) for suffix in ("", "-wal", "-shm", "-journal")]
    for part in parts:
        part.unlink(missing_ok=True)
    count = 0
    try:
        create_private(tmp)
        store = open_store(path=tmp)
        try:
            with store.write() as conn:
                chunk: list[tuple] = []
                for row in generate(events, days, seed, now):
                    chunk.append(row)
                    if len(chunk) >= 50_000:
                        conn.exec_driver_sql(INSERT_SQL, chunk)
                        count += len(chunk)
                        chunk = []
                if chunk:
                    conn.exec_driver_sql(INSERT_SQL, chunk)
                    count += len(chunk)
            with store.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
        finally:
            store.dispose()
        wal = parts[1]
        if wal.exists() and wal.stat().st_size:  # pragma: no cover - the last close checkpoints it
            raise OSError(f"{wal}: the demo's write-ahead log was not checkpointed")
        for suffix in ("-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        os.replace(tmp, path)
        fsync_dir(path.parent)
    finally:
        for part in (*parts, *path.parent.glob(glob_escape(tmp.name) + "*")):  # and markers beside it
            part.unlink(missing_ok=True)
    return count
