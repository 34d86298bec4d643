"""``config`` and ``report`` as a user runs them."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run


def test_config_set_get_and_bad_values(home: Path) -> None:
    (home / "config.toml").write_text("# my notes\n[grid]\nregion = \"US\"\n")
    assert run("config", "set", "budget.monthly_kg", "12.5").returncode == 0
    assert run("config", "get", "budget.monthly_kg").stdout.strip() == "12.5"
    assert run("config", "get", "grid.region").stdout.strip() == "US"
    text = (home / "config.toml").read_text()
    assert "# my notes" in text and "monthly_kg = 12.5" in text
    p = run("config", "set", "grid.basis", "vibes")
    assert p.returncode == 2 and "expected one of location, market" in p.stderr
    p = run("config", "set", "no.such", "1")
    assert p.returncode == 2 and "unknown setting 'no.such'" in p.stderr
    p = run("config", "set", "budget.monthly_kg", "-3")
    assert p.returncode == 2 and "expected a positive number" in p.stderr


def test_broken_config_is_reported_not_overwritten(home: Path) -> None:
    (home / "config.toml").write_text("[grid\nregion = 1\n")
    p = run("config", "set", "grid.region", "FR")
    assert p.returncode == 2 and "config.toml" in p.stderr
    assert (home / "config.toml").read_text() == "[grid\nregion = 1\n"


def test_report_bad_input_exits_2(home: Path) -> None:
    p = run("report", "daily", "--since", "yesterday")
    assert p.returncode == 2 and "YYYY-MM-DD" in p.stderr
    p = run("report", "daily", "--tz", "Mars/Olympus")
    assert p.returncode == 2 and "unknown time zone" in p.stderr
    p = run("report", "daily", "--since", "2026-02-01", "--until", "2026-01-01")
    assert p.returncode == 2 and "after --until" in p.stderr


def test_report_table_on_empty_ledger_says_what_to_do(home: Path) -> None:
    p = run("report")
    assert p.returncode == 0 and "No usage recorded" in p.stdout
