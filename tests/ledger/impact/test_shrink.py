"""What would shrink it, the rule shared by the dashboard and the export: the smaller
sibling from the model table, the cleanest grid of the grid table, and the CO2e of
the same counts on each."""

from __future__ import annotations

import pytest

from ledger.impact import (
    Range,
    Settings,
    alternatives,
    impacts_for,
    loading,
    low_carbon_zone,
    resolve_model,
    smaller_sibling,
)
from ledger.impact.shrink import SIBLING_RATIO, low_carbon_settings


@pytest.mark.parametrize(
    ("model", "sibling"),
    [
        ("claude-sonnet-4-5-20250929", "claude-haiku-4-5"),
        ("claude-opus-4-1-20250805", "claude-sonnet-4-5"),
        ("gpt-5-codex", "gpt-5-mini"),
        ("gemini-2.5-pro", "gemini-2.5-flash"),
        ("gemini-2.5-flash", "gemini-2.5-flash-lite"),
        ("gpt-4o", "gpt-4o-mini"),
        ("mistral-large-latest", "mistral-small-4"),
        ("claude-haiku-4-5-20251001", None),
    ],
)
def test_smaller_sibling_from_the_model_table(model: str, sibling: str | None) -> None:
    assert smaller_sibling(model) == sibling
    if sibling is not None:
        mine, theirs = resolve_model(model), resolve_model(sibling)
        assert theirs.host == mine.host
        assert theirs.params_active.central <= mine.params_active.central * SIBLING_RATIO


def test_low_carbon_zone_is_the_cleanest_of_the_grid_table() -> None:
    zones = loading.grids()["zone"]
    assert low_carbon_zone() == "NO"  # Norway, 31 gCO2e/kWh (grids.toml)
    lowest = min(Range.of(z["intensity"]).central for z in zones.values())
    assert Range.of(zones[low_carbon_zone()]["intensity"]).central == lowest
    s = low_carbon_settings(Settings(user_region="FR", basis="market"))
    assert (s.grid_region, s.user_region, s.basis) == ("NO", "FR", "location")


COUNTS = {"input_tokens": 2000, "cache_read_tokens": 900_000, "output_tokens": 40_000, "requests": 30}


def test_alternatives_are_the_same_counts_on_the_sibling_and_the_clean_grid() -> None:
    s = Settings()
    parts = [
        {"client": "claude-code", "model": "claude-sonnet-4-5-20250929", **COUNTS},
        {"client": "claude-code", "model": "claude-haiku-4-5-20251001", **COUNTS},
    ]
    sonnet, haiku = alternatives(parts, s)
    assert sonnet.actual == Range(**impacts_for("claude-sonnet-4-5-20250929", COUNTS, s, "claude-code")["co2e_g"])
    assert sonnet.sibling == "claude-haiku-4-5"
    assert sonnet.sibling_co2e == Range(**impacts_for("claude-haiku-4-5", COUNTS, s, "claude-code")["co2e_g"])
    assert sonnet.sibling_co2e.central < sonnet.actual.central
    assert sonnet.grid == Range(**impacts_for(
        "claude-sonnet-4-5-20250929", COUNTS, low_carbon_settings(s), "claude-code")["co2e_g"])
    assert sonnet.grid.central < sonnet.actual.central
    assert haiku.sibling is None and haiku.sibling_co2e is None and haiku.on_sibling == haiku.actual
    # Linear: twice the counts, twice every figure.
    (double,) = alternatives([{"client": "claude-code", "model": "claude-sonnet-4-5-20250929",
                               **{k: 2 * v for k, v in COUNTS.items()}}], s)
    assert double.grid.central == pytest.approx(2 * sonnet.grid.central)
    assert double.on_sibling.central == pytest.approx(2 * sonnet.on_sibling.central)


def test_a_fixed_intensity_or_the_cleanest_grid_leaves_nothing_to_save() -> None:
    for s in (Settings(grid_intensity_g_per_kwh=30.0), Settings(grid_region="NO")):
        (a,) = alternatives([{"client": "codex", "model": "gpt-5-codex", **COUNTS}], s)
        assert a.grid == a.actual


def test_a_local_model_stays_on_the_users_grid() -> None:
    s = Settings(user_region="PL")
    (a,) = alternatives([{"client": "llm", "model": "ollama/llama3.3:70b", **COUNTS}], s)
    assert a.entry.local and a.grid == a.actual
    assert a.sibling == "llama-3.1-8b"


def test_a_local_models_sibling_runs_locally_too() -> None:
    """The saving of a smaller local model is measured on the user's machine and grid,
    not as the cloud-hosted row of the table."""
    s = Settings(user_region="PL")
    (a,) = alternatives([{"client": "llm", "model": "llama3.1:8b", **COUNTS}], s)
    assert a.entry.local and a.sibling == "llama-3.2-3b"
    local_sib = impacts_for("local/llama-3.2-3b", COUNTS, s, "llm")["co2e_g"]
    cloud_sib = impacts_for("llama-3.2-3b", COUNTS, s, "llm")["co2e_g"]
    assert a.sibling_co2e is not None
    assert a.sibling_co2e.central == pytest.approx(local_sib["central"])
    assert a.sibling_co2e.central != pytest.approx(cloud_sib["central"])
