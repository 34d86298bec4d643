"""Numbers for people (``ledger.units``), the one rule of the dashboard, the export,
the ``report`` table and ``estimate``: pinned strings."""

from __future__ import annotations

import pytest

from ledger import units


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (9770, "g", "9.77 kg"),
        (2700, "g", "2.70 kg"),  # significant zeros kept
        (0.5, "g", "500 mg"),
        (0.0, "g", "0 g"),  # zero stays in the base unit
        (4.2e9, "g", "4,200 t"),  # never scientific notation
        (1650, "Wh", "1.65 kWh"),
        (2.5e6, "mL", "2.50 m³"),
        (9.9996, "g", "10.0 g"),  # rounding up keeps three digits
        (-12.34, "g", "-12.3 g"),
        (3.0, "requests", "3.00 requests"),  # no scale: digits only
    ],
)
def test_qty(value: float, unit: str, text: str) -> None:
    assert units.qty(value, unit) == text


def test_num_and_scale_for() -> None:
    assert units.num(0) == "0" and units.num(0.0123) == "0.0123" and units.num(434.4) == "434"
    assert units.num(12345.6) == "12,346" and units.num(8.2775, 2) == "8.3"
    assert units.scale_for(9770, "g") == (1e3, "kg") and units.scale_for(0, "g") == (1.0, "g")
    assert units.scale_for(5, "tokens") == (1.0, "tokens")


def test_range_in_the_unit_of_its_central_value() -> None:
    assert units.rng({"low": 2400, "central": 9770, "high": 40000}, "g") == "2.4–40 kg"
    assert units.rng({"low": 101, "central": 411, "high": 1650}, "Wh") == "101–1,650 Wh"
    assert units.rng({"low": 308, "central": 1460, "high": 6240}, "mL") == "0.31–6.2 L"


def test_counts_compact_from_a_thousand() -> None:
    assert [units.count(n) for n in (12, 999, 1000, 6846, 487_000_000, 9_000_480, 1.5e9, 2e12)] == [
        "12", "999", "1.00 k", "6.85 k", "487 M", "9.00 M", "1.50 B", "2.00 T",
    ]


def test_shares_and_changes() -> None:
    assert [units.share(s) for s in (0.4, 0.081, 0.0004, 0.0, 0.996, 0.039)] == [
        "40 %", "8.1 %", "<0.1 %", "0 %", "100 %", "3.9 %",
    ]
    assert [units.change(r) for r in (0.16, -0.13, 0.004, 0.0, 1.58)] == [
        "+16 %", "-13 %", "+0.4 %", "+0 %", "+158 %",
    ]

