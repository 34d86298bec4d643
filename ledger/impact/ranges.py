"""Low / central / high ranges and the arithmetic that carries them.

Standard library only. Every quantity of the methodology is a :class:`Range` of
non-negative numbers; ``low`` is the end that gives the smallest impact.

- A product multiplies the central values and combines the spreads in
  quadrature on a log scale: ``ln(high/central)`` of the result is the
  root-sum-square of the factors' ``ln(high/central)`` (likewise for low). The
  factors are independent uncertainties, each range read as a plausible
  interval; stacking every extreme at once (plain interval arithmetic) would
  claim a 1-in-a-million coincidence as the bound. An exact factor (low ==
  high) adds no spread; a factor whose low end is 0 makes the low end 0.
- A sum adds the ends (low with low): the parts of one impact are treated as
  fully correlated, which is the cautious choice.
- A divisor swaps its ends, so ``1 / utilisation`` is lowest when the
  utilisation is highest.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple


class Range(NamedTuple):
    """Three values of one quantity, ``low <= central <= high``."""

    low: float
    central: float
    high: float

    @classmethod
    def of(cls, value: Any) -> Range:
        """A range from a number, a ``[low, high]`` / ``[low, central, high]`` list or a
        mapping with ``low``/``central``/``high`` (or ``value``).

        A two-value range gets the geometric mean as its central value (the
        parameters it is used for are ratios spread over a factor of a few).
        """
        if isinstance(value, Range):
            return value
        if isinstance(value, bool):
            raise TypeError(f"not a number: {value!r}")
        if isinstance(value, int | float):
            v = float(value)
            return cls(v, v, v)
        if isinstance(value, Mapping):
            if "value" in value:
                return cls.of(value["value"])
            low = float(value["low"])
            high = float(value["high"])
            central = float(value["central"]) if "central" in value else geomean(low, high)
            return cls(low, central, high).checked()
        if isinstance(value, list | tuple):
            if len(value) == 2:
                low, high = float(value[0]), float(value[1])
                return cls(low, geomean(low, high), high).checked()
            if len(value) == 3:
                return cls(*(float(v) for v in value)).checked()
        raise TypeError(f"not a range: {value!r}")

    def checked(self) -> Range:
        if not (0 <= self.low <= self.central <= self.high):
            raise ValueError(f"range out of order or negative: {tuple(self)}")
        return self

    def __add__(self, other: object) -> Range:  # type: ignore[override]
        o = _as_range(other)
        return Range(self.low + o.low, self.central + o.central, self.high + o.high)

    def __radd__(self, other: object) -> Range:
        return self.__add__(other)

    def __mul__(self, other: object) -> Range:  # type: ignore[override]
        o = _as_range(other)
        return _product(self, o)

    def __rmul__(self, other: object) -> Range:
        return self.__mul__(other)

    def __truediv__(self, other: object) -> Range:
        """Divide; the divisor's ends swap (its high end gives the low result)."""
        return _product(self, _as_range(other).inverse())

    def inverse(self) -> Range:
        if self.low <= 0:
            raise ZeroDivisionError(f"cannot invert a range reaching 0: {tuple(self)}")
        return Range(1.0 / self.high, 1.0 / self.central, 1.0 / self.low)

    @property
    def spread(self) -> float:
        """``high / low`` (inf when low is 0)."""
        return math.inf if self.low == 0 else self.high / self.low

    def as_dict(self) -> dict[str, float]:
        return {"low": self.low, "central": self.central, "high": self.high}


ZERO = Range(0.0, 0.0, 0.0)
ONE = Range(1.0, 1.0, 1.0)


def _as_range(value: object) -> Range:
    if isinstance(value, Range):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Range(float(value), float(value), float(value))
    return NotImplemented  # type: ignore[no-any-return]


def _log_spread(central: float, end: float) -> float:
    """``|ln(end / central)|``; inf when ``end`` is 0 and ``central`` is not."""
    if end == central:
        return 0.0
    if end <= 0:
        return math.inf
    return abs(math.log(end / central))


def _product(a: Range, b: Range) -> Range:
    """``a * b``: central values multiplied, log spreads combined in quadrature."""
    if a.central == 0 or b.central == 0:
        return Range(a.low * b.low, a.central * b.central, a.high * b.high)
    central = a.central * b.central
    down = math.hypot(_log_spread(a.central, a.low), _log_spread(b.central, b.low))
    up = math.hypot(_log_spread(a.central, a.high), _log_spread(b.central, b.high))
    low = 0.0 if math.isinf(down) else central * math.exp(-down)
    high = math.inf if math.isinf(up) else central * math.exp(up)
    return Range(low, central, high)


def geomean(low: float, high: float) -> float:
    """Geometric mean of two non-negative numbers (arithmetic when one is zero)."""
    if low <= 0 or high <= 0:
        return (low + high) / 2
    return math.sqrt(low * high)


def rsum(ranges: Iterable[Range]) -> Range:
    total = ZERO
    for r in ranges:
        total = total + r
    return total
