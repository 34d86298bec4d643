"""What would shrink it, for the dashboard: the top models of the period by CO2e, each
with the same tokens on its smaller sibling and on the low-carbon grid, and the
totals. The rule (which sibling, which grid) is ``ledger.impact.shrink``, the same
as the export's; here the snapshot's groups are summed per (model, client) and per
model for the panel. No database, no Textual.
"""

from __future__ import annotations

from typing import Any

from ledger.amounts import add_into, zero
from tui.data import Filter, Savings, SavingsRow, Snapshot, _in


def compute(snap: Snapshot, flt: Filter | None, top: int, out: Savings) -> Savings:
    """Fill ``out`` with the rows of the ``top`` models of the period by CO2e."""
    from ledger.impact import Alternatives, Settings, alternatives, low_carbon_zone
    from ledger.impact.ranges import rsum
    from ledger.impact.shrink import SIBLING_RATIO

    p = snap.period
    by_model: dict[tuple[str, str], dict[str, Any]] = {}
    for g in snap.groups:
        if not _in(g["key"], p.since, p.until) or (flt is not None and not flt.matches(g)):
            continue
        acc = by_model.get((g["model"], g["client"]))
        if acc is None:
            acc = by_model[(g["model"], g["client"])] = zero()
        add_into(acc, g)
    if not by_model:
        out.message = "Nothing recorded in this period."
        return out

    parts = [{**counts, "model": model, "client": client} for (model, client), counts in by_model.items()]
    alts = alternatives(parts, Settings.from_config(snap.settings))
    per_model: dict[str, list[Alternatives]] = {}
    for a in alts:
        per_model.setdefault(a.model, []).append(a)
    ranked = sorted(per_model.items(), key=lambda kv: -rsum(a.actual for a in kv[1]).central)
    total = rsum(a.actual for a in alts)
    share_base = total.central or 1.0
    for model, ms in ranked[:top]:
        actual = rsum(a.actual for a in ms)
        row = SavingsRow(model, actual.central / share_base, actual.as_dict(), grid_co2=rsum(a.grid for a in ms).as_dict())
        first = ms[0]
        if first.sibling is None:
            row.sibling_note = f"{first.entry.id} is already the smallest model of its family in the table"
        else:
            row.sibling, row.sibling_co2 = first.sibling, rsum(a.on_sibling for a in ms).as_dict()
        out.rows.append(row)
    top_models = {model for model, _ in ranked[:top]}
    out.total = total.as_dict()
    out.total_grid = rsum(a.grid for a in alts).as_dict()
    out.total_sibling = rsum(a.on_sibling if a.model in top_models else a.actual for a in alts).as_dict()
    zone_note = _zone_label(low_carbon_zone())
    out.grid_label = zone_note
    out.note = (
        f"Smaller sibling: the largest model of the same family (model table) with at most "
        f"{SIBLING_RATIO:.0%} of the active parameters, same host. Low-carbon grid: every "
        f"data centre on the {zone_note} grid (the cleanest of the grid table), all else equal. "
        "Ranges add low to low, high to high."
    )
    return out


def _zone_label(code: str) -> str:
    try:
        from ledger.impact.coefficients import zone

        key, z, _ = zone(code)
        intensity = z.get("intensity", {})
        central = intensity.get("central") if isinstance(intensity, dict) else None
        name = z.get("name", key)
        return f"{name}, {central:g} g/kWh" if central is not None else str(name)
    except Exception:  # the label is cosmetic: never fail the panel over it
        return code
