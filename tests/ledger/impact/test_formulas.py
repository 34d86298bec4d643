"""A known value for every formula of ledger.impact.formulas (exact inputs, hand-computed results)."""

from __future__ import annotations

import pytest

from ledger.impact import formulas as fm
from ledger.impact.ranges import Range


def R(x: float) -> Range:
    return Range.of(x)


def test_effective_params_dense_and_moe() -> None:
    assert fm.effective_params_b(R(123), R(123), R(0.1)) == R(123)
    # 440 B total, 76 B active, k = 0.1: 76 + 0.1 x 364 = 112.4
    assert fm.effective_params_b(R(440), R(76), R(0.1)).central == pytest.approx(112.4)


def test_token_accel_j_epoch_case() -> None:
    # Epoch AI: 100 B active on H100 (700 W / 989 TFLOP/s) at 10 % utilisation
    e = fm.token_accel_j(R(100), R(700 / 989e12), R(0.10))
    assert e.central == pytest.approx(2 * 100e9 * 700 / 989e12 / 0.10)
    assert e.central == pytest.approx(1.4156, rel=1e-4)  # J per output token


def test_bucket_accel_j_weights() -> None:
    d, p = R(1.0), R(0.25)
    b = fm.bucket_accel_j(d, p, R(0.03), R(0.25))
    assert b["output_tokens"] == R(1.0)
    assert b["reasoning_tokens"] == R(1.0)
    assert b["input_tokens"].central == pytest.approx(0.25 + 0.03)
    assert b["cache_write_tokens"].central == pytest.approx(0.25 * 1.25 + 0.03)
    assert b["cache_read_tokens"].central == pytest.approx(0.03)


def test_it_and_facility_energy() -> None:
    # Google's split: accelerators 58 %, host 25 %, idle 10 %, PUE 1.09
    it = fm.it_energy_j(R(0.58), R(25 / 58), R(10 / 58))
    assert it.central == pytest.approx(0.93)
    assert fm.facility_energy_j(it, R(1.09)).central == pytest.approx(0.93 * 1.09)


def test_j_to_wh() -> None:
    assert fm.j_to_wh(R(3600)).central == 1.0


def test_operational_co2e() -> None:
    # 1 Wh on the 2024 US grid (384 g/kWh) = 0.384 g
    assert fm.operational_co2e_g(R(1.0), R(384)).central == pytest.approx(0.384)


def test_embodied_co2e() -> None:
    # 700 W for one hour = 2.52 MJ; 26.6 g per accelerator-hour, 17 % idle on top
    e = fm.embodied_co2e_g(R(700 * 3600), R(700), R(26.6), R(0.17))
    assert e.central == pytest.approx(26.6 * 1.17)


def test_water() -> None:
    # WUE 0.30 L/kWh on 2 Wh of IT energy = 0.6 mL; 3.1 L/kWh off-site on 2.36 Wh = 7.316 mL
    assert fm.water_onsite_ml(R(2.0), R(0.30)).central == pytest.approx(0.6)
    assert fm.water_offsite_ml(R(2.36), R(3.1)).central == pytest.approx(7.316)


def test_training_from_flops_matches_meta_utilisation() -> None:
    # Llama 3.1 70B: 6 x 70 B x 15 T tokens at 25 % of 989 TFLOP/s on 700 W ~ 7.0 M H100-hours
    j = fm.training_accel_j(R(70), R(15e12), R(700 / 989e12), R(0.2526))
    hours = j.central / 700 / 3600
    assert hours == pytest.approx(7.0e6, rel=0.01)


def test_gpu_hours_and_amortised() -> None:
    j = fm.gpu_hours_accel_j(R(1.0), R(700))
    assert j.central == 700 * 3600
    assert fm.amortised(R(1e12), R(1e14)).central == pytest.approx(0.01)
    a = fm.amortised(R(10), Range(1, 10, 100))  # divisor: its high end gives the low result
    assert a.high > a.central > a.low


def test_cost_usd() -> None:
    assert fm.cost_usd(15.0, 2_000_000) == 30.0
