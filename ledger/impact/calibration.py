"""Calibration: our estimates against published disclosures, boundary matched.

Standard library only. The cases live in ``data/calibration.toml``; each names
a model, a token shape, the metric (a sum of impact lines such as
``co2e_g+co2e_training_g``), the disclosed value, and factor overrides or
settings that put our estimate on the discloser's boundary.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ledger.impact import loading
from ledger.impact.coefficients import compute
from ledger.impact.models import resolve_model
from ledger.impact.ranges import Range
from ledger.impact.settings import Settings


@dataclass(frozen=True)
class CalibrationResult:
    key: str
    name: str
    metric: str
    unit: str
    disclosed: float
    ours: Range
    acceptance: bool
    case: dict[str, Any]

    @property
    def ratio(self) -> float:
        """Our central value over the disclosed one."""
        return self.ours.central / self.disclosed

    @property
    def inside(self) -> bool:
        return self.ours.low <= self.disclosed <= self.ours.high

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "metric": self.metric, "unit": self.unit,
                "disclosed": self.disclosed, "ours": self.ours.as_dict(), "ratio": self.ratio,
                "inside": self.inside, "acceptance": self.acceptance,
                "boundary": self.case.get("boundary", ""), "shape": self.case.get("shape", ""),
                "source": self.case.get("source", "")}


def cases() -> list[dict[str, Any]]:
    return list(loading.load("calibration")["case"])


def run_case(case: dict[str, Any], base: Settings | None = None) -> CalibrationResult:
    """Our estimate for one calibration case, on the case's boundary."""
    settings = replace(base or Settings(), **case.get("settings", {}))
    entry = resolve_model(case["model"])
    overrides = {k: Range.of(v) for k, v in case.get("overrides", {}).items()}
    coeffs = compute(entry, settings, overrides=overrides)
    if case["metric"] == "decode_accel_j":
        ours = coeffs.context["decode_accel_j_per_token"]
    else:
        impacts = coeffs.apply(case["counts"])
        ours = Range(0.0, 0.0, 0.0)
        for part in case["metric"].split("+"):
            d = impacts[part]
            ours = ours + Range(d["low"], d["central"], d["high"])
    return CalibrationResult(
        key=case["key"], name=case["name"], metric=case["metric"], unit=case["unit"],
        disclosed=float(case["value"]), ours=ours, acceptance=bool(case.get("acceptance")), case=case,
    )


def run_all(base: Settings | None = None) -> list[CalibrationResult]:
    return [run_case(c, base) for c in cases()]
