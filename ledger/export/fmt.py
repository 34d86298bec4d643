"""Number formatting shared by the Markdown and HTML summaries. Standard library only."""

from __future__ import annotations

import math
from typing import Any

from ledger.units import human

#: Display name and base unit of each impact field.
IMPACT_LABELS: dict[str, tuple[str, str]] = {
    "co2e_g": ("CO2e", "g"),
    "energy_wh": ("Energy", "Wh"),
    "water_ml": ("Water", "mL"),
}


def qty(value: float | None, unit: str) -> str:
    """A quantity in a readable unit (``1234.5 g`` -> ``1.23 kg``)."""
    if value is None:
        return "-"
    if unit == "tokens":
        return big(value)
    if unit == "requests":
        return f"{int(value):,}"
    if unit == "USD":
        return money(value)
    return human(value, unit)


def big(n: float) -> str:
    """Token counts: ``123,456`` below ten million, else ``12.3 M`` / ``1.23 B``."""
    n = float(n)
    if abs(n) >= 1e9:
        return f"{sig3(n / 1e9)} B"
    if abs(n) >= 1e7:
        return f"{sig3(n / 1e6)} M"
    return f"{int(n):,}"


def sig3(x: float) -> str:
    """Three significant digits, trailing zeros kept (``1.00``, ``43.0``, ``434``)."""
    if x == 0:
        return "0"
    decimals = max(0, 2 - math.floor(math.log10(abs(x))))
    text = f"{x:.{decimals}f}"
    if len(text.replace("-", "").replace(".", "").lstrip("0")) > 3 and decimals > 0:  # rounding up: 9.995 -> 10.00
        text = f"{x:.{decimals - 1}f}"
    return text


def money(v: float) -> str:
    return f"${v:,.2f}"


def rng(r: Any, unit: str) -> str:
    """``low – high`` of a range dict, or ``-``."""
    if not isinstance(r, dict):
        return "-"
    return f"{human(float(r.get('low', 0.0)), unit)} – {human(float(r.get('high', 0.0)), unit)}"


def central(r: Any, unit: str) -> str:
    if not isinstance(r, dict):
        return "-"
    return human(float(r.get("central", 0.0)), unit)


def pct(p: float | None, signed: bool = True) -> str:
    if p is None:
        return "n/a"
    if signed:
        return f"{p:+.0f} %" if abs(p) >= 1 or p == 0 else f"{p:+.1f} %"
    return f"{p:.0f} %" if abs(p) >= 1 or p == 0 else f"{p:.1f} %"


def share(s: float) -> str:
    if 0 < s < 0.001:
        return "<0.1 %"
    return pct(s * 100.0, signed=False)


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
