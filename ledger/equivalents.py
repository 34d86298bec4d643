"""Everyday equivalents of an amount of CO2e and water, and a picker of the
one or two most telling ones.

Standard library only (the status line may call it). Factors live in
``ledger/impact/data/equivalents.toml`` with source and year, loaded lazily.
The user's region picks the car and the grid of energy-based equivalents
(a phone charge emits what the user's grid emits).
"""

from __future__ import annotations

import math
from typing import Any

from ledger.impact import loading

#: CO2e equivalents in the order a reader relates to them best.
CO2E_ORDER: tuple[str, ...] = (
    "phone", "kettle", "car", "streaming", "search", "led", "flight", "beef",
)
WATER_ORDER: tuple[str, ...] = ("teaspoon", "glass", "bottle", "shower")
#: A value in this range reads well ("3 phone charges", not "0.002 flights").
NICE = (0.5, 100.0)


def _data() -> dict[str, Any]:
    return loading.equivalents()


def grid_intensity(region: str) -> tuple[str, float]:
    """The region's zone and central grid intensity (gCO2e/kWh, lifecycle)."""
    from ledger.impact.coefficients import zone

    key, z, _ = zone(region)
    return key, float(z["intensity"].get("central", z["intensity"].get("low")))


def car_factor(region: str) -> dict[str, Any]:
    """The car of the user's region: ``{per_unit (gCO2e/km), name, source, year, group}``."""
    data = _data()
    from ledger.impact.coefficients import zone

    key, _, _ = zone(region)
    groups = data["region_group"]
    group = groups.get(key, groups["default"])
    return {**data["car"][group], "group": group}


def factor_g(name: str, region: str) -> tuple[float, str, str, int]:
    """gCO2e (or mL for water) per unit of equivalent ``name``: (value, source, unit, year)."""
    eq = _data()["equivalent"][name]
    kind = eq["kind"]
    if kind == "car":
        car = car_factor(region)
        return float(car["per_unit"]), f"{car['name']}: {car['source']}", str(car["unit"]), int(car["year"])
    if kind == "energy":
        zone_key, g_per_kwh = grid_intensity(region)
        g = float(eq["per_unit"]) * g_per_kwh / 1000.0
        src = f"{eq['source']}; x {g_per_kwh:g} gCO2e/kWh ({zone_key} grid, Ember/OWID)"
        return g, src, f"gCO2e per unit ({eq['per_unit']:g} Wh)", int(eq["year"])
    return float(eq["per_unit"]), str(eq["source"]), str(eq["unit"]), int(eq["year"])


def equivalent(name: str, amount: float, region: str = "World") -> dict[str, Any]:
    """``amount`` (gCO2e, or mL for water equivalents) expressed as equivalent ``name``."""
    eq = _data()["equivalent"][name]
    per, source, unit, year = factor_g(name, region)
    value = amount / per
    if eq["kind"] == "budget":
        value *= 100.0
    label_unit = eq["singular"] if abs(value - 1.0) < 1e-9 else eq["plural"]
    return {
        "name": name,
        "value": value,
        "unit": label_unit,
        "label": f"{_fmt(value)} {label_unit}",
        "factor": per,
        "factor_unit": unit,
        "source": source,
        "year": year,
    }


def all_equivalents(co2e_g: float, water_ml: float | None, region: str = "World") -> list[dict[str, Any]]:
    """Every equivalent of the amounts (for an export's equivalents section)."""
    out = [equivalent(n, co2e_g, region) for n in (*CO2E_ORDER, "flight_ldn_nyc", "budget")]
    if water_ml is not None:
        out += [equivalent(n, water_ml, region) for n in WATER_ORDER]
    return out


def _distance(value: float) -> float:
    """How far ``value`` is from the readable range, in decades (0 inside it)."""
    if value <= 0:
        return math.inf
    lo, hi = NICE
    if lo <= value <= hi:
        return 0.0
    return math.log10(lo / value) if value < lo else math.log10(value / hi)


def _best(names: tuple[str, ...], amount: float, region: str) -> dict[str, Any] | None:
    best: tuple[float, int] | None = None
    pick = None
    for i, name in enumerate(names):
        e = equivalent(name, amount, region)
        score = (_distance(e["value"]), i)
        if best is None or score < best:
            best, pick = score, e
    return pick


def pick_equivalents(co2e_g: float, water_ml: float | None, region: str = "World") -> list[dict[str, Any]]:
    """The one or two most telling equivalents of ``co2e_g`` (g) and ``water_ml`` (mL).

    The first is the most familiar CO2e equivalent whose value reads well
    (between 0.5 and 100 units); past 1 % of a 1.5 C annual budget (25 kg), the
    budget share comes first. The second is the water equivalent when water is
    given, else a second CO2e equivalent. Each item: ``name, value, unit,
    label, source, year`` (and the ``factor`` used).
    """
    if co2e_g <= 0 and not water_ml:
        return []
    out: list[dict[str, Any]] = []
    if co2e_g > 0:
        budget = equivalent("budget", co2e_g, region)
        if budget["value"] >= 1.0:
            out.append(budget)
            second = _best(("flight_ldn_nyc", "flight", "car"), co2e_g, region)
        else:
            first = _best(CO2E_ORDER, co2e_g, region)
            assert first is not None
            out.append(first)
            rest = tuple(n for n in CO2E_ORDER if n != first["name"])
            second = _best(rest, co2e_g, region)
        if water_ml is None and second is not None:
            out.append(second)
    if water_ml is not None and water_ml > 0:
        w = _best(WATER_ORDER, water_ml, region)
        if w is not None:
            out.append(w)
    return out[:2]


def _fmt(value: float) -> str:
    if value == 0:
        return "0"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{value:.2g}"
