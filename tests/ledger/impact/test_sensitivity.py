"""Sensitivity: what a coding agent's context costs, and what reasoning costs.

EcoLogits counts output tokens only (its issue #183), so a 100,000-token cached
context adds nothing there. Here it must add clearly, fresh input must cost
clearly more than cached input, and a reasoning model must cost far more per
visible answer than a small model. The ratios are pinned.
"""

from __future__ import annotations

import pytest

from ledger.impact import Settings, impacts_for
from ledger.impact.describe import sensitivity_rows

S = Settings()
ANSWER = {"output_tokens": 500, "requests": 1}


def energy(model: str, counts: dict[str, int]) -> float:
    return float(impacts_for(model, counts, S)["energy_wh"]["central"])


def test_cached_context_costs_clearly_more_than_none() -> None:
    base = energy("claude-sonnet-4-5", ANSWER)
    cached = energy("claude-sonnet-4-5", {**ANSWER, "cache_read_tokens": 100_000})
    assert cached / base == pytest.approx(6.97, rel=0.01)  # 1 + 100,000 x 0.03 / (500 + request overhead)
    assert cached > 3 * base


def test_fresh_input_costs_clearly_more_than_cached() -> None:
    cached = energy("claude-sonnet-4-5", {**ANSWER, "cache_read_tokens": 100_000})
    fresh = energy("claude-sonnet-4-5", {**ANSWER, "input_tokens": 100_000})
    assert fresh / cached == pytest.approx(8.14, rel=0.01)
    assert fresh > 5 * cached


def test_ordering_holds_at_every_end_of_the_range() -> None:
    for end in ("low", "central", "high"):
        none = impacts_for("claude-sonnet-4-5", ANSWER, S)["energy_wh"][end]
        cached = impacts_for("claude-sonnet-4-5", {**ANSWER, "cache_read_tokens": 100_000}, S)["energy_wh"][end]
        fresh = impacts_for("claude-sonnet-4-5", {**ANSWER, "input_tokens": 100_000}, S)["energy_wh"][end]
        assert none < cached < fresh, end


def test_cache_write_costs_more_than_fresh_input() -> None:
    fresh = energy("claude-sonnet-4-5", {"input_tokens": 100_000})
    write = energy("claude-sonnet-4-5", {"cache_write_tokens": 100_000})
    assert write / fresh == pytest.approx((0.25 * 1.25 + 0.03) / (0.25 + 0.03))


def test_reasoning_model_costs_far_more_per_visible_answer_than_a_small_model() -> None:
    small = energy("gpt-4o-mini", {"input_tokens": 500, "output_tokens": 500, "requests": 1})
    reasoning = energy("o3", {"input_tokens": 500, "output_tokens": 500, "reasoning_tokens": 4000, "requests": 1})
    assert reasoning / small == pytest.approx(52.8, rel=0.01)
    assert reasoning > 20 * small


def test_reasoning_tokens_cost_like_output_tokens() -> None:
    assert energy("o3", {"reasoning_tokens": 1000}) == energy("o3", {"output_tokens": 1000})


def test_bigger_models_cost_more_per_token() -> None:
    order = ["claude-haiku-4-5", "claude-sonnet-4-5", "claude-opus-4-5"]
    values = [energy(m, ANSWER) for m in order]
    assert values == sorted(values)


def test_sensitivity_table_matches() -> None:
    rows = sensitivity_rows(S)
    assert [r["label"] for r in rows][:3] == ["answer only", "+ 100k cached context", "+ 100k fresh input"]
