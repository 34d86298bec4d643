"""What would shrink it: the same tokens on a smaller model of the same family, and
the same usage on a low-carbon grid. Pure computation over the loaded groups with
the impact API (``ledger.impact``); no database, no Textual.

The smaller sibling comes from the model table: the largest row, on the same
host, whose active parameters (central) are at most ``SIBLING_RATIO`` of the
model's, looked for first in its family and generation (gpt-5 -> gpt-5-mini),
then in its maker's line and generation (the table gives Claude and Gemini tiers
their own families: claude-sonnet-4-5 -> claude-haiku-4-5), then in the family and
the line of any generation. A model with no such row is "already the smallest of
its family".
"""

from __future__ import annotations

import re
from typing import Any

from tui.data import (
    LOW_CARBON_ZONE,
    Filter,
    Savings,
    SavingsRow,
    Snapshot,
    _in,
    add_into,
    new_totals,
)

#: A sibling counts as smaller when its active parameters are at most this share.
SIBLING_RATIO = 0.85


def _line(family: str) -> str:
    return family.split("-", 1)[0]


def _generation(model_id: str) -> str:
    m = re.search(r"\d+(?:[.-]\d+)*", model_id)
    return m.group(0) if m else ""


def smaller_sibling(model_id: str, client: str | None = None) -> str | None:
    """The table id of the smaller model of ``model_id``'s family, or None."""
    from ledger.impact import resolve_model
    from ledger.impact.models import rows

    entry = resolve_model(model_id, client)
    size = entry.params_active.central
    gen = _generation(entry.id)
    table = [r for r in rows() if r["id"] != entry.id]

    def pick(candidates: list[dict[str, Any]]) -> str | None:
        best: tuple[float, int, str] | None = None
        for order, r in enumerate(candidates):
            other = resolve_model(r["id"])
            if other.host != entry.host and not entry.local:
                continue
            s = other.params_active.central
            if s > size * SIBLING_RATIO:
                continue
            key = (s, -order, other.id)
            if best is None or key > best:
                best = key
        return best[2] if best else None

    family = [r for r in table if r.get("family") == entry.family]
    line = [
        r for r in table
        if _line(str(r.get("family", ""))) == _line(entry.family) and r.get("provider") == entry.provider
    ]
    for pool in (
        [r for r in family if _generation(r["id"]) == gen],
        [r for r in line if _generation(r["id"]) == gen],
        family,
        line,
    ):
        found = pick(pool)
        if found is not None:
            return found
    return None


def compute(snap: Snapshot, flt: Filter | None, top: int, out: Savings) -> Savings:
    """Fill ``out`` with the rows of the ``top`` models of the period by CO2e."""
    from ledger.impact import Settings, impacts_for, resolve_model

    p = snap.period
    settings = Settings.from_config(snap.settings)
    green = settings.with_region(LOW_CARBON_ZONE)
    by_model: dict[tuple[str, str], dict[str, Any]] = {}
    for g in snap.groups:
        if not _in(g["key"], p.since, p.until) or (flt is not None and not flt.matches(g)):
            continue
        acc = by_model.get((g["model"], g["client"]))
        if acc is None:
            acc = by_model[(g["model"], g["client"])] = new_totals()
        add_into(acc, g)
    if not by_model:
        out.message = "Nothing recorded in this period."
        return out

    def zero() -> dict[str, float]:
        return {"low": 0.0, "central": 0.0, "high": 0.0}

    def add(acc: dict[str, float], r: dict[str, float]) -> None:
        for k in acc:
            acc[k] += r[k]

    total, total_grid, total_sib = zero(), zero(), zero()
    per_model: dict[str, dict[str, Any]] = {}
    for (model, client), counts in by_model.items():
        actual = counts.get("co2e_g") or impacts_for(model, counts, settings, client)["co2e_g"]
        grid = impacts_for(model, counts, green, client)["co2e_g"]
        add(total, actual)
        add(total_grid, grid)
        m = per_model.setdefault(model, {"actual": zero(), "grid": zero(), "parts": []})
        add(m["actual"], actual)
        add(m["grid"], grid)
        m["parts"].append((client, counts))
    ranked = sorted(per_model.items(), key=lambda kv: -kv[1]["actual"]["central"])
    share_base = total["central"] or 1.0
    for model, m in ranked[:top]:
        row = SavingsRow(model, m["actual"]["central"] / share_base, m["actual"], grid_co2=m["grid"])
        first_client = m["parts"][0][0]
        entry = resolve_model(model, first_client)
        sib = smaller_sibling(model, first_client)
        if sib is None:
            row.sibling_note = f"{entry.id} is already the smallest model of its family in the table"
            add(total_sib, m["actual"])
        else:
            alt = zero()
            for client, counts in m["parts"]:
                add(alt, impacts_for(sib, counts, settings, client)["co2e_g"])
            row.sibling, row.sibling_co2 = sib, alt
            add(total_sib, alt)
        out.rows.append(row)
    rest = zero()
    for _model, m in ranked[top:]:
        add(rest, m["actual"])
    add(total_sib, rest)
    out.total, out.total_grid, out.total_sibling = total, total_grid, total_sib
    zone_note = _zone_label(LOW_CARBON_ZONE)
    out.grid_label = zone_note
    out.note = (
        f"Smaller sibling: the largest model of the same family (model table) with at most "
        f"{SIBLING_RATIO:.0%} of the active parameters, same host. Low-carbon grid: every "
        f"data centre on the {zone_note} grid, all else equal. Ranges add low to low, high to high."
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
