"""What the dashboard shows, computed away from the UI thread.

Two layers:

* :func:`load_range` asks the ledger for one date range, aggregated in SQL per
  (local day, client, model, project) by ``ledger.report.query_groups``, and attaches
  impacts once per group (``ledger.report.attach_impacts``, the single place that
  does it). A month of a million-event ledger is a few thousand groups.
* :func:`summarize` turns those groups into what each panel shows (totals, the
  previous period, shares by model/client/project, the chart series, the budget)
  with a filter applied: plain Python over the groups, no database.

Nothing here imports Textual; the app calls these from thread workers. Impacts,
equivalents and the smaller-sibling figures come from ``ledger.impact`` and
``ledger.equivalents`` when they are installed; without them every figure falls
back to tokens.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from ledger.amounts import add_into, sum_all, zero
from ledger.vocab import TOKEN_BUCKETS

IMPACT_UNITS = {"energy_wh": "Wh", "co2e_g": "g", "water_ml": "mL"}
DIMENSIONS = ("model", "client", "project")

#: Period keys in the order of their key bindings (1..5).
PERIOD_KEYS = ("today", "week", "month", "year", "all")
PERIOD_LABELS = {
    "today": "Today",
    "week": "7 days",
    "month": "This month",
    "year": "12 months",
    "all": "All time",
}


# -- periods --------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    """A reporting window in local days (``until`` inclusive) and what it is compared to."""

    key: str
    since: date | None
    until: date
    prev_since: date | None = None
    prev_until: date | None = None
    chart_since: date | None = None
    granularity: str = "daily"  # daily | monthly

    @property
    def label(self) -> str:
        return PERIOD_LABELS[self.key]

    def span(self) -> str:
        return span_text(self.since, self.until)

    def prev_span(self) -> str:
        if self.prev_since is None or self.prev_until is None:
            return ""
        return span_text(self.prev_since, self.prev_until)

    def earliest(self) -> date | None:
        """The first day any panel needs (the chart and the comparison)."""
        if self.since is None:
            return None
        days = [d for d in (self.since, self.prev_since, self.chart_since) if d is not None]
        return min(days)


def span_text(since: date | None, until: date) -> str:
    if since is None:
        return f"to {until:%b} {until.day}, {until.year}"
    if since == until:
        return f"{since:%a} {since:%b} {since.day}"
    if since.year != until.year:
        return f"{since:%b} {since.day}, {since.year} – {until:%b} {until.day}, {until.year}"
    if since.month == until.month:
        return f"{since:%b} {since.day}–{until.day}"
    return f"{since:%b} {since.day} – {until:%b} {until.day}"


def month_start(d: date) -> date:
    return d.replace(day=1)


def add_months(d: date, n: int) -> date:
    """The first day of the month ``n`` months after ``d``'s month."""
    m = d.year * 12 + (d.month - 1) + n
    return date(m // 12, m % 12 + 1, 1)


def period_bounds(key: str, today: date) -> Period:
    """The window for a period key, ending today (inclusive)."""
    if key == "today":
        y = today - timedelta(days=1)
        return Period(key, today, today, y, y, today - timedelta(days=13))
    if key == "week":
        since = today - timedelta(days=6)
        return Period(key, since, today, since - timedelta(days=7), since - timedelta(days=1), since - timedelta(days=7))
    if key == "month":
        since = month_start(today)
        prev = add_months(today, -1)
        last_day = calendar.monthrange(prev.year, prev.month)[1]
        return Period(key, since, today, prev, prev.replace(day=min(today.day, last_day)), since)
    if key == "year":
        since = today - timedelta(days=364)
        return Period(
            key, since, today, since - timedelta(days=365), since - timedelta(days=1),
            add_months(since, 1) if since.day != 1 else since, "monthly",
        )
    if key == "all":
        return Period(key, None, today, granularity="monthly")
    raise ValueError(f"unknown period {key!r} (use {', '.join(PERIOD_KEYS)})")


# -- loading --------------------------------------------------------------------------
@dataclass(frozen=True)
class Filter:
    """Show only the groups whose ``dim`` (model, client or project) is ``value``."""

    dim: str
    value: str

    def matches(self, g: dict[str, Any]) -> bool:
        return _dim_value(g, self.dim) == self.value

    def describe(self) -> str:
        return f"{self.dim} = {self.value}"


def _dim_value(g: dict[str, Any], dim: str) -> str:
    v = g.get(dim)
    return str(v) if v else "(none)"


@dataclass
class Snapshot:
    """The groups loaded for a period (possibly only the current window so far)."""

    period: Period
    today: date
    groups: list[dict[str, Any]]
    loaded_since: date | None  # first day loaded; None = all history
    complete: bool
    methodology: str | None
    settings: dict[str, Any]
    demo: bool = False
    source: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def has_impacts(self) -> bool:
        return any("co2e_g" in g for g in self.groups)

    def covers(self, since: date | None) -> bool:
        if self.loaded_since is None:
            return True
        return since is not None and since >= self.loaded_since


def attach_impacts(groups: list[dict[str, Any]], settings: dict[str, Any]) -> tuple[str | None, list[str]]:
    """Impacts per group via the report's single place for them
    (``ledger.report.attach_impacts``); returns the methodology version and the
    estimate's warnings (e.g. a model sized by a family rule)."""
    from ledger import report

    meta = report.attach_impacts(groups, settings)
    return meta.get("methodology"), [str(w) for w in meta.get("warnings", [])]


def load_range(
    store: Any, since: date | None, until: date | None, tz: str | None, settings: dict[str, Any]
) -> tuple[list[dict[str, Any]], str | None, list[str]]:
    """Groups per (local day, client, model, project) in ``[since, until]``, with impacts,
    the methodology version and the estimate's warnings."""
    from ledger.report import ReportQuery, query_groups

    q = ReportQuery(period="daily", since=since, until=until, tz=tz, by="project", settings=settings)
    _zone, groups = query_groups(store, q)
    if not groups:
        return groups, None, []
    methodology, warnings = attach_impacts(groups, settings)
    return groups, methodology, warnings


def load_snapshots(
    store: Any, period: Period, today: date, tz: str | None, settings: dict[str, Any], demo: bool = False
) -> Iterable[Snapshot]:
    """Yield a snapshot of the current window first (the first paint), then one
    that adds the earlier days the comparison, chart and budget need."""
    groups, methodology, warnings = load_range(store, period.since, period.until, tz, settings)
    snap = Snapshot(period, today, groups, period.since, False, methodology, settings, demo, warnings=warnings)
    extra_since = period.earliest()
    if period.since is not None and month_start(today) < (extra_since or today):
        extra_since = month_start(today)
    if period.since is None or extra_since is None or extra_since >= period.since:
        snap.complete = True
        yield snap
        return
    yield snap
    more, methodology2, warnings2 = load_range(store, extra_since, period.since - timedelta(days=1), tz, settings)
    yield replace(
        snap, groups=more + groups, loaded_since=extra_since, complete=True,
        methodology=snap.methodology or methodology2,
        warnings=list(dict.fromkeys(warnings + warnings2)),
    )


def first_period_with_data(store: Any, key: str, today: date, tz: str | None) -> str:
    """``key`` when its window holds an event, else the shortest period that does
    (``week`` on the first of a month used only last week), so the first screen is
    never empty on a ledger with data. An empty ledger keeps ``key``."""
    from ledger.queries import latest_ts
    from ledger.timeutil import day_start_ms, get_zone

    zone = get_zone(tz)[1]
    newest = latest_ts(store, day_start_ms(today + timedelta(days=1), zone))
    if newest is None:
        return key
    from datetime import datetime

    newest_day = datetime.fromtimestamp(newest / 1000, tz=zone).date()

    def since(k: str) -> date:
        return period_bounds(k, today).since or date.min

    if since(key) <= newest_day:
        return key
    covering = [k for k in PERIOD_KEYS if since(k) <= newest_day]
    return max(covering, key=since)


# -- summaries ------------------------------------------------------------------------
def tokens(t: dict[str, Any]) -> int:
    return sum(int(t.get(b, 0)) for b in TOKEN_BUCKETS)


def metric(t: dict[str, Any]) -> float:
    """What shares and sorting use: central CO2e when known, else tokens."""
    r = t.get("co2e_g")
    if isinstance(r, dict):
        return float(r["central"])
    return float(tokens(t))


@dataclass
class BreakdownRow:
    name: str
    totals: dict[str, Any]
    share: float  # of the period's metric, 0..1


@dataclass
class Budget:
    limit_kg: float
    used: dict[str, float] | None  # CO2e range so far this month (g)
    projected: dict[str, float] | None  # CO2e range at the end of the month (g)
    month_end: date
    days_elapsed: int
    days_in_month: int

    @property
    def fraction(self) -> float:
        if not self.used or self.limit_kg <= 0:
            return 0.0
        return self.used["central"] / (self.limit_kg * 1000.0)


@dataclass
class Chart:
    labels: list[str]
    series: dict[str, list[float]]  # name -> one value per label
    metric: str  # co2e_g | tokens
    split: str  # client | model | project
    step: str = "daily"  # daily | weekly | monthly


@dataclass
class Summary:
    period: Period
    today: date
    filter: Filter | None
    current: dict[str, Any]
    previous: dict[str, Any] | None
    previous_pending: bool
    breakdown: dict[str, list[BreakdownRow]]
    chart: Chart
    budget: Budget | None
    equivalents: list[dict[str, Any]] = field(default_factory=list)
    has_impacts: bool = False
    methodology: str | None = None
    demo: bool = False
    complete: bool = True
    empty: bool = False
    warnings: list[str] = field(default_factory=list)
    basis: str = "location"

    @property
    def change(self) -> float | None:
        """Relative change of the metric against the previous period (0.12 = +12 %)."""
        if self.previous is None:
            return None
        before = metric(self.previous)
        if before <= 0:
            return None
        return metric(self.current) / before - 1.0


def _in(day: str, since: date | None, until: date | None) -> bool:
    if since is not None and day < since.isoformat():
        return False
    return not (until is not None and day > until.isoformat())


def breakdown(groups: list[dict[str, Any]], dim: str) -> list[BreakdownRow]:
    by: dict[str, dict[str, Any]] = {}
    for g in groups:
        name = _dim_value(g, dim)
        acc = by.get(name)
        if acc is None:
            acc = by[name] = zero()
        add_into(acc, g)
    total = sum(metric(t) for t in by.values()) or 1.0
    rows = [BreakdownRow(n, t, metric(t) / total) for n, t in by.items()]
    rows.sort(key=lambda r: (-metric(r.totals), r.name))
    return rows


STEPS = ("daily", "weekly", "monthly")


def chart_data(
    groups: list[dict[str, Any]], period: Period, today: date, split: str, has_impacts: bool,
    top: int = 5, step: str | None = None,
) -> Chart:
    """Bars per day, ISO week or month (``step``, default: the period's) over the
    chart's range, one series per top ``split`` value plus "other"."""
    from ledger.timeutil import week_key

    step = step or period.granularity
    since = period.chart_since or period.since
    chosen = [g for g in groups if _in(g["key"], since, period.until)]
    first = date.fromisoformat(min((g["key"] for g in chosen), default=today.isoformat()))
    start = since if since is not None else first
    bucket: Any
    if step == "monthly":
        labels = []
        m = month_start(start)
        while m <= period.until:
            labels.append(m.isoformat()[:7])
            m = add_months(m, 1)

        def bucket(day: str) -> str:
            return day[:7]
    elif step == "weekly":
        labels = []
        d = start - timedelta(days=start.weekday())
        while d <= period.until:
            labels.append(week_key(d.isoformat()))
            d += timedelta(days=7)
        bucket = week_key
    else:
        labels = [(start + timedelta(days=i)).isoformat() for i in range((period.until - start).days + 1)]

        def bucket(day: str) -> str:
            return day

    index = {k: i for i, k in enumerate(labels)}
    names = [r.name for r in breakdown(chosen, split)]
    keep = names if len(names) <= top + 1 else names[:top]
    series: dict[str, list[float]] = {n: [0.0] * len(labels) for n in keep}
    if len(names) > len(keep):
        series["other"] = [0.0] * len(labels)
    for g in chosen:
        i = index.get(bucket(g["key"]))
        if i is None:
            continue
        name = _dim_value(g, split)
        target = series.get(name, series.get("other"))
        if target is None:
            continue
        target[i] += metric(g) if has_impacts else float(tokens(g))
    return Chart(labels, series, "co2e_g" if has_impacts else "tokens", split, step)


def budget_for(snap: Snapshot, limit_kg: float | None) -> Budget | None:
    if limit_kg is None:
        return None
    today = snap.today
    start = month_start(today)
    dim = calendar.monthrange(today.year, today.month)[1]
    month_end = today.replace(day=dim)
    used: dict[str, float] | None = None
    projected: dict[str, float] | None = None
    if snap.covers(start):
        acc = sum_all(g for g in snap.groups if _in(g["key"], start, today))
        r = acc.get("co2e_g")
        if isinstance(r, dict):
            used = dict(r)
            scale = dim / today.day
            projected = {k: v * scale for k, v in r.items()}
    return Budget(float(limit_kg), used, projected, month_end, today.day, dim)


def summarize(
    snap: Snapshot, flt: Filter | None = None, split: str = "client", step: str | None = None
) -> Summary:
    p = snap.period
    all_groups = snap.groups
    groups = [g for g in all_groups if flt is None or flt.matches(g)]
    current_groups = [g for g in groups if _in(g["key"], p.since, p.until)]
    current = sum_all(current_groups)
    previous = None
    pending = False
    if p.prev_since is not None:
        if snap.covers(p.prev_since):
            previous = sum_all(g for g in groups if _in(g["key"], p.prev_since, p.prev_until))
        else:
            pending = True
    has_impacts = snap.has_impacts
    limit = snap.settings.get("budget.monthly_kg")
    summary = Summary(
        period=p,
        today=snap.today,
        filter=flt,
        current=current,
        previous=previous,
        previous_pending=pending,
        breakdown={d: breakdown(current_groups, d) for d in DIMENSIONS},
        chart=chart_data(groups, p, snap.today, split, has_impacts, step=step),
        budget=budget_for(snap, float(limit) if limit is not None else None),
        has_impacts=has_impacts,
        methodology=snap.methodology,
        demo=snap.demo,
        complete=snap.complete,
        empty=not all_groups,
        warnings=snap.warnings,
        basis=str(snap.settings.get("grid.basis") or "location"),
    )
    summary.equivalents = equivalents_for(current, snap.settings, n=3)
    return summary


def equivalents_for(totals: dict[str, Any], settings: dict[str, Any], n: int = 2) -> list[dict[str, Any]]:
    """The ``n`` most telling everyday equivalents of the totals (needs ledger.equivalents)."""
    co2 = totals.get("co2e_g")
    if not isinstance(co2, dict):
        return []
    water = totals.get("water_ml")
    try:
        from ledger.equivalents import pick_equivalents
    except ImportError:
        return []
    energy = totals.get("energy_wh")
    region = settings.get("user.region") or "World"
    picked = pick_equivalents(
        float(co2["central"]), float(water["central"]) if isinstance(water, dict) else 0.0, region,
        energy_wh=float(energy["central"]) if isinstance(energy, dict) else None, limit=n,
    )
    return list(picked)


# -- sessions -------------------------------------------------------------------------
@dataclass
class SessionRow:
    session: str
    client: str
    models: list[str]
    project: str
    first_ts: int
    last_ts: int
    totals: dict[str, Any]


def load_sessions(
    store: Any, period: Period, tz: str | None, settings: dict[str, Any], flt: Filter | None
) -> list[SessionRow]:
    """One row per session (and client) of the period, with the filter applied (SQL
    groups per session, client, model and project). The events without a session
    make one "(none)" row per client."""
    from ledger.report import ReportQuery, query_groups

    filters: dict[str, tuple[str, ...]] = {}
    if flt is not None and flt.value != "(none)":
        filters = {f"{flt.dim}s": (flt.value,)}
    q = ReportQuery(
        period="session", since=period.since, until=period.until, tz=tz, by="project",
        settings=settings, **filters,  # type: ignore[arg-type]
    )
    _zone, groups = query_groups(store, q)
    if groups:
        attach_impacts(groups, settings)
    rows: dict[tuple[str, str], SessionRow] = {}
    for g in groups:
        if flt is not None and not flt.matches(g):
            continue
        # one row per session and client: "(none)" (no session id) is split by client
        r = rows.get((g["key"], g["client"]))
        if r is None:
            r = rows[(g["key"], g["client"])] = SessionRow(
                g["key"], g["client"], [], _dim_value(g, "project"), int(g["first_ts"]),
                int(g["last_ts"]), zero(),
            )
        if g["model"] not in r.models:
            r.models.append(g["model"])
        if _dim_value(g, "project") != r.project:
            r.project = "(several)"
        r.first_ts = min(r.first_ts, int(g["first_ts"]))
        r.last_ts = max(r.last_ts, int(g["last_ts"]))
        add_into(r.totals, g)
    out = sorted(rows.values(), key=lambda r: -r.first_ts)
    return out


def session_scope(
    row: SessionRow, period: Period | None, tz: str | None, flt: Filter | None
) -> dict[str, Any]:
    """What narrows a session's requests to those counted in its row of the sessions
    list: its client, the period's instants in ``tz`` and the dashboard's filter."""
    from ledger.timeutil import day_start_ms, get_zone

    where: dict[str, str | None] = {"client": row.client}
    if flt is not None:
        where[flt.dim] = None if flt.value == "(none)" else flt.value
    scope: dict[str, Any] = {"where": where}
    if period is not None:
        zone = get_zone(tz)[1]
        if period.since is not None:
            scope["since_ms"] = day_start_ms(period.since, zone)
        scope["until_ms"] = day_start_ms(period.until + timedelta(days=1), zone)
    return scope


def load_session_requests(
    store: Any, row: SessionRow, settings: dict[str, Any], period: Period | None = None,
    tz: str | None = None, flt: Filter | None = None,
) -> list[dict[str, Any]]:
    """The requests of one session row with their impacts (each row is a one-event
    group): exactly the events its row in the sessions list counts (same client,
    period and filter), in time order."""
    from ledger.queries import session_requests

    rows = session_requests(store, row.session, **session_scope(row, period, tz, flt))
    for i, r in enumerate(rows):
        r["key"] = str(i)
    if rows:
        attach_impacts(rows, settings)
    return rows


# -- what would shrink it -------------------------------------------------------------

@dataclass
class SavingsRow:
    model: str
    share: float
    actual: dict[str, float]
    sibling: str | None = None
    sibling_co2: dict[str, float] | None = None
    sibling_note: str | None = None
    grid_co2: dict[str, float] | None = None


@dataclass
class Savings:
    period_label: str
    rows: list[SavingsRow] = field(default_factory=list)
    grid_label: str = ""
    total: dict[str, float] | None = None
    total_grid: dict[str, float] | None = None
    total_sibling: dict[str, float] | None = None
    note: str = ""
    message: str = ""


def compute_savings(snap: Snapshot, flt: Filter | None, top: int = 3) -> Savings:
    """The saving of a smaller sibling model and of a low-carbon grid for the top models."""
    s = Savings(period_label=snap.period.label)
    if not snap.has_impacts:
        s.message = (
            "What would shrink it needs the impact methodology, which is not available: "
            "only tokens are shown."
        )
        return s
    try:
        from tui import shrink
    except ImportError:  # pragma: no cover
        s.message = "Alternatives unavailable."
        return s
    return shrink.compute(snap, flt, top, s)


# -- which ledger to show -------------------------------------------------------------
DEMO_BANNER = (
    "No usage recorded yet, showing demo data. Run: tokenprint hooks install --all"
)
#: A fallback demo ledger whose newest event is older than this is written again, so
#: "today" has data (the demo runs up to the hour it is written).
DEMO_MAX_AGE_MS = 3_600_000


@dataclass
class LedgerChoice:
    """The ledger on screen, and the one to watch for new usage."""

    store: Any
    demo: bool
    banner: str | None
    watch_path: Any  # Path of the SQLite file to watch, or None (server: watch_store)
    watch_store: Any
    fallback: bool = False  # showing the demo because the real ledger is empty


def demo_now(today: date | None = None, now: Any = None) -> Any:
    """The instant a demo is written up to: ``now``; else noon (UTC) of a fixed
    ``today`` (tests); else None, the current time."""
    from datetime import UTC, datetime, time

    if now is not None:
        return now
    if today is not None:
        return datetime.combine(today, time(12), tzinfo=UTC)
    return None


def resolve_ledger(
    home: Any, want_demo: bool, current: LedgerChoice | None = None, demo_events: int = 20_000,
    today: date | None = None, now: Any = None,
) -> LedgerChoice:
    """The ledger to show: ``demo.db`` when asked, else the real ledger, else (empty)
    the demo ledger, written first if missing or stale (up to ``now``, see
    :func:`demo_now`), with a banner saying so.

    ``current`` is reused unless it is a fallback demo and the real ledger now has
    events (the first hook write switches the dashboard to real data).
    """
    from ledger.paths import ensure_home, ledger_path, resolve_home
    from ledger.queries import has_events
    from ledger.store import open_store

    home_dir = ensure_home(resolve_home(home))
    if current is not None and not current.fallback:
        return current
    if want_demo:
        store = open_store(home_dir, demo=True)
        if not has_events(store):
            store.dispose()
            _write_demo(ledger_path(home_dir, demo=True), demo_events, demo_now(today, now))
            store = open_store(home_dir, demo=True)
        return LedgerChoice(store, True, "Demo data (tokenprint --demo): not your usage.", store.path, None)
    real = open_store(home_dir)
    if has_events(real):
        if current is not None:
            current.store.dispose()
        return LedgerChoice(real, False, None, real.path, real if real.path is None else None)
    if current is not None:
        real.dispose()
        return current
    demo_path = ledger_path(home_dir, demo=True)
    if not demo_path.exists() or _demo_stale(home_dir, demo_now(today, now), demo_events):
        _write_demo(demo_path, demo_events, demo_now(today, now))
    store = open_store(home_dir, demo=True)
    watch_store = real if real.path is None else None
    if real.path is not None:
        real.dispose()
    return LedgerChoice(store, True, DEMO_BANNER, real.path, watch_store, fallback=True)


def _write_demo(path: Any, events: int, now: Any = None) -> None:
    from ledger.demo import write_demo

    write_demo(path, events=events, now=now)


def _demo_stale(home_dir: Any, now: Any = None, events: int = 20_000) -> bool:
    """Whether the fallback demo should be written again: its newest event is more
    than an hour old, and it is not a bigger demo someone wrote with ``tokenprint
    demo --events N`` (that one is kept; the first screen still finds a period with
    data)."""
    import time

    from sqlalchemy import text

    from ledger.queries import latest_ts
    from ledger.store import open_store

    store = open_store(home_dir, demo=True)
    try:
        newest = latest_ts(store)
        with store.read() as conn:
            size = conn.execute(text("SELECT MAX(id) FROM events")).scalar() or 0
    finally:
        store.dispose()
    now_ms = now.timestamp() * 1000 if now is not None else time.time() * 1000
    if newest is None:
        return True
    return newest < now_ms - DEMO_MAX_AGE_MS and int(size) <= events
