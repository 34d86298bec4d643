"""Range arithmetic: known values for construction, products, quotients and sums."""

from __future__ import annotations

import math

import pytest

from ledger.impact.ranges import Range, geomean, rsum


def test_of_number_list_and_mapping() -> None:
    assert Range.of(3) == Range(3.0, 3.0, 3.0)
    assert Range.of([2, 8]) == Range(2.0, 4.0, 8.0)  # geometric mean as central
    assert Range.of([1, 2, 5]) == Range(1.0, 2.0, 5.0)
    assert Range.of({"low": 1, "central": 3, "high": 4}) == Range(1.0, 3.0, 4.0)
    assert Range.of({"low": 1, "high": 9}) == Range(1.0, 3.0, 9.0)
    assert Range.of({"value": 1.09}) == Range(1.09, 1.09, 1.09)


@pytest.mark.parametrize("bad", [[3, 1], [1, 5, 2], {"low": -1, "high": 1}, True, "x", [1]])
def test_of_rejects_bad_ranges(bad: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        Range.of(bad)


def test_exact_factors_multiply_exactly() -> None:
    assert Range(1.0, 2.0, 4.0) * 3.0 == Range(3.0, 6.0, 12.0)
    assert Range(2.0, 2.0, 2.0) * Range(3.0, 3.0, 3.0) == Range(6.0, 6.0, 6.0)


def test_product_combines_log_spreads_in_quadrature() -> None:
    r = Range(1.0, 2.0, 4.0) * Range(1.0, 2.0, 4.0)
    spread = math.log(2) * math.sqrt(2)  # hypot(ln 2, ln 2)
    assert r.central == 4.0
    assert r.low == pytest.approx(4.0 * math.exp(-spread))  # 1.50, not 1.0 (plain intervals)
    assert r.high == pytest.approx(4.0 * math.exp(spread))  # 10.66, not 16
    assert r.low == pytest.approx(1.50086, rel=1e-4)
    assert r.high == pytest.approx(10.6606, rel=1e-4)


def test_low_end_zero_propagates() -> None:
    r = Range(0.0, 0.1, 0.2) * Range(10.0, 20.0, 40.0)
    assert r.low == 0.0
    assert r.central == pytest.approx(2.0)
    assert r.high == pytest.approx(2.0 * math.exp(math.hypot(math.log(2), math.log(2))))


def test_divisor_swaps_ends() -> None:
    u = Range(0.05, 0.10, 0.20)
    r = Range.of(1.0) / u
    assert r == pytest.approx(Range(5.0, 10.0, 20.0))
    assert u.inverse() == pytest.approx(Range(5.0, 10.0, 20.0))


def test_sum_adds_ends() -> None:
    assert Range(1, 2, 3) + Range(10, 20, 30) == Range(11, 22, 33)
    assert rsum([Range(1, 1, 1), Range(0, 1, 2), Range(2, 3, 5)]) == Range(3, 5, 8)
    assert sum([Range(1, 2, 3), Range(1, 2, 3)]) == Range(2, 4, 6)


def test_geomean() -> None:
    assert geomean(44, 132) == pytest.approx(76.21, rel=1e-4)
    assert geomean(0, 4) == 2.0
