"""Numbers for people, the one place for them: unit scales (``1234.5 g`` -> ``1.23 kg``),
significant digits, ranges, compact counts, shares, changes and money.

Standard library only: the status line imports it on every turn of the user's
client. Presentation-neutral: plain text with no markup and no placeholder for a
missing value; the dashboard (``tui.format``) and the export
(``ledger.export.fmt``) add those their own way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

#: Readable units of each base unit, largest first: (size in the base unit, name).
SCALES: dict[str, list[tuple[float, str]]] = {
    "g": [(1e6, "t"), (1e3, "kg"), (1.0, "g"), (1e-3, "mg")],
    "Wh": [(1e9, "GWh"), (1e6, "MWh"), (1e3, "kWh"), (1.0, "Wh"), (1e-3, "mWh")],
    "mL": [(1e6, "m³"), (1e3, "L"), (1.0, "mL")],
}
#: Suffixes of compact counts, largest first.
COUNT_SCALES: tuple[tuple[float, str], ...] = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


def scale_for(value: float, unit: str) -> tuple[float, str]:
    """The factor and unit name that make ``value`` (in ``unit``) readable; zero stays in ``unit``."""
    scales = SCALES.get(unit)
    if not scales or value == 0:
        return 1.0, unit
    for factor, name in scales:
        if abs(value) >= factor:
            return factor, name
    return scales[-1]


def num(value: float, digits: int = 3) -> str:
    """``digits`` significant digits with trailing zeros kept (``1.00``, ``43.0``, ``434``),
    never scientific notation; from ``10 ** digits`` up, whole with thousands separators."""
    if value == 0:
        return "0"
    a = abs(value)
    if a >= 10**digits:
        return f"{value:,.0f}"
    decimals = max(0, digits - 1 - math.floor(math.log10(a)))
    text = f"{value:.{decimals}f}"
    if decimals > 0 and len(text.lstrip("-").replace(".", "").lstrip("0")) > digits:  # rounded up: 9.9996 -> 10.00
        text = f"{value:.{decimals - 1}f}"
    return text


def qty(value: float, unit: str, digits: int = 3) -> str:
    """A quantity in a readable unit: ``qty(9770, "g") == "9.77 kg"``."""
    factor, name = scale_for(value, unit)
    return f"{num(value / factor, digits)} {name}"


def rng(r: Mapping[str, float], unit: str, digits: int = 2) -> str:
    """``low–high unit`` of a ``{"low", "central", "high"}`` range, both ends in the unit
    of the central value, two significant digits: ``2.4–40 kg``."""
    factor, name = scale_for(r["central"], unit)
    return f"{num(r['low'] / factor, digits)}–{num(r['high'] / factor, digits)} {name}"


def count(n: float) -> str:
    """A count, compact from a thousand on (``1.23 M``, ``6.85 k``); smaller counts exact."""
    n = float(n)
    for factor, suffix in COUNT_SCALES:
        if abs(n) >= factor:
            return f"{num(n / factor)} {suffix}"
    return f"{int(n):,}"


def share(ratio: float) -> str:
    """A share of a whole: ``40 %``, one decimal under 10 % (``8.1 %``), ``<0.1 %``, ``100 %``."""
    if ratio >= 0.995:
        return "100 %"
    if ratio < 0.001:
        return "<0.1 %" if ratio > 0 else "0 %"
    return f"{ratio * 100:.1f} %" if ratio < 0.1 else f"{ratio * 100:.0f} %"


def change(ratio: float) -> str:
    """A signed relative change: ``+16 %``, ``-13 %``, one decimal under 1 % (``+0.4 %``)."""
    p = ratio * 100.0
    return f"{p:+.0f} %" if abs(p) >= 1 or p == 0 else f"{p:+.1f} %"


def money(usd: float) -> str:
    """US dollars for people: ``$12.34``, ``$1,234``, ``<$0.01`` for a positive cost under a cent."""
    if 0 < abs(usd) < 0.005:
        return "<$0.01"
    if abs(usd) >= 1000:
        return f"${usd:,.0f}"
    return f"${usd:,.2f}"
