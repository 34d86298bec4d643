"""Numbers for people: impact ranges, token counts, shares. Standard library only."""

from __future__ import annotations

from typing import Any

_SCALES: dict[str, list[tuple[float, str]]] = {
    "g": [(1e6, "t"), (1e3, "kg"), (1.0, "g"), (1e-3, "mg")],
    "Wh": [(1e9, "GWh"), (1e6, "MWh"), (1e3, "kWh"), (1.0, "Wh"), (1e-3, "mWh")],
    "mL": [(1e6, "m³"), (1e3, "L"), (1.0, "mL")],
}


def scale_for(value: float, unit: str) -> tuple[float, str]:
    """The factor and unit name that make ``value`` readable."""
    scales = _SCALES.get(unit)
    if not scales:
        return 1.0, unit
    for factor, name in scales:
        if abs(value) >= factor:
            return factor, name
    return scales[-1]


def num(value: float, digits: int = 3) -> str:
    """``digits`` significant digits, never scientific notation for everyday sizes."""
    if value == 0:
        return "0"
    a = abs(value)
    if a >= 10 ** digits:
        return f"{value:,.0f}"
    decimals = max(0, digits - 1 - int(f"{a:e}".split("e")[1]))
    return f"{value:.{decimals}f}"


def plain(value: float) -> str:
    """A factor as people write it: ``64,000``, ``128``, ``8.277``."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def qty(value: float, unit: str, digits: int = 3) -> str:
    factor, name = scale_for(value, unit)
    return f"{num(value / factor, digits)} {name}"


def rng(r: dict[str, float] | None, unit: str) -> str:
    """``low–high unit`` in the unit of the central value."""
    if not r:
        return ""
    factor, name = scale_for(r["central"], unit)
    return f"{num(r['low'] / factor, 2)}–{num(r['high'] / factor, 2)} {name}"


def central(r: dict[str, float] | None, unit: str) -> str:
    return qty(r["central"], unit) if r else "–"


def count(n: float) -> str:
    """1234567 -> 1.23 M; small counts stay exact."""
    n = float(n)
    for factor, suffix in ((1e12, " T"), (1e9, " B"), (1e6, " M"), (1e3, " k")):
        if abs(n) >= factor:
            return f"{num(n / factor)}{suffix}"
    return f"{int(n):,}"


def pct(share: float) -> str:
    if share >= 0.995:
        return "100 %"
    if share < 0.001:
        return "<0.1 %" if share > 0 else "0 %"
    return f"{share * 100:.1f} %" if share < 0.1 else f"{share * 100:.0f} %"


def change(ratio: float | None) -> str:
    if ratio is None:
        return "–"
    arrow = "▲" if ratio > 0.005 else ("▼" if ratio < -0.005 else "=")
    return f"{arrow} {ratio * 100:+.0f} %"


def short_project(p: Any) -> str:
    """The last two path parts of a project folder."""
    if not p or p == "(none)":
        return "(none)"
    parts = [x for x in str(p).replace("\\", "/").split("/") if x]
    return "/".join(parts[-2:]) if len(parts) > 1 else str(p)
