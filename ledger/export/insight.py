"""The parts of an export that read the impact methodology: equivalents, what would
shrink the footprint, the sources of the factors used, the boundary, unknown models.

Groups are first summed per (client, model): impacts are linear in the counts,
so each suggestion is one coefficient product per model (``ledger.impact``).
Everything here degrades to empty when the methodology is not installed, so the
token parts of an export never depend on it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ledger import amounts
from ledger.export import fmt
from ledger.units import qty

Rows = list[dict[str, Any]]

#: Models that weigh less than this share of the CO2e get no suggestion.
MIN_SHARE = 0.05
#: Factors every hosted estimate uses (factors.toml), in the order of the method.
FACTORS = (
    "j_per_flop", "u_prefill", "u_decode", "moe_inactive_weight", "context_weight", "cache_write_extra",
    "request_wh", "host_share", "idle_share", "embodied_g_per_accel_hour", "accel_power_w",
)
TRAINING_FACTORS = ("u_train", "training_tokens")
HOST_FACTORS = ("pue", "wue", "lifetime")


def _impact() -> Any:
    try:
        import ledger.impact as impact
    except ImportError:
        return None
    return impact


def _settings(impact: Any, settings: dict[str, Any]) -> Any:
    return impact.Settings.from_config(settings)


def _central(value: Any) -> float:
    if isinstance(value, dict):
        return float(value.get("central", 0.0))
    return float(value or 0.0)


def per_model(groups: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Groups summed per (client, model), largest CO2e first."""
    sums = amounts.group_by(groups, "client", "model")
    out = list(sums.values())
    out.sort(key=lambda g: (-_central(g.get("co2e_g")), g["client"], g["model"]))
    return out


# -- equivalents ---------------------------------------------------------------------------------
def equivalents(totals: dict[str, Any], settings: dict[str, Any], limit: int = 3) -> list[dict[str, Any]]:
    """The most telling everyday equivalents of the totals, like with like: the best
    one for CO2e, for energy and for water (``pick_equivalents``)."""
    try:
        from ledger.equivalents import pick_equivalents
    except ImportError:
        return []
    co2, water = _central(totals.get("co2e_g")), _central(totals.get("water_ml"))
    energy = _central(totals.get("energy_wh"))
    region = str(settings.get("user.region") or "World")
    picked = pick_equivalents(co2, water, region, energy_wh=energy, limit=limit)
    return [{k: e.get(k) for k in ("name", "value", "unit", "label", "source", "year")} | dict(e) for e in picked]


# -- unknown models ----------------------------------------------------------------------------
def unknown_models(groups: Rows, settings: dict[str, Any]) -> list[dict[str, Any]]:
    """Models not in the model table, and how they were sized."""
    impact = _impact()
    if impact is None:
        return []
    out = []
    for g in sorted(per_model(groups), key=lambda g: (g["model"], g["client"])):
        entry = impact.resolve_model(g["model"], g["client"])
        if entry.match == "table":
            continue
        warning = entry.warnings[0] if entry.warnings else f"sized as {entry.family}"
        note = warning.split(": ", 1)[1] if ": " in warning else warning
        note = note if note.endswith(".") else note + "."
        out.append({
            "model": g["model"], "client": g["client"], "requests": int(g["requests"]),
            "tokens": sum(int(g.get(b, 0)) for b in ("input_tokens", "cache_write_tokens", "cache_read_tokens",
                                                     "output_tokens", "reasoning_tokens")),
            "sized_as": entry.id, "match": entry.match, "note": note,
        })
    return out


# -- what would shrink it ------------------------------------------------------------------------
def shrink(groups: Rows, settings: dict[str, Any]) -> list[dict[str, Any]]:
    """What would shrink the footprint: the smaller sibling of the heaviest models and
    the low-carbon grid, by the dashboard's rule (``ledger.impact.shrink``)."""
    impact = _impact()
    if impact is None:
        return []
    alts = impact.alternatives(per_model(groups), _settings(impact, settings))
    total = sum(a.actual.central for a in alts)
    if total <= 0:
        return []
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for a in alts:
        current = a.actual.central
        if current / total < MIN_SHARE or len(out) >= 3:
            break
        if a.entry.id in seen:
            continue
        seen.add(a.entry.id)
        if a.sibling is None or a.sibling_co2e is None:
            continue
        alt = impact.resolve_model(a.sibling)
        alt_co2 = a.sibling_co2e.central
        saving = current - alt_co2
        if saving <= 0.01 * total:
            continue
        out.append({
            "kind": "model", "model": a.model, "client": a.client, "alternative": alt.id,
            "co2e_g": current, "alternative_co2e_g": alt_co2, "saving_co2e_g": saving,
            "saving_share": saving / total,
            "text": (
                f"Moving the {fmt.span(a.client)} requests on {fmt.span(a.model)} ({fmt.share(current / total)} of the CO2e) "
                f"to {fmt.span(alt.id)} would save about {qty(saving, 'g')} CO2e, {fmt.share(saving / total)} of the "
                f"total (the same tokens on {alt.params_active.central:.3g} B instead of "
                f"{a.entry.params_active.central:.3g} B active parameters)."
            ),
        })
    grid = cleaner_grid(impact, _settings(impact, settings), alts, total)
    if grid:
        out.append(grid)
    return out


def cleaner_grid(impact: Any, s: Any, alts: list[Any], total: float) -> dict[str, Any] | None:
    """The same use in data centres on the low-carbon grid (the cleanest zone of the grid
    table); None when that saves 1 % or less (already there, or a fixed intensity)."""
    from ledger.impact import loading

    after = sum(a.grid.central for a in alts)
    saving = total - after
    if saving <= 0.01 * total:
        return None
    key = impact.low_carbon_zone()
    z = loading.grids()["zone"][key]
    where = "each provider's own region" if s.grid_region.lower() == "auto" else f"the {s.grid_region} grid"
    return {
        "kind": "grid", "zone": key, "intensity_g_per_kwh": _range_of(z["intensity"])[1],
        "co2e_g": total, "alternative_co2e_g": after, "saving_co2e_g": saving, "saving_share": saving / total,
        "text": (
            f"The same requests served from data centres on the grid of {z.get('name', key)} "
            f"({_range_of(z['intensity'])[1]:g} gCO2e/kWh) instead of {where} would emit about "
            f"{qty(after, 'g')} instead of {qty(total, 'g')} CO2e ({fmt.pct(-saving / total * 100)}); "
            "ask your provider where it runs, or choose a region."
        ),
    }


def _range_of(spec: Any) -> tuple[float, float, float]:
    from ledger.impact import Range

    r = Range.of(spec)
    return (r.low, r.central, r.high)


# -- sources and boundary ----------------------------------------------------------------------
def _fmt_spec(spec: Any) -> str:
    if not isinstance(spec, dict):
        return f"{spec:g}" if isinstance(spec, int | float) else str(spec)
    unit = spec.get("unit", "")
    if "value" in spec:
        text = f"{float(spec['value']):.3g}"
    else:
        lo, ce, hi = _range_of(spec)
        text = f"{ce:.3g} ({lo:.3g} to {hi:.3g})"
    return f"{text} {unit}".strip()


def _source(spec: Any) -> tuple[str, Any]:
    if isinstance(spec, dict):
        return str(spec.get("source", "")), spec.get("year")
    return "", None


def sources(groups: Rows, settings: dict[str, Any], meta: dict[str, Any]) -> list[dict[str, Any]]:
    """Every factor the estimate used, with its value, unit, source and year."""
    impact = _impact()
    if impact is None or not groups:
        return []
    from ledger.impact import loading

    s = _settings(impact, settings)
    data = loading.factors()
    hosts: dict[str, None] = {}
    zones: dict[str, dict[str, Any]] = {}
    entries: dict[str, tuple[str, Any]] = {}
    for g in per_model(groups):
        c = impact.coefficients(g["model"], s, g["client"])
        hosts[str(c.context.get("host"))] = None
        zones[str(c.context.get("zone"))] = c.context
        entries.setdefault(c.model.id, (g["model"], c.model))
    out: list[dict[str, Any]] = []
    names = FACTORS + (TRAINING_FACTORS if s.include_training else ())
    for name in names:
        spec = data["factor"].get(name)
        overridden = [h for h in hosts if name in data.get("host", {}).get(h, {})]
        if spec is not None and len(overridden) < len(hosts):
            src, year = _source(spec)
            out.append({"kind": "factor", "name": name, "value": _fmt_spec(spec), "source": src, "year": year,
                        "text": f"`{name}`: {_fmt_spec(spec)}. {src}" + (f" ({year})" if year else "")})
    for h in hosts:
        hs = data.get("host", {}).get(h, {})
        for name in [*HOST_FACTORS, *FACTORS]:
            if name == "lifetime" and not s.include_training:
                continue
            if name in hs:
                spec = hs[name]
                src, year = _source(spec)
                out.append({"kind": "host", "host": h, "name": name, "value": _fmt_spec(spec), "source": src,
                            "year": year,
                            "text": f"`{name}` for {h}: {_fmt_spec(spec)}. {src}" + (f" ({year})" if year else "")})
    grids = loading.grids()
    gmeta = grids.get("meta", {})
    for key, ctx in zones.items():
        z = grids["zone"].get(key, {})
        if not z:
            continue
        spec = z.get("intensity")
        src, year = _source(spec)
        basis = ctx.get("basis", "location")
        text = f"Grid {z.get('name', key)}: {_fmt_spec(spec)} ({basis}-based). {src or gmeta.get('intensity_source', '')}"
        if year:
            text += f" ({year})"
        w = z.get("water") or grids["zone"]["World"].get("water")
        if w:
            wsrc, wyear = _source(w)
            text += f"; off-site water {_fmt_spec(w)}. {wsrc}" + (f" ({wyear})" if wyear else "")
        out.append({"kind": "grid", "zone": key, "value": _fmt_spec(spec), "source": src, "year": year,
                    "text": text})
    for eid, (requested, e) in sorted(entries.items()):
        p = e.params_active
        text = (f"Model {fmt.span(eid)}" + (f" (as {fmt.span(requested)})" if requested != eid else "")
                + f": {p.central:.3g} B active parameters ({p.low:.3g} to {p.high:.3g})")
        if e.arch == "moe":
            text += f", {e.params_total.central:.3g} B in total"
        if e.params_source:
            text += f". {e.params_source}"
        out.append({"kind": "model", "model": eid, "requested": requested, "source": e.params_source,
                    "match": e.match, "text": text + "."})
    return out


def boundary(settings: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    """What the estimate counts and what it leaves out."""
    impact = _impact()
    if impact is None:
        return {}
    from ledger.impact import loading

    s = _settings(impact, settings)
    summary = str(loading.factors().get("meta", {}).get("summary", ""))
    includes = ["accelerators", "host CPU and memory", "idle capacity", "data-centre overhead (PUE)",
                "embodied hardware emissions", "on-site (cooling) and off-site (electricity) water"]
    excludes = ["your own devices and the network (for hosted models)"]
    if s.include_training:
        includes.append("amortised model training")
    else:
        excludes.insert(0, "model training")
    basis = {"location": "location-based", "market": "market-based where the operator discloses enough, "
             "else location-based"}.get(s.basis, s.basis)
    grid = "each provider's own region" if s.grid_region.lower() == "auto" else f"the {s.grid_region} grid"
    if s.grid_intensity_g_per_kwh is not None:
        grid = f"{s.grid_intensity_g_per_kwh:g} gCO2e/kWh for every model (override)"
    text = (f"inference of every request: {', '.join(includes)}. Not counted: {', '.join(excludes)}. "
            f"Carbon is {basis}; hosted models use {grid}.")
    return {"text": text, "includes": includes, "excludes": excludes, "basis": s.basis, "summary": summary}
