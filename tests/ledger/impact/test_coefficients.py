"""Coefficients: linearity, known end-to-end values, settings (region, basis, override, training)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.impact import Settings, coefficients, impacts_for
from ledger.impact.coefficients import METRICS
from ledger.vocab import COUNT_FIELDS

counts_st = st.fixed_dictionaries({f: st.integers(min_value=0, max_value=2_000_000) for f in COUNT_FIELDS})


@settings(max_examples=60, deadline=None)
@given(st.lists(counts_st, min_size=1, max_size=12),
       st.sampled_from(["claude-sonnet-4-5", "gpt-5", "llama3.1:8b", "mystery-model", "gemini-2.5-flash"]),
       st.booleans())
def test_impact_of_an_aggregate_equals_the_sum_of_per_event_impacts(
    events: list[dict[str, int]], model: str, training: bool
) -> None:
    s = Settings(include_training=training)
    total = {f: sum(e[f] for e in events) for f in COUNT_FIELDS}
    agg = impacts_for(model, total, s, "llm")
    per_event = [impacts_for(model, e, s, "llm") for e in events]
    for metric, value in agg.items():
        if metric == "cost_usd_estimated":
            if value is not None:
                assert value == pytest.approx(sum(p[metric] for p in per_event), rel=1e-9)
            continue
        for end in ("low", "central", "high"):
            assert value[end] == pytest.approx(sum(p[metric][end] for p in per_event), rel=1e-9, abs=1e-12)


def test_zero_counts_give_zero() -> None:
    imp = impacts_for("claude-sonnet-4-5", {}, Settings())
    for m in METRICS:
        assert imp[m] == {"low": 0.0, "central": 0.0, "high": 0.0}
    assert imp["cost_usd_estimated"] == 0.0


def test_known_value_of_one_output_token_end_to_end() -> None:
    """claude-sonnet-4-5 (440 B total, 44-132 B active) on the US grid, central values by hand."""
    active = math.sqrt(44 * 132)  # 76.21 B
    p_eff = active + 0.10 * (440 - active)
    accel_j = 2 * p_eff * 1e9 * 7.08e-13 / 0.10
    pue = math.sqrt(1.09 * 1.14)
    energy_wh = accel_j * (1 + 0.43 + 0.17) * pue / 3600
    embodied = accel_j / 700 / 3600 * (1 + 0.17) * 26.6
    co2e = energy_wh * 384 / 1000 + embodied
    wue = math.sqrt(0.13 * 0.999)
    water = accel_j * 1.6 / 3600 * wue + energy_wh * 3.1
    imp = impacts_for("claude-sonnet-4-5", {"output_tokens": 1}, Settings())
    assert imp["energy_wh"]["central"] == pytest.approx(energy_wh, rel=1e-9)
    assert imp["energy_wh"]["central"] == pytest.approx(7.90e-4, rel=2e-3)  # 0.79 mWh per output token
    assert imp["co2e_g"]["central"] == pytest.approx(co2e, rel=1e-9)
    assert imp["water_ml"]["central"] == pytest.approx(water, rel=1e-9)
    assert imp["cost_usd_estimated"] == pytest.approx(15.0 / 1e6)


def test_bucket_weights_relative_to_an_output_token() -> None:
    c = coefficients("claude-sonnet-4-5", Settings())
    e = {f: c.per_unit["energy_wh"][f].central for f in COUNT_FIELDS}
    out = e["output_tokens"]
    assert e["reasoning_tokens"] == out
    assert e["input_tokens"] / out == pytest.approx(0.10 / 0.40 + 0.03)  # u_decode/u_prefill + context
    assert e["cache_write_tokens"] / out == pytest.approx(0.25 * 1.25 + 0.03)
    assert e["cache_read_tokens"] / out == pytest.approx(0.03)
    assert e["requests"] == pytest.approx(0.002 * math.sqrt(1.09 * 1.14))


def test_every_range_is_ordered_and_central_inside() -> None:
    for model in ("claude-opus-4-5", "gpt-4o-mini", "llama3.1:8b", "deepseek-v3", "unknown-x"):
        c = coefficients(model, Settings(include_training=True), "llm")
        for metric, per in c.per_unit.items():
            for f, r in per.items():
                assert 0 <= r.low <= r.central <= r.high, (model, metric, f)


def test_water_is_onsite_plus_offsite() -> None:
    imp = impacts_for("gpt-5", {"input_tokens": 1000, "output_tokens": 300}, Settings())
    for end in ("low", "central", "high"):
        assert imp["water_ml"][end] == pytest.approx(imp["water_onsite_ml"][end] + imp["water_offsite_ml"][end])


def test_grid_region_override_scales_operational_co2e() -> None:
    counts = {"output_tokens": 1000}
    us = coefficients("gpt-5", Settings())
    fr = coefficients("gpt-5", Settings(grid_region="FR"))
    assert us.context["zone"] == "US" and fr.context["zone"] == "FR"
    op_us = impacts_for("gpt-5", counts, Settings())["co2e_g"]["central"] - impacts_for("gpt-5", counts, Settings())["co2e_embodied_g"]["central"]
    op_fr = impacts_for("gpt-5", counts, Settings(grid_region="FR"))["co2e_g"]["central"] - impacts_for("gpt-5", counts, Settings(grid_region="FR"))["co2e_embodied_g"]["central"]
    assert op_fr / op_us == pytest.approx(44 / 384)


def test_intensity_override_applies_to_every_model() -> None:
    s = Settings(grid_intensity_g_per_kwh=0.0)
    imp = impacts_for("claude-sonnet-4-5", {"output_tokens": 1000}, s)
    assert imp["co2e_g"]["central"] == pytest.approx(imp["co2e_embodied_g"]["central"])
    assert coefficients("claude-sonnet-4-5", s).context["basis"] == "override"


def test_market_basis_used_where_disclosed_and_never_silently_mixed() -> None:
    g = coefficients("gemini-2.5-flash", Settings(basis="market"))
    assert g.context["basis"] == "market"
    assert g.context["intensity_g_per_kwh"].central == 125
    a = coefficients("claude-sonnet-4-5", Settings(basis="market"))
    assert a.context["basis"] == "location"
    assert any("no market-based factor" in w for w in a.warnings)


def test_local_model_uses_the_users_grid_and_no_datacentre_overheads() -> None:
    fr = coefficients("llama3.1:8b", Settings(user_region="FR"), "llm")
    pl = coefficients("llama3.1:8b", Settings(user_region="PL"), "llm")
    assert fr.context["zone"] == "FR" and pl.context["zone"] == "PL"
    assert fr.context["pue"].central == 1.0
    assert fr.per_unit["water_onsite_ml"]["output_tokens"].high == 0.0
    assert fr.per_unit["energy_wh"]["requests"].high == 0.0
    # the grid.region setting is about data centres: it does not move a local model
    assert coefficients("llama3.1:8b", Settings(user_region="FR", grid_region="PL"), "llm").context["zone"] == "FR"
    # batch-1 decode at home costs more per token than the same model in a data centre
    cloud = coefficients("llama-3.1-8b", Settings())
    assert fr.per_unit["energy_wh"]["output_tokens"].central > 2 * cloud.per_unit["energy_wh"]["output_tokens"].central


def test_unknown_region_falls_back_to_world_with_a_warning() -> None:
    c = coefficients("gpt-5", Settings(grid_region="Atlantis"))
    assert c.context["zone"] == "World"
    assert any("Atlantis" in w for w in c.warnings)


def test_training_is_off_by_default_and_a_separate_line_on_generated_tokens() -> None:
    counts = {"input_tokens": 1000, "output_tokens": 100}
    off = impacts_for("llama-3.3-70b", counts, Settings())
    on = impacts_for("llama-3.3-70b", counts, Settings(include_training=True))
    assert "co2e_training_g" not in off
    assert on["co2e_g"] == off["co2e_g"]  # never folded into the headline
    only_input = impacts_for("llama-3.3-70b", {"input_tokens": 1000}, Settings(include_training=True))
    assert only_input["co2e_training_g"]["high"] == 0.0
    # Llama 3.3 70B: Meta's disclosed 2,040 tCO2e over 1e13 generated tokens (central) = 0.204 mg per token
    assert on["co2e_training_g"]["central"] == pytest.approx(2040e6 / 1e13 * 100)


def test_coefficients_are_cached_per_model_and_settings() -> None:
    assert coefficients("gpt-5", Settings()) is coefficients("gpt-5", Settings())
    assert coefficients("gpt-5", Settings()) is not coefficients("gpt-5", Settings(basis="market"))


def test_vector_is_in_count_field_order() -> None:
    c = coefficients("gpt-5", Settings())
    v = c.vector("energy_wh")
    assert len(v) == len(COUNT_FIELDS)
    assert v[COUNT_FIELDS.index("output_tokens")] == c.per_unit["energy_wh"]["output_tokens"].central


def test_settings_from_config() -> None:
    s = Settings.from_config({"user.region": "FR", "grid.region": "auto", "grid.intensity_g_per_kwh": None,
                              "grid.basis": "market", "impact.include_training": True, "budget.monthly_kg": 3})
    assert s == Settings(user_region="FR", basis="market", include_training=True)
    assert Settings.from_config({}) == Settings()
    with pytest.raises(ValueError):
        Settings(basis="both")


def test_vectors_reproduce_apply() -> None:
    c = coefficients("claude-sonnet-4-5", Settings())
    counts = {"input_tokens": 10, "cache_write_tokens": 20, "cache_read_tokens": 30_000, "output_tokens": 40,
              "reasoning_tokens": 50, "requests": 3}
    applied = c.apply(counts)
    for metric, ends in c.vectors.items():
        for end, vec in ends.items():
            assert sum(v * counts[f] for v, f in zip(vec, COUNT_FIELDS, strict=True)) == pytest.approx(applied[metric][end])
