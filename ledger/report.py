"""Token and impact totals per period: the query behind ``report``, the dashboard
and ``export``.

Tokens are aggregated in SQL per (local day, client, model[, dimension]); every
group has one concrete model, so its impact is one vector-times-counts product
(``attach_impacts``). Days are then rolled up in Python to weeks or months:
a few thousand small dicts, never the event rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import text

from ledger.amounts import add_into, zero
from ledger.store import Store
from ledger.timeutil import (
    add_days,
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


def _where(q: ReportQuery, zone: Any) -> tuple[list[str], dict[str, Any]]:
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if q.since:
        clauses.append("ts >= :lo")
        params["lo"] = day_start_ms(q.since, zone)
    if q.until:
        clauses.append("ts < :hi")
        params["hi"] = day_start_ms(add_days(q.until, 1), zone)
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


SUMS = ", ".join(f"SUM({c}) AS {c}" for c in COUNT_FIELDS)


def query_groups(store: Store, q: ReportQuery) -> tuple[str, list[dict[str, Any]]]:
    """SQL-aggregated groups: one dict per (day or session, client, model[, by]).

    Returns the zone name used and the groups, each with ``key`` (local day or
    session id), ``client``, ``model``, the count fields, ``cost_usd`` (reported
    cost, summed), ``requests_without_cost`` and, for sessions, ``first_ts``.
    """
    zone_name, zone = get_zone(q.tz)
    clauses, params = _where(q, zone)
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    extra = ", project" if q.by == "project" else ""
    with store.read() as conn:
        if q.period == "session":
            key_sql = "COALESCE(session, '(none)')"
            head = f"{key_sql} AS key"
            tail = ", MIN(ts) AS first_ts, MAX(ts) AS last_ts"
        else:
            # two subqueries: SQLite answers each from the ts index, but not MIN and MAX together
            bounds = conn.execute(
                text(f"SELECT (SELECT MIN(ts) FROM events{where}), (SELECT MAX(ts) FROM events{where})"),
                params,
            ).first()
            if bounds is None or bounds[0] is None:
                return zone_name, []
            segments = offset_segments(zone, int(bounds[0]), int(bounds[1]))
            key_sql = local_day_index_sql(segments)
            head = f"{key_sql} AS key"
            tail = ""
        sql = (
            f"SELECT {head}, client, model{extra}, {SUMS}, SUM(cost_usd) AS cost_usd, "
            f"SUM(CASE WHEN cost_usd IS NULL THEN requests ELSE 0 END) AS requests_without_cost"
            f"{tail} FROM events{where} GROUP BY 1, client, model{extra}"
        )
        rows = conn.execute(text(sql), params).mappings().all()
    groups = []
    for r in rows:
        g = dict(r)
        if q.period != "session":
            g["key"] = day_from_index(g["key"])
        for c in COUNT_FIELDS:
            g[c] = int(g[c] or 0)
        g["cost_usd"] = float(g["cost_usd"] or 0.0)
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
    cost (pro rata by requests within the group).
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


def build_report(store: Store, q: ReportQuery) -> dict[str, Any]:
    """The ``report --json`` object of interface.md."""
    zone_name, groups = query_groups(store, q)
    meta = attach_impacts(groups, q.settings)
    rows = rollup(groups, q.period, q.by)
    out: dict[str, Any] = {"period": q.period, "tz": zone_name}
    out.update(meta)
    out["since"] = q.since.isoformat() if q.since else None
    out["until"] = q.until.isoformat() if q.until else None
    out["by"] = q.by
    out["rows"] = [_public(r) for r in rows]
    out["totals"] = _public(totals(rows))
    return out


def _public(row: dict[str, Any]) -> dict[str, Any]:
    from ledger.events import format_ts

    r = dict(row)
    r.pop("requests_without_cost", None)
    if "first_ts" in r:
        r["start"] = format_ts(int(r.pop("first_ts")))
        r["end"] = format_ts(int(r.pop("last_ts")))
    r["cost_usd"] = round(float(r.get("cost_usd", 0.0)), 6)
    return r
