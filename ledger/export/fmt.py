"""Number formatting of the Markdown and HTML summaries: the figures come from
``ledger.units`` (the dashboard's too); here only what a document adds: ``-`` or
``n/a`` for a missing value, money, the quantity of each kind of headline unit,
settings and short source names. Standard library only."""

from __future__ import annotations

from typing import Any

from ledger import units
from ledger.names import terminal_safe
from ledger.units import count, share

__all__ = ["IMPACT_LABELS", "central", "count", "money", "pct", "qty", "rng", "setting", "share", "short_source"]

#: Display name and base unit of each impact field.
IMPACT_LABELS: dict[str, tuple[str, str]] = {
    "co2e_g": ("CO2e", "g"),
    "energy_wh": ("Energy", "Wh"),
    "water_ml": ("Water", "mL"),
}


def qty(value: float | None, unit: str) -> str:
    """A quantity in a readable unit (``1234.5 g`` -> ``1.23 kg``), tokens compact,
    requests exact, USD as money."""
    if value is None:
        return "-"
    if unit == "tokens":
        return count(value)
    if unit == "requests":
        return f"{int(value):,}"
    if unit == "USD":
        return money(value)
    return units.qty(value, unit)


def money(v: float) -> str:
    return f"${v:,.2f}"


def rng(r: Any, unit: str) -> str:
    """``low–high unit`` of a range dict, or ``-``."""
    if not isinstance(r, dict):
        return "-"
    return units.rng(r, unit)


def central(r: Any, unit: str) -> str:
    if not isinstance(r, dict):
        return "-"
    return units.qty(float(r.get("central", 0.0)), unit)


def pct(p: float | None) -> str:
    """A signed change given in percent (``+16 %``), or ``n/a``."""
    if p is None:
        return "n/a"
    return units.change(p / 100.0)


def setting(v: Any) -> str:
    if v is None:
        return "none"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def short_source(text: Any, limit: int = 72) -> str:
    """The first clause of a source, at most ``limit`` characters (the full text is
    in the sources section)."""
    t = str(text or "").split(";", 1)[0].strip()
    if len(t) > limit:
        t = t[: limit - 1].rsplit(" ", 1)[0].rstrip(",:;") + "…"
    return t


def span(name: Any) -> str:
    """A user-controlled name as a `code` span inside one of the document's sentences
    (the convention Markdown and HTML render as code): on one line, control bytes
    dropped, backticks as ``'`` so the name cannot close the span."""
    return "`" + terminal_safe(name, mark="", newline=" ").replace("`", "'") + "`"
