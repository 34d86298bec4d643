"""Everyday equivalents that compare like with like, and a picker of the most
telling ones.

Energy is compared with energy (a phone charge, a kettle boil, a 10 W LED bulb),
CO2e with CO2e (km by car, streaming, flights, a personal 1.5 °C budget) and
water with water (showers, bottles, glasses). No equivalent is derived from
another quantity through a grid factor: the energy of a request is set against
the energy of a phone charge, not against the CO2e of one.

Each item states the quantity it compares (``quantity``, ``compares``) and reads
naturally (``phrase``): "20 minutes of a 10 W LED bulb", "4 showers of 8 minutes",
"95 half-litre bottles", "half a phone charge"; ``label`` is the phrase with its
quantity ("the energy of 20 minutes of a 10 W LED bulb"), what the status line,
the estimate and the exports print.

Standard library only (the status line may call it). Factors live in
``ledger/impact/data/equivalents.toml`` with unit, source and year, loaded lazily.
The user's region picks the car.
"""

from __future__ import annotations

import math
from typing import Any

from ledger import units
from ledger.impact import loading

#: Equivalents of each quantity in the order a reader relates to them best.
CO2E_ORDER: tuple[str, ...] = ("car", "streaming", "flight", "flight_ldn_nyc")
ENERGY_ORDER: tuple[str, ...] = ("phone", "kettle", "led")
WATER_ORDER: tuple[str, ...] = ("shower", "bottle", "glass", "teaspoon")
#: A number in this range reads well ("3 phone charges", not "0.002 flights").
NICE = (0.5, 100.0)

#: kind of an equivalent -> (quantity it compares, unit of the amount it takes).
QUANTITY_OF_KIND = {
    "energy": ("energy", "Wh"),
    "co2e": ("co2e", "gCO2e"),
    "car": ("co2e", "gCO2e"),
    "budget": ("co2e", "gCO2e"),
    "water": ("water", "mL"),
}
#: How each quantity is named in a sentence.
QUANTITY_WORDS = {"energy": "energy", "co2e": "CO2e", "water": "water"}

#: Simple fractions a reader says in words, for amounts under one unit.
FRACTIONS: tuple[tuple[float, str], ...] = (
    (1 / 2, "half {a} {s}"),
    (1 / 3, "a third of {a} {s}"),
    (2 / 3, "two thirds of {a} {s}"),
    (1 / 4, "a quarter of {a} {s}"),
    (3 / 4, "three quarters of {a} {s}"),
    (1 / 10, "a tenth of {a} {s}"),
)
#: Durations, largest first: (hours in one unit, singular, plural).
DURATIONS: tuple[tuple[float, str, str], ...] = (
    (24 * 365.25, "year", "years"),
    (24.0, "day", "days"),
    (1.0, "hour", "hours"),
    (1 / 60, "minute", "minutes"),
    (1 / 3600, "second", "seconds"),
)
#: Units used only from this many of them on: 47 hours stay hours, 49 are 2 days.
DURATION_UP = {"year": 2.0, "day": 2.0}


def _data() -> dict[str, Any]:
    return loading.equivalents()


def names() -> list[str]:
    """Every equivalent in the data file."""
    return list(_data()["equivalent"])


def quantity_of(name: str) -> str:
    """The quantity equivalent ``name`` compares: ``energy``, ``co2e`` or ``water``."""
    return QUANTITY_OF_KIND[_data()["equivalent"][name]["kind"]][0]


def car_factor(region: str) -> dict[str, Any]:
    """The car of the user's region: ``{per_unit (gCO2e/km), name, source, year, group}``."""
    data = _data()
    from ledger.impact.coefficients import zone

    key, _, _ = zone(region)
    groups = data["region_group"]
    group = groups.get(key, groups["default"])
    return {**data["car"][group], "group": group}


def factor(name: str, region: str = "World") -> tuple[float, str, str, int]:
    """The amount one unit of equivalent ``name`` stands for, in the unit of its
    quantity (Wh, gCO2e or mL): ``(value, source, unit, year)``."""
    eq = _data()["equivalent"][name]
    if eq["kind"] == "car":
        car = car_factor(region)
        return float(car["per_unit"]), f"{car['name']}: {car['source']}", str(car["unit"]), int(car["year"])
    return float(eq["per_unit"]), str(eq["source"]), str(eq["unit"]), int(eq["year"])


def fmt_number(value: float) -> str:
    """A number as people say it: ``20``, ``4.2``, ``0.42``, ``2,300`` (two
    significant figures from a thousand: an estimate claims no more)."""
    if value == 0:
        return "0"
    a = abs(value)
    if a >= 1000:
        digits = math.floor(math.log10(a)) - 1
        return f"{round(value, -digits):,.0f}"
    if a >= 9.95:
        return f"{math.floor(value + 0.5):,}"
    if a >= 1:
        return f"{value:.1f}".removesuffix(".0")
    return units.num(value, 2)


def _count(value: float, eq: dict[str, Any]) -> tuple[float, str, str, str]:
    """(value, number, unit, phrase) of a countable thing (showers, charges, bottles)."""
    singular, plural, article = eq["singular"], eq["plural"], eq.get("article", "a")
    if 0 < value < 0.95:
        pct = fmt_number(value * 100)
        number, unit = f"{pct} %", f"of {article} {singular}"
        phrase = f"{number} {unit}"
        near = min(FRACTIONS, key=lambda f: abs(value / f[0] - 1.0))
        if abs(value / near[0] - 1.0) <= 0.08:
            phrase = near[1].format(a=article, s=singular)
        return value * 100, number, unit, phrase
    number = fmt_number(value)
    unit = singular if number == "1" else plural
    return value, number, unit, f"{number} {unit}"


def _duration(hours: float, of: str) -> tuple[float, str, str, str]:
    """(value, number, unit, phrase) of a time: ``20 minutes of a 10 W LED bulb``."""
    size, one, many = DURATIONS[-1]
    for h, s, p in DURATIONS:
        if hours >= h * DURATION_UP.get(s, 1.0):
            size, one, many = h, s, p
            break
    value = hours / size
    number = fmt_number(value)
    word = one if number == "1" else many
    return value, number, f"{word} {of}", f"{number} {word} {of}"


def _distance(km: float, of: str) -> tuple[float, str, str, str]:
    """(value, number, unit, phrase) of a distance: ``800 m by car``, ``21 km by car``."""
    value, word = (km, "km") if km >= 0.95 else (km * 1000, "m")
    number = fmt_number(value)
    return value, number, f"{word} {of}", f"{number} {word} {of}"


def equivalent(name: str, amount: float, region: str = "World") -> dict[str, Any]:
    """``amount`` expressed as equivalent ``name``; the amount is in the unit of the
    quantity the equivalent compares: Wh for energy equivalents (phone, kettle,
    led), gCO2e for CO2e ones (car, streaming, flight, flight_ldn_nyc, budget),
    mL for water ones (shower, bottle, glass, teaspoon).

    Keys: ``name, quantity, compares, amount, amount_unit, value, number, unit,
    phrase, label, factor, factor_unit, source, year``; ``value`` is the number
    of ``unit`` (minutes, km, showers...), ``label`` the phrase with its quantity.
    """
    eq = _data()["equivalent"][name]
    quantity, amount_unit = QUANTITY_OF_KIND[eq["kind"]]
    per, source, factor_unit, year = factor(name, region)
    units_of = amount / per
    kind = eq.get("phrase", "count")
    if kind == "duration":
        value, number, unit, phrase = _duration(units_of, eq["of"])
    elif kind == "distance":
        value, number, unit, phrase = _distance(units_of, eq["of"])
    elif kind == "share":
        value = units_of * 100.0
        number = fmt_number(value)
        unit = f"% {eq['of']}"
        phrase = f"{number} {unit}"
    else:
        value, number, unit, phrase = _count(units_of, eq)
    word = QUANTITY_WORDS[quantity]
    label = phrase if kind == "share" else f"the {word} of {phrase}"
    base = {"energy": "Wh", "co2e": "g", "water": "mL"}[quantity]
    compares = f"{units.qty(amount, base)} {'CO2e' if quantity == 'co2e' else 'of ' + word}"
    return {
        "name": name,
        "quantity": quantity,
        "compares": compares,
        "amount": amount,
        "amount_unit": amount_unit,
        "value": value,
        "number": number,
        "unit": unit,
        "phrase": phrase,
        "label": label,
        "factor": per,
        "factor_unit": factor_unit,
        "source": source,
        "year": year,
    }


def all_equivalents(
    co2e_g: float, water_ml: float | None, region: str = "World", *, energy_wh: float | None = None
) -> list[dict[str, Any]]:
    """Every equivalent of the amounts given, each against its own quantity."""
    out = [equivalent(n, co2e_g, region) for n in (*CO2E_ORDER, "budget")]
    if energy_wh is not None:
        out += [equivalent(n, energy_wh, region) for n in ENERGY_ORDER]
    if water_ml is not None:
        out += [equivalent(n, water_ml, region) for n in WATER_ORDER]
    return out


def _distance_from_nice(value: float) -> float:
    """How far ``value`` is from the readable range, in decades (0 inside it)."""
    if value <= 0:
        return math.inf
    lo, hi = NICE
    if lo <= value <= hi:
        return 0.0
    return math.log10(lo / value) if value < lo else math.log10(value / hi)


def _readable(e: dict[str, Any]) -> tuple[float, bool]:
    """How well an item reads: its distance from the readable range, then whether
    it is well under one unit ("61 % of a shower" reads worse than "78 bottles";
    "80 % of a glass" reads as well as "40 teaspoons")."""
    value = float(e["value"])
    if e["number"].endswith("%") and e["name"] != "budget":
        value /= 100.0
    return _distance_from_nice(value), value < 0.75


def _best(names: tuple[str, ...], amount: float, region: str) -> dict[str, Any] | None:
    best: tuple[tuple[float, bool], int] | None = None
    pick = None
    for i, name in enumerate(names):
        e = equivalent(name, amount, region)
        score = (_readable(e), i)
        if best is None or score < best:
            best, pick = score, e
    return pick


def pick_equivalents(
    co2e_g: float,
    water_ml: float | None = None,
    region: str = "World",
    *,
    energy_wh: float | None = None,
    limit: int = 2,
) -> list[dict[str, Any]]:
    """The most telling equivalents of each amount given, at most ``limit``:
    the best CO2e one (past 1 % of a 1.5 °C annual budget, 25 kg, the budget
    share), then the best energy one when ``energy_wh`` is given, then the best
    water one when ``water_ml`` is given; free places go to a second CO2e one.
    Each item as :func:`equivalent` returns it."""
    co2e_g = co2e_g or 0.0
    picks: list[dict[str, Any]] = []
    seconds: tuple[str, ...] = ()
    if co2e_g > 0:
        budget = equivalent("budget", co2e_g, region)
        if budget["value"] >= 1.0:
            picks.append(budget)
            seconds = ("flight_ldn_nyc", "flight", "car")
        else:
            first = _best(CO2E_ORDER, co2e_g, region)
            assert first is not None
            picks.append(first)
            seconds = tuple(n for n in CO2E_ORDER if n != first["name"])
    if energy_wh is not None and energy_wh > 0:
        e = _best(ENERGY_ORDER, energy_wh, region)
        if e is not None:
            picks.append(e)
    if water_ml is not None and water_ml > 0:
        w = _best(WATER_ORDER, water_ml, region)
        if w is not None:
            picks.append(w)
    if len(picks) < limit and seconds:
        second = _best(seconds, co2e_g, region)
        if second is not None:
            picks.insert(1, second)
    return picks[:limit]
