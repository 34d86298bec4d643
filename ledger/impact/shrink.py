"""What would shrink a footprint: the same tokens on a smaller sibling model, and the
same usage on a low-carbon grid. One rule for the dashboard and the export.

Standard library only, like the rest of ``ledger.impact``; pure functions of the
model table, the grid table and the counts.

The smaller sibling comes from the model table, independent of usage: the largest
row, on the same host, whose active parameters (central) are at most
``SIBLING_RATIO`` of the model's, looked for first in its family and generation
(gpt-5 -> gpt-5-mini), then in its maker's line and generation (the table gives
Claude and Gemini tiers their own families: claude-sonnet-4-5 -> claude-haiku-4-5),
then in the family and the line of any generation. A model with no such row has
no sibling (it is the smallest of its family).

The low-carbon grid is the cleanest zone of the grid table (lowest central
intensity, gCO2e/kWh); "on a low-carbon grid" moves every data centre there,
location-based, and leaves local models on the user's own grid.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from ledger.impact.coefficients import impacts_for
from ledger.impact.models import ModelEntry, resolve_model, rows
from ledger.impact.ranges import Range
from ledger.impact.settings import Settings

#: A sibling counts as smaller when its active parameters (central) are at most this share.
SIBLING_RATIO = 0.85


def _line(family: str) -> str:
    """A maker's line: ``claude`` of ``claude-sonnet``, ``gemini`` of ``gemini-flash``."""
    return family.split("-", 1)[0]


def _generation(model_id: str) -> str:
    """The first version number of an id: ``4-5`` of ``claude-haiku-4-5``, ``2.5`` of ``gemini-2.5-pro``."""
    m = re.search(r"\d+(?:[.-]\d+)*", model_id)
    return m.group(0) if m else ""


def smaller_sibling(model_id: str, client: str | None = None) -> str | None:
    """The table id of the smaller sibling of ``model_id`` (as ``client`` reported it), or None."""
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


def low_carbon_zone() -> str:
    """The key of the cleanest zone of grids.toml: lowest central intensity (ties: by key)."""
    from ledger.impact import loading

    zones = loading.grids()["zone"]
    return min(zones, key=lambda k: (Range.of(zones[k]["intensity"]).central, k))


def low_carbon_settings(settings: Settings) -> Settings:
    """``settings`` with every data centre on the :func:`low_carbon_zone` grid, location-based.

    Local models keep the user's grid; a fixed ``grid.intensity_g_per_kwh`` still
    applies to everything (so it leaves nothing to save).
    """
    return replace(settings, grid_region=low_carbon_zone(), basis="location")


@dataclass(frozen=True)
class Alternatives:
    """The CO2e (g) of one (client, model) part of the usage, and of the same counts
    on its smaller sibling and on the low-carbon grid."""

    client: str | None
    model: str
    entry: ModelEntry
    actual: Range
    grid: Range
    sibling: str | None = None
    sibling_co2e: Range | None = None

    @property
    def on_sibling(self) -> Range:
        """The CO2e on the sibling, or the actual CO2e when there is none."""
        return self.sibling_co2e if self.sibling_co2e is not None else self.actual


def _co2e(part: Mapping[str, Any], model: str, settings: Settings, client: str | None) -> Range:
    r = impacts_for(model, part, settings, client)["co2e_g"]
    return Range(r["low"], r["central"], r["high"])


def alternatives(parts: Iterable[Mapping[str, Any]], settings: Settings) -> list[Alternatives]:
    """For each count dict (``client``, ``model``, the count fields; in the given order):
    its CO2e under ``settings``, on its smaller sibling and on the low-carbon grid.
    Linear in the counts, so parts and results add up."""
    green = low_carbon_settings(settings)
    out = []
    for part in parts:
        model, client = str(part["model"]), part.get("client")
        sib = smaller_sibling(model, client)
        entry = resolve_model(model, client)
        # a local model's sibling runs on the same machine and grid
        sib_as = None if sib is None else (f"local/{sib}" if entry.local else sib)
        out.append(Alternatives(
            client=client,
            model=model,
            entry=entry,
            actual=_co2e(part, model, settings, client),
            grid=_co2e(part, model, green, client),
            sibling=sib,
            sibling_co2e=None if sib_as is None else _co2e(part, sib_as, settings, client),
        ))
    return out
