"""Token and impact totals per period: the query behind ``report``, the dashboard,
``export`` and the ``/footprint`` hook.

Tokens are aggregated in SQL per (local day, client, model[, dimension]); every
group has one concrete model, so its impact is one vector-times-counts product
(``attach_impacts``). Days are then rolled up in Python to weeks or months:
a few thousand small dicts, never the event rows.

Standard library only: the SQL runs through a *reader* (``fetch(sql, params)``
returning rows as dicts, named ``:params``), either a ``ledger.store.Store``
(SQLAlchemy: SQLite or PostgreSQL) or :class:`SqliteReader`, the standard
library's ``sqlite3`` on a local ledger file (read only, never created). The
same SQL runs on both.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from ledger.amounts import add_into, cost_fields, finite_cost, sum_sql, zero
from ledger.names import matches_model, matches_project, short_model, short_project
from ledger.timeutil import (
    day_end_ms,
    day_from_index,
    day_start_ms,
    get_zone,
    local_day_index_sql,
    month_key,
    offset_segments,
    week_key,
)
from ledger.vocab import COUNT_FIELDS

PERIODS = ("daily", "weekly", "monthly", "session")
DIMENSIONS = ("model", "client", "project")


class Reader(Protocol):
    """Runs one SELECT with named ``:params`` and returns its rows as dicts."""

    def fetch(self, sql: str, params: Mapping[str, Any]) -> list[dict[str, Any]]: ...


class SqliteReader:
    """A local SQLite ledger through the standard library, read only.

    ``snapshot()`` holds one read transaction, so several queries see the same
    data. Opening a missing file raises ``FileNotFoundError`` (it is never created).
    """

    dialect = "sqlite"

    def __init__(self, path: Path, timeout: float = 30.0) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(str(self.path))
        from ledger.files import sqlite_read_uri  # mode=ro (immutable on a read-only mount)

        self._con = sqlite3.connect(sqlite_read_uri(self.path), uri=True, timeout=timeout, isolation_level=None)
        self._con.row_factory = sqlite3.Row
        self._con.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        self._con.execute("PRAGMA mmap_size = 1073741824")  # faster full scans, as ledger.store
        self._con.execute(f"PRAGMA threads = {min(4, os.cpu_count() or 1)}")
        self._depth = 0

    def schema_version(self) -> int:
        try:
            row = self._con.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        except sqlite3.OperationalError:
            return 0
        return int(row[0] or 0)

    def fetch(self, sql: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [dict(r) for r in self._con.execute(sql, dict(params))]

    @contextmanager
    def snapshot(self) -> Iterator[SqliteReader]:
        if self._depth:
            yield self
            return
        self._con.execute("BEGIN")
        self._depth += 1
        try:
            yield self
        finally:
            self._depth -= 1
            self._con.execute("COMMIT")

    def close(self) -> None:
        self._con.close()


class _ConnReader:
    """One SQLAlchemy connection (inside ``Store.read()``) as a :class:`Reader`."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self.dialect = str(conn.dialect.name)

    def fetch(self, sql: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        from sqlalchemy import text

        return [dict(r) for r in self._conn.execute(text(sql), dict(params)).mappings()]


@contextmanager
def reading(source: Any) -> Iterator[Reader]:
    """A :class:`Reader` on ``source`` for one consistent read: a ``Store`` (one read
    transaction), a :class:`SqliteReader` (its snapshot) or any object with ``fetch``."""
    if isinstance(source, SqliteReader):
        with source.snapshot() as r:
            yield r
    elif hasattr(source, "fetch"):
        yield source
    else:
        with source.read() as conn:
            yield _ConnReader(conn)


@dataclass
class ReportQuery:
    period: str = "daily"
    since: date | None = None
    until: date | None = None  # inclusive
    tz: str | None = None
    by: str | None = None
    clients: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    projects: tuple[str, ...] = ()
    sessions: tuple[str, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.period not in PERIODS:
            raise ValueError(f"unknown period {self.period!r} (use {', '.join(PERIODS)})")
        if self.by is not None and self.by not in DIMENSIONS:
            raise ValueError(f"--by takes {', '.join(DIMENSIONS)}, got {self.by!r}")
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"--since {self.since} is after --until {self.until}")


def _range_where(q: ReportQuery, zone: Any) -> tuple[list[str], dict[str, Any]]:
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if q.since:
        clauses.append("ts >= :lo")
        params["lo"] = day_start_ms(q.since, zone)
    if q.until:
        clauses.append("ts < :hi")
        params["hi"] = day_end_ms(q.until, zone)
    return clauses, params


def _where(q: ReportQuery, zone: Any) -> tuple[list[str], dict[str, Any]]:
    clauses, params = _range_where(q, zone)
    for col, values in (
        ("client", q.clients),
        ("model", q.models),
        ("project", q.projects),
        ("session", q.sessions),
    ):
        if values:
            names = [f"{col}_{i}" for i in range(len(values))]
            clauses.append(f"{col} IN ({', '.join(':' + n for n in names)})")
            params.update(zip(names, values, strict=True))
    return clauses, params


def sums_sql(dialect: str = "sqlite") -> str:
    """The count fields summed (never an overflow: :func:`ledger.amounts.sum_sql`),
    the reported cost and the requests without one."""
    counts = ", ".join(f"{sum_sql(c, dialect)} AS {c}" for c in COUNT_FIELDS)
    without = sum_sql("CASE WHEN cost_usd IS NULL THEN requests ELSE 0 END", dialect)
    return f"{counts}, SUM(cost_usd) AS cost_usd, {without} AS requests_without_cost"


def dialect_of(reader: Any) -> str:
    """``"postgresql"`` or ``"sqlite"`` (any reader that does not say is SQLite)."""
    return str(getattr(reader, "dialect", "sqlite"))


SUMS = ", ".join(f"{sum_sql(c)} AS {c}" for c in COUNT_FIELDS)  # SQLite

#: The filters people type (``--client``, ``--model``, ``--project``): the query field,
#: the option, the plural noun, how a stored value is shown, and whether a typed value
#: matches a stored one.
FILTERS: dict[str, tuple[str, str, Any, Any]] = {
    "clients": ("client", "--client", str, lambda typed, stored: typed == stored),
    "models": ("model", "--model", short_model, matches_model),
    "projects": ("project", "--project", short_project, matches_project),
}


@dataclass
class Unmatched:
    """A filter value that matched nothing in the range, and the values there are
    (the most used first, as reports show them)."""

    option: str
    value: str
    known: list[str]

    def as_json(self) -> dict[str, Any]:
        return {"filter": self.option, "value": self.value, "known": self.known}


def resolve_filters(source: Any, q: ReportQuery, limit: int = 8) -> tuple[ReportQuery, list[Unmatched]]:
    """``q`` with its client, model and project filters turned into the stored values
    they match: a project as shown in reports (``dev/webshop``) or as a path, a model
    by its id or its short form (``claude-sonnet-4-5`` for ``claude-sonnet-4-5-20250929``).

    Returns the query and the values that matched nothing in the range (each with the
    values that exist there, the most used first, at most ``limit``).
    """
    wanted = {name: getattr(q, name) for name in FILTERS if getattr(q, name)}
    if not wanted:
        return q, []
    _zone_name, zone = get_zone(q.tz)
    clauses, params = _range_where(q, zone)
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    resolved: dict[str, Any] = {}
    misses: list[Unmatched] = []
    with reading(source) as r:
        for name, typed_values in wanted.items():
            col, option, show, match = FILTERS[name]
            rows = r.fetch(
                f"SELECT {col} AS v, {sum_sql('requests', dialect_of(r))} AS n FROM events{where} "
                f"GROUP BY {col} ORDER BY 2 DESC, 1",
                params,
            )
            stored = [row["v"] for row in rows if row["v"] is not None]
            hits: list[str] = []
            for typed in typed_values:
                found = [s for s in stored if match(typed, s)]
                if not found:
                    known = list(dict.fromkeys(show(s) for s in stored))[:limit]
                    misses.append(Unmatched(option, typed, known))
                hits += [s for s in found if s not in hits]
            # nothing matched: keep an impossible filter so the result stays empty
            resolved[name] = tuple(hits) if hits else tuple(typed_values)
    return replace(q, **resolved), misses


def query_groups(source: Any, q: ReportQuery) -> tuple[str, list[dict[str, Any]]]:
    """SQL-aggregated groups: one dict per (day or session, client, model[, by]).

    ``source`` is a ``Store``, a :class:`SqliteReader` or any :class:`Reader`; the
    filters of ``q`` are exact stored values (see :func:`resolve_filters`).
    Returns the zone name used and the groups, each with ``key`` (local day or
    session id), ``client``, ``model``, the count fields, ``cost_usd`` (reported
    cost, summed), ``requests_without_cost`` and, for sessions, ``first_ts``.
    """
    zone_name, zone = get_zone(q.tz)
    clauses, params = _where(q, zone)
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    extra = ", project" if q.by == "project" else ""
    with reading(source) as r:
        if q.period == "session":
            key_sql = "COALESCE(session, '(none)')"
            head = f"{key_sql} AS key"
            tail = ", MIN(ts) AS first_ts, MAX(ts) AS last_ts"
        else:
            # two subqueries: SQLite answers each from the ts index, but not MIN and MAX together
            found = r.fetch(
                f"SELECT (SELECT MIN(ts) FROM events{where}) AS lo, (SELECT MAX(ts) FROM events{where}) AS hi",
                params,
            )
            if not found or found[0]["lo"] is None:
                return zone_name, []
            segments = offset_segments(zone, int(found[0]["lo"]), int(found[0]["hi"]))
            key_sql = local_day_index_sql(segments)
            head = f"{key_sql} AS key"
            tail = ""
        sql = (
            f"SELECT {head}, client, model{extra}, {sums_sql(dialect_of(r))}"
            f"{tail} FROM events{where} GROUP BY 1, client, model{extra}"
        )
        rows = r.fetch(sql, params)
    groups = []
    for g in rows:
        if q.period != "session":
            g["key"] = day_from_index(g["key"])
        for c in COUNT_FIELDS:
            g[c] = int(g[c] or 0)
        g["cost_usd"] = finite_cost(g["cost_usd"])
        g["requests_without_cost"] = int(g["requests_without_cost"] or 0)
        groups.append(g)
    return zone_name, groups


def attach_impacts(groups: list[dict[str, Any]], settings: dict[str, Any]) -> dict[str, Any]:
    """Add impact ranges to each group (concrete model); returns report-level metadata.

    The single place where report rows get their impacts (ledger.impact).
    Each group is one concrete (client, model): its impacts are the model's
    coefficient vectors times the group's summed counts (linear), so the
    rollup to weeks, months and totals simply adds the ranges. Adds
    ``energy_wh``, ``co2e_g``, ``water_ml`` (``{"low", "central", "high"}``),
    the training lines when ``impact.include_training`` is on, and
    ``cost_usd_estimated``: the list price of the requests that reported no
    cost (pro rata by requests within the group; 0 when the model has no price),
    and ``requests_unpriced``: the requests with neither a reported cost nor a
    price (their cost is unknown).
    """
    from ledger.config import ConfigError
    from ledger.impact import METHODOLOGY_VERSION, Settings, coefficients
    from ledger.impact.coefficients import METRICS, TRAINING_METRICS

    try:
        s = Settings.from_config(settings)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    keys = METRICS + (TRAINING_METRICS if s.include_training else ())
    warnings: dict[str, None] = {}
    for g in groups:
        coeffs = coefficients(str(g["model"]), s, g.get("client"))
        impacts = coeffs.apply(g)
        for k in keys:
            g[k] = impacts[k]
        est = impacts["cost_usd_estimated"]
        requests = int(g.get("requests") or 0)
        without = int(g.get("requests_without_cost") or 0)
        share = (without / requests) if requests else (1.0 if not g.get("cost_usd") else 0.0)
        g["cost_usd_estimated"] = round(est * share, 6) if est is not None else 0.0
        g["requests_unpriced"] = without if est is None else 0
        warnings.update(dict.fromkeys(coeffs.warnings))
    return {"methodology": METHODOLOGY_VERSION, "settings": s.as_config(), "warnings": list(warnings)}


def _period_key(period: str, key: str) -> str:
    if period == "weekly":
        return week_key(key)
    if period == "monthly":
        return month_key(key)
    return key


def rollup(groups: Iterable[dict[str, Any]], period: str, by: str | None) -> list[dict[str, Any]]:
    """Sum groups into report rows: per period and (client, model) or per period and ``by``."""
    out: dict[tuple[str, str, str, str | None], dict[str, Any]] = {}
    for g in groups:
        key = _period_key(period, g["key"])
        ident: tuple[str, str, str, str | None]
        if by is None:
            ident = (key, g["client"], g["model"], None)
        elif by == "model":
            ident = (key, "*", g["model"], None)
        elif by == "client":
            ident = (key, g["client"], "*", None)
        else:
            ident = (key, "*", "*", g.get("project") or "(none)")
        acc = out.get(ident)
        if acc is None:
            acc = {"key": ident[0], "client": ident[1], "model": ident[2]}
            if by == "project":
                acc["project"] = ident[3]
            out[ident] = acc
        add_into(acc, g)
    rows = list(out.values())
    if period == "session":
        rows.sort(key=lambda r: (r.get("first_ts", 0), r["client"], r["model"]))
    else:
        rows.sort(key=lambda r: (r["key"], r["client"], r["model"], r.get("project") or ""))
    return rows


def totals(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    acc: dict[str, Any] = {"key": "*", "client": "*", "model": "*", **zero()}
    for r in rows:
        add_into(acc, r)
    acc.pop("first_ts", None)
    acc.pop("last_ts", None)
    return acc


def build_report(source: Any, q: ReportQuery, *, demo: bool = False) -> dict[str, Any]:
    """The ``report --json`` object (docs/export.md): rows, totals and what was asked.

    ``source`` is a ``Store`` or a :class:`SqliteReader` (the same SQL, the same
    result). Filters are resolved first (:func:`resolve_filters`): a value that
    matched nothing is listed under ``unmatched`` with the values there are.
    ``demo`` marks a report of the demo ledger (``"demo": true``).
    """
    q, misses = resolve_filters(source, q)
    zone_name, groups = query_groups(source, q)
    meta = attach_impacts(groups, q.settings)
    rows = rollup(groups, q.period, q.by)
    out: dict[str, Any] = {"period": q.period, "tz": zone_name}
    out.update(meta)
    out["since"] = q.since.isoformat() if q.since else None
    out["until"] = q.until.isoformat() if q.until else None
    out["by"] = q.by
    out["demo"] = demo
    out["rows"] = [public(r) for r in rows]
    out["totals"] = public(totals(rows))
    if misses:
        out["unmatched"] = [m.as_json() for m in misses]
    return out


def public(row: dict[str, Any]) -> dict[str, Any]:
    """A group or row as the JSON shows it: session bounds as instants, the cost
    fields of :func:`ledger.amounts.cost_fields`, no internal counters."""
    costs = cost_fields(row)
    r: dict[str, Any] = {}
    for k, v in row.items():
        if k in INTERNAL_FIELDS:
            continue
        if k == "first_ts" or k == "last_ts":  # session rows only: ledger.events is not needed otherwise
            from ledger.events import format_ts

            r["start" if k == "first_ts" else "end"] = format_ts(int(v))
        else:
            r[k] = v
        if k == "requests":
            r.update(costs)
    r.update(costs)  # a row without counts (never in practice) still says its cost
    return r


#: Group fields that :func:`public` replaces with the cost fields.
INTERNAL_FIELDS = frozenset({"requests_without_cost", "requests_unpriced", "cost_usd_estimated", "cost_usd"})


_public = public  # the name ledger.export used
