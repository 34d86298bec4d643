"""Every number in the data files has a unit and a source (and a year)."""

from __future__ import annotations

from typing import Any

import pytest

from ledger.impact import METHODOLOGY_VERSION, loading
from ledger.impact.ranges import Range

NUMERIC = ("low", "central", "high", "value")


def _is_factor(spec: Any) -> bool:
    return isinstance(spec, dict) and any(k in spec for k in NUMERIC)


def _check(spec: dict[str, Any], where: str) -> None:
    assert spec.get("unit"), f"{where}: no unit"
    assert spec.get("source"), f"{where}: no source"
    assert isinstance(spec.get("year"), int), f"{where}: no year"
    Range.of(spec)  # ordered, non-negative


def test_factors_have_unit_source_year() -> None:
    data = loading.factors()
    assert data["meta"]["methodology"] == METHODOLOGY_VERSION
    for name, spec in data["factor"].items():
        _check(spec, f"factor.{name}")
    for host, h in data["host"].items():
        assert h.get("source") and h.get("region"), host
        for name, spec in h.items():
            if _is_factor(spec):
                _check(spec, f"host.{host}.{name}")
        for needed in ("pue", "wue", "lifetime"):
            assert needed in h, f"host.{host} lacks {needed}"


def test_grid_zones_have_unit_source_year() -> None:
    data = loading.grids()
    assert "World" in data["zone"]
    for key, z in data["zone"].items():
        _check(z["intensity"], f"zone.{key}.intensity")
        assert z["intensity"]["unit"] == "gCO2e/kWh"
        if "water" in z:
            _check(z["water"], f"zone.{key}.water")
            assert z["water"]["unit"] == "L/kWh"


def test_grid_values_are_those_of_factors_md() -> None:
    z = loading.grids()["zone"]
    assert Range.of(z["World"]["intensity"]) == Range(473, 473, 481)
    assert Range.of(z["US"]["intensity"]) == Range(369, 384, 384)
    assert Range.of(z["FR"]["intensity"]) == Range(44, 44, 56)
    assert z["SE"]["water"]["value"] == 6.0


def test_equivalents_have_unit_source_year() -> None:
    data = loading.equivalents()
    for name, e in data["equivalent"].items():
        assert e.get("unit") and e.get("source") and isinstance(e.get("year"), int), name
        assert e["kind"] in {"co2e", "energy", "water", "budget", "car"}, name
        if e["kind"] != "car":
            assert e["per_unit"] > 0, name
    for group, car in data["car"].items():
        assert car["unit"] == "gCO2e/km" and car["source"] and car["year"], group


@pytest.mark.parametrize("case", loading.load("calibration")["case"], ids=lambda c: c["key"])
def test_calibration_cases_have_source_unit_boundary(case: dict[str, Any]) -> None:
    for key in ("name", "source", "year", "model", "counts", "metric", "value", "unit", "boundary", "shape"):
        assert case.get(key) not in (None, ""), f"{case['key']}: {key}"
