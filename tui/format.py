"""Numbers for the dashboard and the CLI tables: the figures themselves come from
``ledger.units`` (unit scales, significant digits, ranges, compact counts, shares,
changes); here only what the terminal adds: the dash for a missing value, arrows
on changes, factors written plainly; short project paths and model ids come from
``ledger.names``. Standard library only.
"""

from __future__ import annotations

from ledger import units
from ledger.names import short_model, short_project
from ledger.units import count, num, qty, scale_for, share

__all__ = ["central", "change", "count", "num", "plain", "qty", "rng", "scale_for", "share", "short_model", "short_project"]


def plain(value: float) -> str:
    """A factor as people write it: ``64,000``, ``128``, ``8.277``."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def rng(r: dict[str, float] | None, unit: str) -> str:
    """``low–high unit`` in the unit of the central value; empty without a range."""
    return units.rng(r, unit) if r else ""


def central(r: dict[str, float] | None, unit: str) -> str:
    return qty(r["central"], unit) if r else "–"


def change(ratio: float | None) -> str:
    """``▲ +16 %``: an arrow (``=`` within half a percent) and the signed change."""
    if ratio is None:
        return "–"
    arrow = "▲" if ratio > 0.005 else ("▼" if ratio < -0.005 else "=")
    return f"{arrow} {units.change(ratio)}"


