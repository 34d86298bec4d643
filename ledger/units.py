"""Human-readable quantities: ``1234.5 g`` -> ``1.23 kg``. Standard library only."""

from __future__ import annotations

_SCALES: dict[str, list[tuple[float, str]]] = {
    "g": [(1e6, "t"), (1e3, "kg"), (1.0, "g"), (1e-3, "mg")],
    "Wh": [(1e9, "GWh"), (1e6, "MWh"), (1e3, "kWh"), (1.0, "Wh"), (1e-3, "mWh")],
    "mL": [(1e6, "m3"), (1e3, "L"), (1.0, "mL")],
}


def human(value: float, unit: str, digits: int = 3) -> str:
    """Scale ``value`` (in ``unit``) to a readable unit with ``digits`` significant digits."""
    scales = _SCALES.get(unit)
    if scales is None or value == 0:
        return f"{value:.{digits}g} {unit}"
    for factor, name in scales:
        if abs(value) >= factor:
            return f"{value / factor:.{digits}g} {name}"
    factor, name = scales[-1]
    return f"{value / factor:.{digits}g} {name}"
