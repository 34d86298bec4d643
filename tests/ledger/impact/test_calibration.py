"""Calibration against published disclosures, each on its own boundary (factors.md s.1-2).

Acceptance: our central estimate within a factor 2 of the disclosure, and the
disclosure inside our low-high range. The values are pinned so a change of
factor shows up here first.
"""

from __future__ import annotations

import pytest

from ledger.impact.calibration import cases, run_all, run_case

ACCEPTED = [c for c in cases() if c.get("acceptance")]


@pytest.mark.parametrize("case", ACCEPTED, ids=lambda c: c["key"])
def test_central_within_factor_two_and_disclosure_inside_range(case: dict) -> None:
    r = run_case(case)
    assert 0.5 <= r.ratio <= 2.0, f"{r.name}: ours {r.ours.central:.3g} vs {r.disclosed:g} {r.unit}"
    assert r.inside, f"{r.name}: {r.disclosed:g} outside {r.ours.low:.3g}-{r.ours.high:.3g}"


def test_the_four_disclosures_of_the_issue_are_pinned() -> None:
    keys = {c["key"] for c in ACCEPTED}
    assert {"google", "openai", "epoch", "mistral-co2e", "mistral-water"} <= keys


@pytest.mark.parametrize(
    ("key", "low", "central", "high"),
    [
        ("google", 0.0901, 0.320, 1.01),  # Wh
        ("openai", 0.128, 0.454, 1.44),  # Wh
        ("epoch", 0.107, 0.382, 1.18),  # Wh
        ("mistral-co2e", 0.0462, 0.799, 6.02),  # gCO2e
        ("mistral-water", 2.34, 45.1, 349.0),  # mL
        ("mlenergy", 0.0491, 0.114, 0.283),  # J per output token, GPU only
    ],
)
def test_pinned_calibration_values(key: str, low: float, central: float, high: float) -> None:
    r = {x.key: x for x in run_all()}[key]
    assert r.ours.low == pytest.approx(low, rel=5e-3)
    assert r.ours.central == pytest.approx(central, rel=5e-3)
    assert r.ours.high == pytest.approx(high, rel=5e-3)


def test_epoch_boundary_excludes_idle_and_uses_pue_1_2() -> None:
    epoch = {x.key: x for x in run_all()}["epoch"]
    openai_full = run_case({**epoch.case, "overrides": {}})
    # removing idle (0.17 of accelerator energy) and PUE 1.18 -> 1.2
    assert epoch.ours.central / openai_full.ours.central == pytest.approx(1.43 / 1.60 * 1.2 / 1.18, rel=1e-3)
