"""Everything an export shows, gathered from one or several ledgers.

Several ledgers (a team summary) are combined in SQL: SQLite files are attached
to one connection and each is aggregated in turn, skipping the events an earlier
ledger already holds (``NOT EXISTS`` on the unique ``(client, event_id)`` index),
so an event present in two ledgers is counted once, for the first one given.
Aggregation is per (local day, ledger, client, model, project, estimation
method): a few thousand groups for a month, never the event rows. Impacts are
attached to those groups by the report's own ``attach_impacts``, so an export's
totals are the ``report --json`` totals of the same range.
"""

from __future__ import annotations

import calendar
import json
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from ledger.amounts import add_into
from ledger.timeutil import (
    add_days,
    day_from_index,
    day_start_ms,
    get_zone,
    local_day_index_sql,
    offset_segments,
    today_in,
)
from ledger.vocab import COUNT_FIELDS

#: Impact fields of a row (each a ``{"low", "central", "high"}`` range), in column order.
IMPACT_FIELDS: tuple[str, ...] = ("energy_wh", "co2e_g", "water_ml")

Rows = list[dict[str, Any]]


# -- the range ------------------------------------------------------------------------
@dataclass(frozen=True)
class Range:
    """A range of local days, both ends inclusive, and how to name it."""

    since: date
    until: date
    kind: str  # month | year | range

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    @property
    def title(self) -> str:
        if self.kind == "month":
            return f"{calendar.month_name[self.since.month]} {self.since.year}"
        if self.kind == "year":
            return str(self.since.year)
        if self.since == self.until:
            return self.since.isoformat()
        return f"{self.since.isoformat()} to {self.until.isoformat()}"

    @property
    def slug(self) -> str:
        if self.kind == "month":
            return f"{self.since.year}-{self.since.month:02d}"
        if self.kind == "year":
            return str(self.since.year)
        return f"{self.since.isoformat()}_{self.until.isoformat()}"

    def previous(self) -> Range:
        """The period just before: the previous month or year, else as many days before."""
        if self.kind == "month":
            return month_range(self.since - timedelta(days=1))
        if self.kind == "year":
            return year_range(self.since.year - 1)
        return Range(self.since - timedelta(days=self.days), self.since - timedelta(days=1), "range")

    def each_day(self) -> Iterator[date]:
        d = self.since
        while d <= self.until:
            yield d
            d += timedelta(days=1)


def month_range(day: date) -> Range:
    last = calendar.monthrange(day.year, day.month)[1]
    return Range(date(day.year, day.month, 1), date(day.year, day.month, last), "month")


def year_range(year: int) -> Range:
    return Range(date(year, 1, 1), date(year, 12, 31), "year")


def parse_month(text: str) -> Range:
    """``YYYY-MM`` or ``YYYYMM``; raises ValueError with the accepted forms."""
    t = text.strip()
    try:
        if len(t) == 6 and t.isdigit():
            return month_range(date(int(t[:4]), int(t[4:]), 1))
        y, m = t.split("-")
        return month_range(date(int(y), int(m), 1))
    except ValueError:
        raise ValueError(f"{text!r} is not a month (use YYYY-MM)") from None


def last_complete_month(tz: str | None = None) -> Range:
    _, zone = get_zone(tz)
    return month_range(today_in(zone).replace(day=1) - timedelta(days=1))


def resolve_range(
    since: date | None, until: date | None, tz: str | None = None, first_day: Callable[[], date | None] | None = None
) -> Range:
    """A :class:`Range` for ``since``/``until`` (either may be missing).

    A whole calendar month or year is named as such; without ``until`` the range ends
    today; without ``since`` it starts on the first day with data (``first_day``).
    """
    _, zone = get_zone(tz)
    if until is None:
        until = today_in(zone)
    if since is None:
        since = (first_day() if first_day else None) or until
        since = min(since, until)
    if since > until:
        raise ValueError(f"--since {since} is after --until {until}")
    since, until = clamp_to_window(since), max(until, clamp_to_window(until))
    if since.day == 1 and until == month_range(since).until:
        return Range(since, until, "month")
    if (since.month, since.day, until.month, until.day) == (1, 1, 12, 31) and since.year == until.year:
        return Range(since, until, "year")
    return Range(since, until, "range")


def clamp_to_window(day: date) -> date:
    """``day``, or the first day of the events' window (``ledger.events.EARLIEST``,
    2015-01-01) when it is before it: no event can be older, and a range from
    year 1 would list 740,000 days."""
    from ledger.events import EARLIEST

    return max(day, EARLIEST.date())


# -- the ledgers ----------------------------------------------------------------------
class Source:
    """A set of ledgers opened for reading: ``tables`` are their events tables.

    ``execute(sql, params)`` returns rows as dicts. One store is read through its
    own engine (SQLite or PostgreSQL); several are attached to one SQLite
    connection (a server ledger is first copied, for the range, into a temporary
    file: the only case that moves event rows).
    """

    def __init__(self, stores: Sequence[tuple[str, Any]], lo: int, hi: int) -> None:
        if not stores:
            raise ValueError("no ledger to export")
        self.labels = [label for label, _ in stores]
        self.locations = [_location(store) for _, store in stores]
        self._stores = stores
        self._lo, self._hi = lo, hi
        self._con: sqlite3.Connection | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        #: the SQL dialect ``execute`` speaks (several ledgers: one SQLite connection)
        self.dialect = str(getattr(stores[0][1], "dialect", "sqlite")) if len(stores) == 1 else "sqlite"
        if len(stores) == 1:
            self.tables = ["events"]
            self.sources_tables = ["sources"]
        else:
            self._attach()
            self.tables = [f"l{i}.events" for i in range(len(stores))]
            self.sources_tables = [f"l{i}.sources" for i in range(len(stores))]

    def _attach(self) -> None:
        con = sqlite3.connect(":memory:", uri=True)
        con.row_factory = sqlite3.Row
        for i, (label, store) in enumerate(self._stores):
            path = getattr(store, "path", None)
            if path is None:
                path = self._copy_server(i, label, store)
            con.execute(f"ATTACH DATABASE ? AS l{i}", (str(path),))
        con.execute("PRAGMA query_only = 1")
        con.execute(f"PRAGMA threads = {min(4, os.cpu_count() or 1)}")  # parallel GROUP BY sorts
        self._con = con

    def _copy_server(self, i: int, label: str, store: Any) -> Path:
        from sqlalchemy import text

        from ledger.ingest import EVENT_COLUMNS
        from ledger.schema import MIGRATIONS

        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="tokenprint-export-")
        path = Path(self._tmp.name) / f"l{i}.db"
        out = sqlite3.connect(path)
        for migration in MIGRATIONS:
            migration(out.execute, "sqlite")
        cols = ", ".join(EVENT_COLUMNS)
        insert = f"INSERT OR IGNORE INTO events ({cols}) VALUES ({', '.join('?' for _ in EVENT_COLUMNS)})"
        with store.read() as conn:
            result = conn.execute(
                text(f"SELECT {cols} FROM events WHERE ts >= :lo AND ts < :hi"), {"lo": self._lo, "hi": self._hi}
            )
            while chunk := result.fetchmany(50_000):
                out.executemany(insert, [tuple(r) for r in chunk])
            src = conn.execute(
                text("SELECT client, path, skipped_lines, skip_reasons FROM sources WHERE skipped_lines > 0")
            ).all()
            out.executemany(
                "INSERT INTO sources (client, path, skipped_lines, skip_reasons) VALUES (?, ?, ?, ?)",
                [tuple(r) for r in src],
            )
        out.commit()
        out.close()
        return path

    def execute(self, sql: str, params: dict[str, Any]) -> Rows:
        if self._con is not None:
            return [dict(r) for r in self._con.execute(sql, params)]
        from sqlalchemy import text

        store = self._stores[0][1]
        with store.read() as conn:
            return [dict(r) for r in conn.execute(text(sql), params).mappings()]

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


def _location(store: Any) -> str:
    path = getattr(store, "path", None)
    if path is not None:
        return str(path)
    url = str(getattr(store, "url", "server"))
    if "@" in url:  # never print a password
        scheme, rest = url.split("://", 1)
        url = f"{scheme}://{rest.split('@', 1)[1]}"
    from ledger.redact import redact_url

    return redact_url(url)  # and no secret query parameter (``?password=``)


@contextmanager
def opened(stores: Sequence[tuple[str, Any]], lo: int, hi: int) -> Iterator[Source]:
    src = Source(stores, lo, hi)
    try:
        yield src
    finally:
        src.close()


def _branches(src: Source, where: str) -> Iterator[tuple[int, str]]:
    """``(ledger index, FROM ... WHERE ...)`` for each ledger, minus earlier ledgers' events."""
    for i, table in enumerate(src.tables):
        sql = f"FROM {table} AS e WHERE {where.format(t='e')}"
        for earlier in src.tables[:i]:
            sql += (
                f" AND NOT EXISTS (SELECT 1 FROM {earlier} AS d WHERE d.client = e.client"
                f" AND d.event_id = e.event_id AND {where.format(t='d')})"
            )
        yield i, sql


RANGE_WHERE = "{t}.ts >= :lo AND {t}.ts < :hi"
def _sums(src: Source) -> str:
    """The counts, reported cost and requests without one, summed without overflow
    (``ledger.amounts.sum_sql``: TOTAL on SQLite, SUM on PostgreSQL)."""
    from ledger.report import sums_sql

    return sums_sql(src.dialect)


def _clean(g: dict[str, Any]) -> dict[str, Any]:
    from ledger.amounts import finite_cost

    for c in COUNT_FIELDS:
        g[c] = int(g[c] or 0)
    g["cost_usd"] = finite_cost(g["cost_usd"])
    g["requests_without_cost"] = int(g["requests_without_cost"] or 0)
    return g


def query_day_groups(src: Source, rng: Range, zone: Any) -> Rows:
    """One dict per (local day, ledger, client, model, project, estimation method)."""
    lo, hi = day_start_ms(rng.since, zone), day_start_ms(add_days(rng.until, 1), zone)
    day_sql = local_day_index_sql(offset_segments(zone, lo, hi), column="e.ts")
    groups: Rows = []
    for i, body in _branches(src, RANGE_WHERE):
        sql = (
            f"SELECT {day_sql} AS key, e.client AS client, e.model AS model, e.project AS project, "
            f"e.tokens_estimated AS tokens_estimated, {_sums(src)} {body} "
            "GROUP BY 1, e.client, e.model, e.project, e.tokens_estimated"
        )
        for g in src.execute(sql, {"lo": lo, "hi": hi}):
            g = _clean(g)
            g["key"] = day_from_index(g["key"])
            g["ledger"] = src.labels[i]
            groups.append(g)
    return groups


def query_model_groups(src: Source, rng: Range, zone: Any) -> Rows:
    """One dict per (client, model) over the whole range (for the previous period)."""
    lo, hi = day_start_ms(rng.since, zone), day_start_ms(add_days(rng.until, 1), zone)
    acc: dict[tuple[str, str], dict[str, Any]] = {}
    for _i, body in _branches(src, RANGE_WHERE):
        sql = f"SELECT e.client AS client, e.model AS model, {_sums(src)} {body} GROUP BY e.client, e.model"
        for g in src.execute(sql, {"lo": lo, "hi": hi}):
            g = _clean(g)
            g["key"] = rng.since.isoformat()
            slot = acc.get((g["client"], g["model"]))
            if slot is None:
                acc[(g["client"], g["model"])] = g
            else:
                add_into(slot, g)
    return list(acc.values())


def query_first_day(src: Source, zone: Any) -> date | None:
    first: int | None = None
    for table in src.tables:
        rows = src.execute(f"SELECT MIN(ts) AS t FROM {table}", {})
        t = rows[0]["t"] if rows else None
        if t is not None and (first is None or int(t) < first):
            first = int(t)
    if first is None:
        return None
    from datetime import UTC, datetime

    from ledger.events import EARLIEST_MS

    first = max(first, EARLIEST_MS)  # a year-1 instant (an older ledger) is out of every zone's range
    return datetime.fromtimestamp(first / 1000, tz=UTC).astimezone(zone).date()


def query_skipped_sources(src: Source) -> Rows:
    """Source files with lines that could not be read, per ledger."""
    out: Rows = []
    for i, table in enumerate(src.sources_tables):
        try:
            rows = src.execute(
                f"SELECT client, path, skipped_lines, skip_reasons FROM {table} "
                "WHERE skipped_lines > 0 ORDER BY client, path",
                {},
            )
        except Exception:  # a ledger without the sources table (very old or foreign)
            continue
        for r in rows:
            try:
                reasons = json.loads(r.get("skip_reasons") or "{}")
            except ValueError:
                reasons = {}
            out.append(
                {
                    "ledger": src.labels[i],
                    "client": r["client"],
                    "path": r["path"],
                    "skipped_lines": int(r["skipped_lines"] or 0),
                    "reasons": reasons if isinstance(reasons, dict) else {},
                }
            )
    return out


# -- sums -----------------------------------------------------------------------------
def query_duplicates(src: Source, rng: Range, zone: Any) -> int:
    """Events of the range found in an earlier ledger too (counted once)."""
    if len(src.tables) < 2:
        return 0
    lo, hi = day_start_ms(rng.since, zone), day_start_ms(add_days(rng.until, 1), zone)
    total = 0
    for i, table in enumerate(src.tables[1:], start=1):
        where = RANGE_WHERE.format(t="e")
        exists = " OR ".join(
            f"EXISTS (SELECT 1 FROM {earlier} AS d WHERE d.client = e.client AND d.event_id = e.event_id"
            f" AND {RANGE_WHERE.format(t='d')})"
            for earlier in src.tables[:i]
        )
        rows = src.execute(f"SELECT COUNT(*) AS n FROM {table} AS e WHERE {where} AND ({exists})", {"lo": lo, "hi": hi})
        total += int(rows[0]["n"] or 0)
    return total
