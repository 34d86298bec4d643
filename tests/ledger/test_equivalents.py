"""Everyday equivalents: like compared with like, every factor pinned on a known
input, natural phrasing, and the picker's choices."""

from __future__ import annotations

import pytest

from ledger.equivalents import (
    CO2E_ORDER,
    ENERGY_ORDER,
    WATER_ORDER,
    all_equivalents,
    car_factor,
    equivalent,
    fmt_number,
    names,
    pick_equivalents,
    quantity_of,
)
from ledger.impact import loading


# -- each factor on a known input ---------------------------------------------------------
def test_led_bulb_is_energy_and_reads_in_minutes() -> None:
    # the case: 3.35 Wh lights a 10 W bulb for 20 minutes (not "0.049 hours")
    e = equivalent("led", 3.35)
    assert e["quantity"] == "energy" and e["factor"] == 10.0
    assert e["phrase"] == "20 minutes of a 10 W LED bulb"
    assert e["label"] == "the energy of 20 minutes of a 10 W LED bulb"
    assert e["compares"] == "3.35 Wh of energy"
    assert equivalent("led", 10.0)["phrase"] == "1 hour of a 10 W LED bulb"
    assert equivalent("led", 35.0)["phrase"] == "3.5 hours of a 10 W LED bulb"
    assert equivalent("led", 6490.0)["phrase"] == "27 days of a 10 W LED bulb"  # 649 h
    assert equivalent("led", 0.01)["phrase"] == "3.6 seconds of a 10 W LED bulb"


def test_phone_and_kettle_are_energy_whatever_the_grid() -> None:
    # 17.5 Wh a charge, 27 Wh a boil: the same in France and in Poland
    for region in ("FR", "PL", "US"):
        assert equivalent("phone", 35.0, region)["phrase"] == "2 phone charges"
        assert equivalent("kettle", 81.0, region)["phrase"] == "3 kettle boils (one cup each)"
    assert equivalent("phone", 17.5)["phrase"] == "1 phone charge"
    assert equivalent("phone", 8.75)["phrase"] == "half a phone charge"
    assert equivalent("kettle", 27.0)["phrase"] == "1 kettle boil (one cup)"
    assert "FR grid" not in equivalent("phone", 1.0, "FR")["source"]


def test_car_is_co2e_per_km_and_depends_on_region() -> None:
    assert car_factor("US")["per_unit"] == 251.0
    assert car_factor("GB")["per_unit"] == 164.5
    assert car_factor("FR")["per_unit"] == 128.0  # 106.6 x 1.2, EU real-world
    assert car_factor("World")["group"] == "EU"
    assert equivalent("car", 251.0, "US")["value"] == pytest.approx(1.0)
    assert equivalent("car", 251.0, "US")["phrase"] == "1 km by car"
    assert equivalent("car", 2700.0, "FR")["label"] == "the CO2e of 21 km by car"  # 21.1 km
    assert equivalent("car", 64.0, "FR")["phrase"] == "500 m by car"
    assert equivalent("car", 2700.0, "FR")["compares"] == "2.70 kg CO2e"


def test_streaming_and_flights_are_co2e() -> None:
    s = equivalent("streaming", 36.0)
    assert s["quantity"] == "co2e" and s["factor"] == 36.0
    assert s["phrase"] == "1 hour of video streaming"
    assert equivalent("streaming", 12.0)["phrase"] == "20 minutes of video streaming"
    f = equivalent("flight", 1500.0)
    assert f["factor"] == 150.0 and "passenger-km" in f["factor_unit"]
    assert f["phrase"] == "10 km on a long-haul flight (one passenger)"
    assert equivalent("flight_ldn_nyc", 167_000.0)["phrase"] == (
        "a tenth of a London-New York return flight (one passenger)"
    )
    b = equivalent("budget", 25_000.0)  # 1 % of 2.5 t
    assert b["value"] == pytest.approx(1.0)
    assert b["label"] == "1 % of a person's 1.5 °C-compatible annual CO2e budget"


def test_water_equivalents_read_naturally() -> None:
    shower = loading.equivalents()["equivalent"]["shower"]
    assert shower["litres_per_minute"] * shower["minutes"] * 1000 == shower["per_unit"] == 64_000
    assert equivalent("shower", 256_000.0)["phrase"] == "4 showers of 8 minutes"
    assert equivalent("shower", 64_000.0)["phrase"] == "1 shower of 8 minutes"
    assert equivalent("bottle", 47_750.0)["phrase"] == "96 half-litre bottles"  # 95.5
    assert equivalent("bottle", 47_500.0)["label"] == "the water of 95 half-litre bottles"
    assert equivalent("bottle", 500.0)["phrase"] == "1 half-litre bottle"
    assert equivalent("glass", 750.0)["phrase"] == "3 glasses"
    assert equivalent("teaspoon", 20.0)["label"] == "the water of 4 teaspoons"
    assert equivalent("shower", 64_000.0)["compares"] == "64.0 L of water"


def test_numbers_are_phrased_naturally() -> None:
    assert [fmt_number(v) for v in (0, 0.4214, 1.0, 4.04, 4.26, 9.96, 20.1, 95.7, 649.2, 2345.0, 27_400.0)] == [
        "0", "0.42", "1", "4", "4.3", "10", "20", "96", "649", "2,300", "27,000",
    ]
    for e in all_equivalents(123.0, 456_000.0, "DE", energy_wh=789.0):
        # never "4 8-minute showers", "95.7 0.5 L bottles" or "0.049 hours"
        assert "0.5 L" not in e["phrase"] and "8-minute" not in e["phrase"], e
        assert not e["phrase"][:1].isdigit() or e["phrase"].split(" ")[1][:1] not in "0123456789", e


# -- like with like -----------------------------------------------------------------------
def test_every_equivalent_compares_one_quantity_with_the_same_quantity() -> None:
    kinds = {n: loading.equivalents()["equivalent"][n]["kind"] for n in names()}
    assert {n for n, k in kinds.items() if k == "energy"} == set(ENERGY_ORDER) == {"phone", "kettle", "led"}
    assert set(CO2E_ORDER) | {"budget"} == {n for n, k in kinds.items() if k in ("co2e", "car", "budget")}
    assert set(WATER_ORDER) == {n for n, k in kinds.items() if k == "water"}
    assert {quantity_of(n) for n in ENERGY_ORDER} == {"energy"}
    assert {quantity_of(n) for n in CO2E_ORDER} == {"co2e"}
    assert {quantity_of(n) for n in WATER_ORDER} == {"water"}


def test_co2e_alone_never_gives_an_energy_equivalent() -> None:
    # on main, 5 g in France read as phone charges through the French grid factor
    for co2 in (0.5, 5.0, 50.0, 500.0, 5000.0, 50_000.0):
        for region in ("FR", "PL", "US", "World"):
            picks = pick_equivalents(co2, None, region)
            assert picks and {p["quantity"] for p in picks} == {"co2e"}, (co2, region, picks)


def test_every_item_states_its_quantity_and_has_a_source() -> None:
    for e in all_equivalents(123.0, 456.0, "DE", energy_wh=789.0):
        assert set(e) >= {"name", "quantity", "compares", "value", "number", "unit", "phrase", "label",
                          "factor", "factor_unit", "source", "year"}
        assert e["source"] and e["year"] >= 2016
        word = {"co2e": "CO2e", "energy": "energy", "water": "water"}[e["quantity"]]
        assert word in e["label"] and word in e["compares"], e
        assert e["label"].endswith(e["phrase"]) or e["label"] == e["phrase"]


# -- the picker -----------------------------------------------------------------------------
def test_pick_one_of_each_quantity() -> None:
    picks = pick_equivalents(2700.0, 24_600.0, "FR", energy_wh=6490.0, limit=3)
    assert [(p["name"], p["quantity"]) for p in picks] == [("car", "co2e"), ("led", "energy"), ("bottle", "water")]
    assert [p["phrase"] for p in picks] == [
        "21 km by car", "27 days of a 10 W LED bulb", "49 half-litre bottles",
    ]
    small = pick_equivalents(5.0, 20.0, "FR", energy_wh=3.35, limit=3)
    assert [p["phrase"] for p in small] == ["39 m by car", "20 minutes of a 10 W LED bulb", "4 teaspoons"]
    assert pick_equivalents(1.0, None, energy_wh=50.0)[1]["phrase"] == "2.9 phone charges"


def test_pick_without_energy_keeps_the_former_shape() -> None:
    picks = pick_equivalents(5.0, 20.0, "FR")
    assert [p["quantity"] for p in picks] == ["co2e", "water"]
    two = pick_equivalents(2.0, None, "DE")
    assert len(two) == 2 and {p["quantity"] for p in two} == {"co2e"}
    assert [p["name"] for p in pick_equivalents(0.0, 200.0)] == ["glass"]
    assert pick_equivalents(0.0, None, "US") == []


def test_pick_large_amounts_use_the_budget_and_flights() -> None:
    picks = pick_equivalents(1_000_000.0, None, "World")
    assert [p["name"] for p in picks] == ["budget", "flight_ldn_nyc"]
    assert picks[0]["value"] == pytest.approx(40.0)
    assert picks[1]["phrase"] == "60 % of a London-New York return flight (one passenger)"


def test_pick_prefers_whole_units_to_parts_of_one() -> None:
    # 38.9 L: 78 half-litre bottles, not "61 % of a shower of 8 minutes"
    assert pick_equivalents(0.0, 38_900.0)[0]["phrase"] == "78 half-litre bottles"
    assert pick_equivalents(0.0, 256_000.0)[0]["phrase"] == "4 showers of 8 minutes"
