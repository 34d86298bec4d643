"""The estimate, methodology and models commands as real processes."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run, run_json


def test_estimate_json_has_tokens_impacts_model_and_warnings(home: Path) -> None:
    out = run_json("estimate", "--model", "claude-sonnet-4-5-20250929", "--input", "2000",
                   "--cache-read", "100000", "--output", "500", "--json")
    for f in ("input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens", "reasoning_tokens", "requests"):
        assert f in out
    assert out["cache_read_tokens"] == 100_000 and out["requests"] == 1
    for m in ("energy_wh", "co2e_g", "water_ml"):
        assert out[m]["low"] <= out[m]["central"] <= out[m]["high"]
    assert out["model_resolved"]["id"] == "claude-sonnet-4-5"
    assert out["warnings"] == []
    assert out["methodology"] == "2026.11"
    assert out["cost_usd_estimated"] == (2000 * 3 + 100_000 * 0.3 + 500 * 15) / 1e6


def test_estimate_unknown_model_warns_and_region_moves_the_grid(home: Path) -> None:
    out = run_json("estimate", "--model", "mystery-9000", "--output", "100", "--region", "FR", "--json")
    assert out["model_resolved"]["match"] == "size-class"
    assert out["warnings"] and "unknown model" in out["warnings"][0]
    assert out["grid"]["zone"] == "FR"


def test_estimate_reads_config_settings(home: Path) -> None:
    assert run("config", "set", "impact.include_training", "true").returncode == 0
    out = run_json("estimate", "--model", "llama-3.3-70b", "--output", "100", "--json")
    assert "co2e_training_g" in out
    assert out["settings"]["impact.include_training"] is True


def test_estimate_bad_input_exits_2_with_one_line(home: Path) -> None:
    for args in (["--input", "5"], ["--model", "gpt-5", "--output", "-3"], ["--model", "gpt-5", "--input", "lots"],
                 ["--model", "gpt-5", "--region", "Mars"]):
        proc = run("estimate", *args)
        assert proc.returncode == 2, args
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_estimate_human_output(home: Path) -> None:
    proc = run("estimate", "--model", "llama3.1:8b", "--client", "llm", "--output", "400", "--region", "FR")
    assert proc.returncode == 0, proc.stderr
    assert "runs on local" in proc.stdout and "grid FR" in proc.stdout


def test_methodology_prints_every_section(home: Path) -> None:
    proc = run("methodology")
    assert proc.returncode == 0, proc.stderr
    for section in ("## Boundary", "## Formulas", "## Factors", "## Calibration", "## Sensitivity",
                    "## Price cross-check", "## Equivalents", "2026.11"):
        assert section in proc.stdout
    data = run_json("methodology", "--json")
    assert data["methodology"] == "2026.11"
    assert all(c["inside"] for c in data["calibration"] if c["acceptance"])


def test_models_lists_the_table(home: Path) -> None:
    rows = run_json("models", "--json")
    assert len(rows) >= 60
    assert all(r["params"]["source"] for r in rows)
    one = run_json("models", "--resolve", "qwen2.5-coder:7b", "--client", "aider", "--json")
    assert one["host"] == "local"
    proc = run("models", "--provider", "mistral")
    assert proc.returncode == 0 and "mistral-large-2" in proc.stdout
