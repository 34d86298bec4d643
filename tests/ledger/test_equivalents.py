"""Everyday equivalents: known values per region, and the picker's choices."""

from __future__ import annotations

import pytest

from ledger.equivalents import all_equivalents, car_factor, equivalent, pick_equivalents


def test_car_depends_on_region() -> None:
    assert car_factor("US")["per_unit"] == 251.0
    assert car_factor("GB")["per_unit"] == 164.5
    assert car_factor("FR")["per_unit"] == 128.0  # 106.6 x 1.2, EU real-world
    assert car_factor("World")["group"] == "EU"
    assert equivalent("car", 251.0, "US")["value"] == pytest.approx(1.0)
    assert equivalent("car", 251.0, "US")["unit"] == "km by car"


def test_energy_based_equivalents_use_the_users_grid() -> None:
    # a phone charge is 17.5 Wh: 0.77 g in France (44 g/kWh), 10.8 g in Poland (615 g/kWh)
    fr = equivalent("phone", 0.77, "FR")
    pl = equivalent("phone", 10.7625, "PL")
    assert fr["value"] == pytest.approx(1.0)
    assert pl["value"] == pytest.approx(1.0)
    assert "FR grid" in fr["source"]
    # a kettle boil, 27 Wh, on the US grid: 10.368 g
    assert equivalent("kettle", 10.368, "US")["value"] == pytest.approx(1.0)


def test_fixed_equivalents() -> None:
    assert equivalent("streaming", 36.0)["value"] == pytest.approx(1.0)
    assert equivalent("search", 1.0)["value"] == pytest.approx(5.0)
    assert equivalent("flight", 1500.0)["value"] == pytest.approx(10.0)
    assert equivalent("flight_ldn_nyc", 167_000.0)["value"] == pytest.approx(0.1)
    assert equivalent("budget", 25_000.0)["value"] == pytest.approx(1.0)  # 1 % of 2.5 t
    assert equivalent("shower", 64_000.0)["value"] == pytest.approx(1.0)
    assert equivalent("bottle", 250.0)["value"] == pytest.approx(0.5)


def test_every_item_has_name_value_unit_label_source_year() -> None:
    for e in all_equivalents(123.0, 456.0, "DE"):
        assert set(e) >= {"name", "value", "unit", "label", "source", "year"}
        assert e["source"] and e["year"] >= 2009


def test_pick_small_amounts() -> None:
    picks = pick_equivalents(5.0, 20.0, "FR")
    assert [p["name"] for p in picks] == ["phone", "teaspoon"]
    assert picks[0]["value"] == pytest.approx(5.0 / (17.5 * 0.044))
    assert picks[1]["label"] == "4 teaspoons of water"


def test_pick_large_amounts_use_the_budget_and_flights() -> None:
    picks = pick_equivalents(1_000_000.0, None, "World")
    assert [p["name"] for p in picks] == ["budget", "flight_ldn_nyc"]
    assert picks[0]["value"] == pytest.approx(40.0)


def test_pick_without_water_gives_two_co2e_items_and_nothing_for_nothing() -> None:
    picks = pick_equivalents(2.0, None, "DE")
    assert len(picks) == 2 and all(p["name"] not in ("shower", "bottle") for p in picks)
    assert pick_equivalents(0.0, None, "US") == []
