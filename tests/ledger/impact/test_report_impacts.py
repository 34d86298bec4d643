"""``report --json`` carries the impact ranges, the methodology version and the settings used."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.impact import Settings, impacts_for
from tests.conftest import run, run_json

EVENTS = [
    {"client": "claude-code", "model": "claude-sonnet-4-5-20250929", "timestamp": "2026-11-02T09:00:00Z",
     "input_tokens": 1200, "cache_read_tokens": 80000, "cache_write_tokens": 3000, "output_tokens": 400, "id": "a"},
    {"client": "claude-code", "model": "claude-sonnet-4-5-20250929", "timestamp": "2026-11-02T10:00:00Z",
     "input_tokens": 300, "cache_read_tokens": 90000, "output_tokens": 900, "id": "b"},
    {"client": "llm", "model": "llama3.1:8b", "timestamp": "2026-11-02T11:00:00Z",
     "input_tokens": 500, "output_tokens": 700, "id": "c"},
]


def _log(events: list[dict]) -> None:
    proc = run("log", "--json", "-", input=json.dumps(events))
    assert proc.returncode == 0, proc.stderr


def test_report_rows_have_impacts_equal_to_the_sum_of_events(home: Path) -> None:
    _log(EVENTS)
    rep = run_json("report", "--json", "--tz", "UTC")
    assert rep["methodology"] == "2026.11"
    assert rep["settings"]["grid.basis"] == "location"
    rows = {r["model"]: r for r in rep["rows"]}
    sonnet = rows["claude-sonnet-4-5-20250929"]
    s = Settings()
    per_event = [impacts_for(e["model"], e | {"requests": 1}, s, e["client"]) for e in EVENTS[:2]]
    for metric in ("energy_wh", "co2e_g", "water_ml"):
        for end in ("low", "central", "high"):
            assert sonnet[metric][end] == pytest.approx(sum(p[metric][end] for p in per_event), rel=1e-9)
    local = rows["llama3.1:8b"]
    assert local["cost_usd_estimated"] == pytest.approx(500 * 0.05e-6 + 700 * 0.08e-6)
    total = rep["totals"]
    assert total["co2e_g"]["central"] == pytest.approx(sonnet["co2e_g"]["central"] + local["co2e_g"]["central"])


def test_a_change_of_settings_applies_to_all_history(home: Path) -> None:
    _log(EVENTS)
    before = run_json("report", "--json", "--tz", "UTC")["totals"]["co2e_g"]["central"]
    assert run("config", "set", "grid.region", "FR").returncode == 0
    assert run("config", "set", "user.region", "FR").returncode == 0
    rep = run_json("report", "--json", "--tz", "UTC")
    assert rep["settings"]["grid.region"] == "FR"
    assert rep["totals"]["co2e_g"]["central"] < before / 3


def test_training_line_appears_only_when_enabled(home: Path) -> None:
    _log(EVENTS)
    assert "co2e_training_g" not in run_json("report", "--json")["totals"]
    assert run("config", "set", "impact.include_training", "true").returncode == 0
    assert run_json("report", "--json")["totals"]["co2e_training_g"]["central"] > 0
