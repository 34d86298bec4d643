"""``tokenprint summary --json``: today, this month against the budget, and the top
model, in one small object for front ends that are not a terminal (the VS Code
extension's status bar item, ``plugins/vscode/``).

Built from ``ledger.report.build_report`` (one daily query by model over the month
so far, the same figures as ``report --json``) and ``ledger.equivalents``; the
period keys and their windows are the dashboard's (``tui.data.period_bounds``).
It also says which files to watch for changes (the ledger and its ``-wal``), so a
front end never guesses where the data folder is.

Shape (``--json``)::

    {"version": 1, "home": "...", "ledger": ".../ledger.db", "watch": [".../ledger.db", ".../ledger.db-wal"],
     "exists": true, "demo": false, "tz": "Europe/Paris", "methodology": "2026.11", "has_impacts": true,
     "today": {"date": "2026-12-01", "tokens": 0, "requests": 0, "co2e_g": {low, central, high},
               "energy_wh": {...}, "water_ml": {...}, "equivalent": {... ledger.equivalents item} | null},
     "month": {"key": "2026-12", "since": "2026-12-01", "until": "2026-12-01", "days": 31, "day": 1,
               "tokens": 0, "requests": 0, "co2e_g": {...}, "energy_wh": {...}, "water_ml": {...},
               "budget_kg": 10.0 | null, "budget_share": 0.04 | null, "projected_co2e_g": 1.2 | null},
     "top_model": {"model": "...", "tokens": 0, "co2e_g": 1.0, "share": 0.6} | null,
     "periods": [{"key": "today", "label": "Today", "since": "2026-12-01", "until": "2026-12-01"}, ...]}

Without ``--json`` it prints the same in three lines.
"""

from __future__ import annotations

import calendar
import json
from datetime import date
from typing import Any

import click

from tui.common import common, ctx_obj, fail, handles_errors

#: The version of the JSON shape (a front end checks it).
SHAPE_VERSION = 1
IMPACTS = ("co2e_g", "energy_wh", "water_ml")


def _tokens(row: dict[str, Any]) -> int:
    from ledger.vocab import TOKEN_BUCKETS

    return sum(int(row.get(b) or 0) for b in TOKEN_BUCKETS)


def _central(row: dict[str, Any], name: str) -> float | None:
    r = row.get(name)
    return float(r["central"]) if isinstance(r, dict) else None


def _part(rows: list[dict[str, Any]], has_impacts: bool) -> dict[str, Any]:
    """Tokens, requests and (with a methodology) the impact ranges of ``rows`` summed;
    no rows is zero of each."""
    from ledger.report import public, totals

    t = public(totals(rows))
    out: dict[str, Any] = {"tokens": _tokens(t), "requests": int(t.get("requests") or 0)}
    if has_impacts:
        for name in IMPACTS:
            r = t.get(name)
            out[name] = r if isinstance(r, dict) else {"low": 0.0, "central": 0.0, "high": 0.0}
    return out


def build_summary(report: dict[str, Any], today: date, settings: dict[str, Any]) -> dict[str, Any]:
    """The summary object from the ``report --json`` object of the month so far (daily, by model)."""
    from ledger.equivalents import pick_equivalents
    from tui.data import PERIOD_KEYS, PERIOD_LABELS, period_bounds

    rows: list[dict[str, Any]] = report["rows"]
    today_rows = [r for r in rows if r["key"] == today.isoformat()]
    has_impacts = report.get("methodology") is not None
    day = _part(today_rows, has_impacts)
    month = _part(rows, has_impacts)
    eq = None
    if has_impacts:
        picks = pick_equivalents(float(day["co2e_g"]["central"]), None, str(settings.get("user.region") or "World"),
                                 limit=1)
        eq = picks[0] if picks and float(day["co2e_g"]["central"]) > 0 else None
    day["date"] = today.isoformat()
    day["equivalent"] = eq
    days_in_month = calendar.monthrange(today.year, today.month)[1]
    limit = settings.get("budget.monthly_kg")
    month.update({"key": today.isoformat()[:7], "since": today.replace(day=1).isoformat(),
                  "until": today.isoformat(), "days": days_in_month, "day": today.day,
                  "budget_kg": float(limit) if limit is not None else None,
                  "budget_share": None, "projected_co2e_g": None})
    used = _central(month, "co2e_g")
    if used is not None:
        month["projected_co2e_g"] = used * days_in_month / today.day
        if limit is not None and float(limit) > 0:
            month["budget_share"] = used / (float(limit) * 1000.0)
    by_model: dict[str, dict[str, Any]] = {}
    for r in rows:
        acc = by_model.setdefault(r["model"], {"model": r["model"], "tokens": 0, "co2e_g": 0.0})
        acc["tokens"] += _tokens(r)
        acc["co2e_g"] += _central(r, "co2e_g") or 0.0
    top = None
    if by_model:
        metric = "co2e_g" if has_impacts else "tokens"
        top = max(by_model.values(), key=lambda m: (m[metric], m["model"]))
        whole = sum(m[metric] for m in by_model.values())
        top = {**top, "share": (top[metric] / whole) if whole else None}
        if not has_impacts:
            top["co2e_g"] = None
    periods = []
    for key in PERIOD_KEYS:
        p = period_bounds(key, today)
        periods.append({"key": key, "label": PERIOD_LABELS[key],
                        "since": p.since.isoformat() if p.since else None, "until": p.until.isoformat()})
    return {"version": SHAPE_VERSION, "tz": report.get("tz"), "methodology": report.get("methodology"),
            "has_impacts": has_impacts, "today": day, "month": month, "top_model": top, "periods": periods}


@click.command()
@click.option("--tz", metavar="ZONE", help="IANA time zone for today and the month (default: local).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (see the module's docstring).")
@common(read=True)
@handles_errors
def summary(tz: str | None, as_json: bool) -> None:
    """Today's footprint with one equivalent, this month against the budget, the top model."""
    from ledger.config import ConfigError, load
    from ledger.paths import ledger_path
    from ledger.report import ReportQuery
    from ledger.timeutil import get_zone, today_in
    from tui.commands.report import run_report

    obj = ctx_obj()
    home = obj.home_path()
    try:
        settings = load(home)
        _, zone = get_zone(tz)
        today = today_in(zone)
        q = ReportQuery(period="daily", since=today.replace(day=1), until=today, tz=tz, by="model",
                        settings=settings)
    except (ConfigError, ValueError) as exc:
        fail(str(exc))
    db = ledger_path(home, demo=obj.demo)
    out: dict[str, Any] = {"home": str(home), "ledger": str(db), "watch": [str(db), f"{db}-wal"],
                           "exists": db.exists(), "demo": obj.demo}
    if db.exists() or not obj.demo:
        out.update(build_summary(run_report(q, obj.demo), today, settings))
    else:
        fail(f"no demo ledger at {db}: run `tokenprint demo` first")
    if as_json:
        click.echo(json.dumps(out, indent=1))
        return
    _print(out)


def _print(s: dict[str, Any]) -> None:
    from ledger.names import terminal_safe
    from ledger.units import count, qty

    def g(part: dict[str, Any]) -> str:
        c = _central(part, "co2e_g")
        return f"{qty(c, 'g', digits=2)} CO2e" if c is not None else f"{count(part['tokens'])} tokens"

    day, month, top = s["today"], s["month"], s["top_model"]
    eq = f" ≈ {day['equivalent']['phrase']}" if day.get("equivalent") else ""
    click.echo(f"today: {g(day)}{eq}")
    budget = ""
    if month.get("budget_share") is not None:
        budget = f" ({month['budget_share'] * 100:.0f} % of the {month['budget_kg']:g} kg budget)"
    click.echo(f"this month: {g(month)}{budget}")
    if top:
        click.echo(f"top model: {terminal_safe(top['model'], newline=' ')}")
