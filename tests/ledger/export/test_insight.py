"""What an export says beyond the numbers: smaller models and a cleaner grid, the
sources of every factor used, unknown models. Uses the real methodology on groups
shaped like the export's (impacts attached per group, linear in the counts)."""

from __future__ import annotations

from typing import Any

import pytest

from ledger.export import insight
from ledger.export.document import default_settings

impact = pytest.importorskip("ledger.impact")


def group(client: str, model: str, **counts: int) -> dict[str, Any]:
    g: dict[str, Any] = {"key": "2026-10-01", "client": client, "model": model, "project": None,
                         "input_tokens": 0, "cache_write_tokens": 0, "cache_read_tokens": 0,
                         "output_tokens": 0, "reasoning_tokens": 0, "requests": 1, "cost_usd": 0.0}
    g.update(counts)
    s = impact.Settings.from_config(default_settings())
    g.update({k: v for k, v in impact.impacts_for(model, g, s, client).items() if k in ("energy_wh", "co2e_g", "water_ml")})
    return g


GROUPS = [
    group("claude-code", "claude-sonnet-4-5-20250929", input_tokens=2000, cache_read_tokens=900_000,
          output_tokens=40_000, requests=30),
    group("codex", "gpt-5-codex", input_tokens=50_000, cache_read_tokens=400_000, output_tokens=20_000,
          reasoning_tokens=30_000, requests=20),
    group("manual", "acme-mystery-7b", input_tokens=1000, output_tokens=500, requests=2),
]


def test_shrink_offers_the_smaller_sibling_and_the_cleanest_grid() -> None:
    out = insight.shrink(GROUPS, default_settings())
    models = [s for s in out if s["kind"] == "model"]
    assert [(s["model"], s["alternative"]) for s in models] == [
        ("claude-sonnet-4-5-20250929", "claude-haiku-4-5"), ("gpt-5-codex", "gpt-5-mini"),
    ]
    settings = impact.Settings.from_config(default_settings())
    for s in models:
        assert s["alternative"] == impact.smaller_sibling(s["model"], s["client"])
        g = next(g for g in GROUPS if g["model"] == s["model"])
        expected = impact.impacts_for(s["alternative"], g, settings, s["client"])["co2e_g"]["central"]
        assert s["alternative_co2e_g"] == pytest.approx(expected)
        assert 0 < s["alternative_co2e_g"] < s["co2e_g"]
        assert s["saving_co2e_g"] == pytest.approx(s["co2e_g"] - s["alternative_co2e_g"])
        assert f"`{s['alternative']}`" in s["text"]
    grid = [s for s in out if s["kind"] == "grid"]
    assert len(grid) == 1 and grid[0]["zone"] == impact.low_carbon_zone() == "NO"
    assert 0 < grid[0]["alternative_co2e_g"] < grid[0]["co2e_g"]
    assert "grid of Norway (31 gCO2e/kWh)" in grid[0]["text"]
    # Already on the cleanest grid, or with a fixed intensity: no grid suggestion.
    fixed = insight.shrink(GROUPS, {**default_settings(), "grid.intensity_g_per_kwh": 30.0})
    assert not [s for s in fixed if s["kind"] == "grid"]


def test_sources_name_every_factor_zone_and_model_used() -> None:
    out = insight.sources(GROUPS, default_settings(), {})
    kinds = {s["kind"] for s in out}
    assert kinds == {"factor", "host", "grid", "model"}
    assert all(s["text"] for s in out)
    names = {s["name"] for s in out if s["kind"] in ("factor", "host")}
    assert {"j_per_flop", "u_decode", "u_prefill", "pue", "wue"} <= names
    assert {s["model"] for s in out if s["kind"] == "model"} == {
        impact.resolve_model(g["model"], g["client"]).id for g in GROUPS
    }
    assert all(s["source"] for s in out if s["kind"] in ("factor", "host"))


def test_unknown_models_say_how_they_were_sized() -> None:
    out = insight.unknown_models(GROUPS, default_settings())
    assert [(u["model"], u["requests"]) for u in out] == [("acme-mystery-7b", 2)]
    entry = impact.resolve_model("acme-mystery-7b", "manual")
    assert out[0]["match"] == entry.match != "table" and out[0]["sized_as"] == entry.id
    assert "sized" in out[0]["note"] and out[0]["note"].rstrip(".") in entry.warnings[0]


def test_boundary_follows_the_settings() -> None:
    plain = insight.boundary(default_settings(), {})
    assert "model training" in plain["excludes"] and plain["basis"] == "location"
    trained = insight.boundary({**default_settings(), "impact.include_training": True}, {})
    assert "amortised model training" in trained["includes"]


def test_two_or_three_equivalents_with_their_sources() -> None:
    pytest.importorskip("ledger.equivalents")
    totals = {"co2e_g": {"low": 50.0, "central": 169.0, "high": 700.0},
              "water_ml": {"low": 300.0, "central": 1470.0, "high": 6500.0}}
    out = insight.equivalents(totals, default_settings())
    assert 2 <= len(out) <= 3
    assert len({e["name"] for e in out}) == len(out)
    assert all(e["label"] and e["source"] and e["year"] for e in out)
    assert out[-1]["name"] in ("teaspoon", "glass", "bottle", "shower")  # water comes last
    assert insight.equivalents({"co2e_g": {"central": 0.0}, "water_ml": {"central": 0.0}}, default_settings()) == []
