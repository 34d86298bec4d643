"""The export document: one JSON-ready dict that every format renders.

It is the ``report --json`` object of the range (daily rows per client and model,
totals) plus what a forwarded summary needs: the previous period, breakdowns,
the daily series, equivalents, what would shrink it, methodology and sources,
data-quality notes. Built from SQL-aggregated groups (``ledger.export.gather``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from ledger import amounts
from ledger.export import gather
from ledger.export.gather import IMPACT_FIELDS, Range, Rows
from ledger.timeutil import add_days, day_start_ms, get_zone
from ledger.vocab import COUNT_FIELDS, TOKEN_BUCKETS

#: Headline quantities compared with the previous period, in display order.
HEADLINE: tuple[tuple[str, str], ...] = (
    ("co2e_g", "g"),
    ("energy_wh", "Wh"),
    ("water_ml", "mL"),
    ("tokens", "tokens"),
    ("requests", "requests"),
    ("cost_usd", "USD"),
)


def total_tokens(row: dict[str, Any]) -> int:
    return sum(int(row.get(b, 0)) for b in TOKEN_BUCKETS)


def central(row: dict[str, Any], name: str) -> float | None:
    """The central value of an impact range, or the plain number of a field."""
    if name == "tokens":
        return float(total_tokens(row))
    value = row.get(name)
    if isinstance(value, dict):
        return float(value.get("central", 0.0))
    if isinstance(value, int | float):
        return float(value)
    return None


def default_settings() -> dict[str, Any]:
    from ledger.config import KEYS

    return {name: key.default for name, key in KEYS.items()}


def _public(row: dict[str, Any]) -> dict[str, Any]:
    from ledger import report

    return report.public(row)


def is_demo(store: Any) -> bool:
    """Whether ``store`` is the demo ledger (``demo.db``, as ``tokenprint demo`` writes it)."""
    from ledger.paths import DEMO_FILE

    path = getattr(store, "path", None)
    return path is not None and Path(str(path)).name == DEMO_FILE


def _entry(name: str, acc: dict[str, Any], metric: str, whole: float) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name}
    for c in COUNT_FIELDS:
        out[c] = int(acc.get(c, 0))
    out["tokens"] = total_tokens(acc)
    out.update(amounts.cost_fields(acc))
    out["requests_without_cost"] = int(acc.get("requests_without_cost", 0))
    for f in IMPACT_FIELDS:
        if isinstance(acc.get(f), dict):
            out[f] = {k: float(v) for k, v in acc[f].items()}
    value = central(acc, metric) or 0.0
    out["share"] = (value / whole) if whole else 0.0
    return out


def breakdown(groups: Rows, field: str, metric: str, none_label: str = "(none)") -> list[dict[str, Any]]:
    """Sums per value of ``field``, largest ``metric`` first, each with its share."""
    whole = sum(central(g, metric) or 0.0 for g in groups)
    sums = amounts.group_by(groups, field)
    entries = [_entry(k[0] if k[0] is not None else none_label, acc, metric, whole) for k, acc in sums.items()]
    entries.sort(key=lambda e: (-(central(e, metric) or 0.0), e["name"]))
    return entries


def _change(cur: float | None, prev: float | None) -> float | None:
    if cur is None or prev is None or prev == 0:
        return None
    return (cur - prev) / prev * 100.0


def build_document(
    stores: Sequence[tuple[str, Any]],
    rng: Range,
    tz: str | None = None,
    settings: dict[str, Any] | None = None,
    generated_at: str | None = None,
    demo: bool | None = None,
) -> dict[str, Any]:
    """Gather the range from ``stores`` (``[(label, Store), ...]``) into the export document.

    ``demo`` marks the document as demo data; by default, when any store is the demo
    ledger (:func:`is_demo`).
    """
    from ledger import report

    if demo is None:
        demo = any(is_demo(store) for _label, store in stores)

    settings = {**default_settings(), **(settings or {})}
    zone_name, zone = get_zone(tz)
    prev = rng.previous()
    lo = day_start_ms(prev.since, zone)
    hi = day_start_ms(add_days(rng.until, 1), zone)
    with gather.opened(stores, lo, hi) as src:
        groups = gather.query_day_groups(src, rng, zone)
        prev_groups = gather.query_model_groups(src, prev, zone)
        skipped = gather.query_skipped_sources(src)
        duplicates = gather.query_duplicates(src, rng, zone)
        labels = src.labels
    meta = report.attach_impacts(groups, settings)
    report.attach_impacts(prev_groups, settings)
    return assemble(
        groups, prev_groups, rng, zone_name, settings, meta,
        labels=labels, skipped=skipped, duplicates=duplicates,
        generated_at=generated_at, demo=demo,
    )


def assemble(
    groups: Rows,
    prev_groups: Rows,
    rng: Range,
    zone_name: str,
    settings: dict[str, Any],
    meta: dict[str, Any],
    *,
    labels: list[str],
    skipped: Rows,
    duplicates: int,
    generated_at: str | None = None,
    demo: bool = False,
) -> dict[str, Any]:
    from ledger import report

    has_impacts = meta.get("methodology") is not None or any(isinstance(g.get("co2e_g"), dict) for g in groups)
    metric = "co2e_g" if has_impacts else "tokens"
    rows = report.rollup(groups, "daily", None)
    tot = report.totals(rows)
    if has_impacts:  # an empty range still has (zero) impacts
        for f in IMPACT_FIELDS:
            tot.setdefault(f, {"low": 0.0, "central": 0.0, "high": 0.0})

    doc: dict[str, Any] = {"period": "daily", "tz": zone_name}
    doc.update({k: v for k, v in meta.items() if k not in ("rows", "totals")})
    doc.setdefault("methodology", None)
    doc["since"] = rng.since.isoformat()
    doc["until"] = rng.until.isoformat()
    doc["by"] = None
    doc["demo"] = demo
    doc["rows"] = [_public(r) for r in rows]
    doc["totals"] = _public(tot)

    doc["title"] = rng.title
    doc["range"] = {"kind": rng.kind, "since": rng.since.isoformat(), "until": rng.until.isoformat(), "days": rng.days}
    doc["settings"] = {k: settings[k] for k in sorted(settings)}
    doc["metric"] = metric
    doc["ledgers"] = _ledgers(groups, labels, metric)

    prev = rng.previous()
    prev_tot = amounts.sum_all(prev_groups)
    doc["previous"] = {
        "since": prev.since.isoformat(),
        "until": prev.until.isoformat(),
        "title": prev.title,
        "totals": _public({**prev_tot, "key": "*", "client": "*", "model": "*"}) if prev_groups else None,
    }
    cur_tot = amounts.sum_all(groups)
    cur_pub, prev_pub = _public({**cur_tot, "key": "*"}), _public({**prev_tot, "key": "*"})
    doc["change"] = {
        name: {
            "current": central(cur_pub, name),
            "previous": central(prev_pub, name) if prev_groups else None,
            "percent": _change(central(cur_pub, name), central(prev_pub, name)) if prev_groups else None,
        }
        for name, _unit in HEADLINE
        if name in ("tokens", "requests", "cost_usd") or has_impacts
    }
    costs = amounts.cost_fields(cur_tot)
    doc["cost"] = {
        "usd": costs["cost_usd"],
        "usd_reported": costs["cost_usd_reported"],
        "usd_estimated": costs["cost_usd_estimated"],
        "requests_with_cost": int(cur_tot["requests"]) - int(cur_tot.get("requests_without_cost", 0)),
        "requests_without_cost": int(cur_tot.get("requests_without_cost", 0)),
        "requests_cost_unknown": costs["requests_cost_unknown"],
    }
    doc["breakdowns"] = {
        "client": breakdown(groups, "client", metric),
        "model": breakdown(groups, "model", metric),
        "project": breakdown(groups, "project", metric),
    }
    doc["daily"] = daily_series(groups, rng, metric)

    from ledger.export import insight

    doc["equivalents"] = insight.equivalents(cur_tot, settings) if has_impacts else []
    doc["shrink"] = insight.shrink(groups, settings) if has_impacts else []
    doc["sources"] = insight.sources(groups, settings, meta) if has_impacts else []
    doc["sources"] += [
        {"kind": "equivalent", "name": e["name"], "source": e["source"], "year": e["year"],
         "text": f"Equivalent '{e['label']}': {e['source']} ({e['year']})"}
        for e in doc["equivalents"]
    ]
    doc["boundary"] = insight.boundary(settings, meta) if has_impacts else {}
    doc["data_quality"] = {
        "unknown_models": insight.unknown_models(groups, settings) if has_impacts else [],
        "estimated_tokens": estimated_tokens(groups),
        "skipped_sources": skipped,
        "duplicates_counted_once": duplicates,
    }
    doc["generated_at"] = generated_at or datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z").strip()
    return doc


def _ledgers(groups: Rows, labels: list[str], metric: str) -> list[dict[str, Any]]:
    entries = {e["name"]: e for e in breakdown(groups, "ledger", metric)}
    out = []
    for label in labels:
        e = entries.get(label) or _entry(label, amounts.zero(), metric, 0.0)
        out.append(dict(e))
    return out


def daily_series(groups: Rows, rng: Range, metric: str) -> list[dict[str, Any]]:
    """Every day of the range (zeros filled) with its total and its split by client."""
    by_day = amounts.group_by(groups, "key")
    split: dict[str, dict[str, float]] = {}
    for (key, client), a in sorted(amounts.group_by(groups, "key", "client").items()):
        split.setdefault(key, {})[client] = central(a, metric) or 0.0
    out = []
    for d in rng.each_day():
        key = d.isoformat()
        acc = by_day.get((key,)) or amounts.zero()
        clients = split.get(key, {})
        out.append({"day": key, "value": central(acc, metric) or 0.0, "tokens": total_tokens(acc),
                    "requests": int(acc.get("requests", 0)), "by_client": clients})
    return out


def estimated_tokens(groups: Rows) -> list[dict[str, Any]]:
    """Requests whose tokens a tokenizer estimated, per client and method."""
    sums = amounts.group_by((g for g in groups if g.get("tokens_estimated")), "client", "tokens_estimated")
    return [
        {"client": k[0], "method": k[1], "requests": int(a["requests"]), "tokens": total_tokens(a)}
        for k, a in sorted(sums.items())
    ]
