"""``tokenprint report`` as people read it: 80 columns without a name cut mid-token,
water and cost columns, filters that take what the table shows, empty results that
name the filter, the demo label, terminal-safe names, one JSON for both read paths."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import run, run_json

EVENTS = [
    {"client": "claude-code", "model": "claude-sonnet-4-5-20250929", "timestamp": "2026-10-05T10:00:00Z",
     "input_tokens": 120, "cache_write_tokens": 3000, "cache_read_tokens": 60000, "output_tokens": 900,
     "project": "/home/nc/myproj", "session": "s1", "id": "e1"},
    {"client": "claude-code", "model": "claude-sonnet-4-5-20250929", "timestamp": "2026-10-06T10:00:00Z",
     "input_tokens": 100, "output_tokens": 500, "project": "/home/nc/myproj", "session": "s1", "id": "e2",
     "cost_usd": 0.5},
    {"client": "codex", "model": "gpt-5-codex", "timestamp": "2026-10-07T10:00:00Z", "input_tokens": 2500,
     "output_tokens": 700, "reasoning_tokens": 1200, "project": "/srv/work/api", "session": "s2", "id": "e3"},
    {"client": "manual", "model": "acme-mystery-7b", "timestamp": "2026-10-08T10:00:00Z", "input_tokens": 1500,
     "output_tokens": 300, "project": "/srv/work/api", "id": "e4"},
]


def log(events: list[dict]) -> None:
    p = run("log", "--json", "-", "-q", input=json.dumps(events))
    assert p.returncode == 0, p.stderr


@pytest.fixture
def ledger(home: Path) -> Path:
    log(EVENTS)
    return home


def test_80_columns_never_cut_a_name_mid_token(ledger: Path) -> None:
    """Piped (not a terminal) and at COLUMNS=80: every line fits, and each model is
    on one line, whole or without its release date (never 'claude-sonnet-4-5-2025' / '0929')."""
    for env in ({}, {"COLUMNS": "80"}):
        p = run("report", "monthly", "--tz", "UTC", env={"COLUMNS": "", **env} if not env else env)
        assert p.returncode == 0, p.stderr
        lines = p.stdout.splitlines()
        assert max(len(line) for line in lines) <= 80, max(lines, key=len)
        assert "0929" not in p.stdout.replace("claude-sonnet-4-5-20250929", "")  # no orphan fragment
        rows = [line for line in lines if line.startswith("  ")]
        assert any(re.match(r"  claude-code claude-sonnet-4-5(-20250929)?\s", r) for r in rows), rows
        assert any(r.startswith("  codex gpt-5-codex ") for r in rows), rows
        for word in ("Tokens", "Energy", "CO2e", "Water", "Cost"):
            assert word in p.stdout, word
    wide = run("report", "monthly", "--tz", "UTC", env={"COLUMNS": "160"}).stdout
    assert "claude-code claude-sonnet-4-5-20250929" in wide and "Cache" in wide and "Reason" in wide


def test_a_long_model_id_ends_in_an_ellipsis_at_80_columns(home: Path) -> None:
    log([{"model": "vendor/some-extremely-long-model-name-with-many-parts-v2", "input_tokens": 10,
          "output_tokens": 5, "timestamp": "2026-10-05T10:00:00Z"}])
    p = run("report", "--by", "model", "--tz", "UTC", env={"COLUMNS": "80"})
    lines = p.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    row = next(line for line in lines if line.startswith("  vendor/"))
    assert "…" in row and len(row.split()[0]) > 20  # cut once, with a mark, on its own line


def test_water_column_and_cost_marked_as_estimated(ledger: Path) -> None:
    data = run_json("report", "monthly", "--tz", "UTC", "--json")
    by_model = {r["model"]: r for r in data["rows"]}
    sonnet = by_model["claude-sonnet-4-5-20250929"]
    assert sonnet["cost_usd_reported"] == 0.5 and sonnet["cost_usd_estimated"] > 0
    assert sonnet["cost_usd"] == pytest.approx(0.5 + sonnet["cost_usd_estimated"])
    codex = by_model["gpt-5-codex"]
    assert codex["cost_usd_reported"] is None and codex["cost_usd"] == codex["cost_usd_estimated"] > 0
    mystery = by_model["acme-mystery-7b"]  # no reported cost, no price: unknown, not 0.0
    assert mystery["cost_usd"] is None and mystery["requests_cost_unknown"] == 1
    assert data["totals"]["requests_cost_unknown"] == 1
    text = run("report", "monthly", "--tz", "UTC", "--by", "model").stdout
    row = next(line for line in text.splitlines() if "acme-mystery-7b" in line)
    assert row.rstrip().endswith("–")
    assert re.search(r"gpt-5-codex .* ~\$\d+\.\d\d$", text, re.M)
    assert "~ cost estimated from list prices" in text and "no known price" in text
    assert re.search(r"\d (m?L|mL)\s", next(line for line in text.splitlines() if "gpt-5-codex" in line))


def test_filters_take_what_the_table_shows(ledger: Path) -> None:
    def requests(*args: str) -> int:
        return int(run_json("report", "--tz", "UTC", "--json", *args)["totals"]["requests"])

    shown = run("report", "--by", "project", "--tz", "UTC").stdout
    assert "nc/myproj" in shown
    assert requests("--project", "nc/myproj") == 2  # as the table shows it
    assert requests("--project", "/home/nc/myproj") == 2  # the full path
    assert requests("--project", "/home/nc/myproj/") == 2
    assert requests("--model", "claude-sonnet-4-5") == 2  # short form, as a narrow table shows it
    assert requests("--model", "claude-sonnet-4-5-20250929") == 2
    assert requests("--client", "codex") == 1
    assert requests("--project", "work/api", "--project", "nc/myproj") == 4


def test_an_empty_result_names_the_filter_and_what_exists(ledger: Path) -> None:
    p = run("report", "--project", "nc/nothere", env={"COLUMNS": "200"})
    assert p.returncode == 0
    assert "--project nc/nothere" in p.stdout and "nc/myproj" in p.stdout and "work/api" in p.stdout
    assert "hooks install" not in p.stdout and "tokenprint demo" not in p.stdout
    p = run("report", "--model", "gpt-9", env={"COLUMNS": "200"})
    assert "--model gpt-9" in p.stdout and "claude-sonnet-4-5" in p.stdout and "hooks" not in p.stdout
    p = run("report", "--client", "codex", "--model", "acme-mystery-7b")
    assert "No usage matches --client codex --model acme-mystery-7b" in p.stdout and "hooks" not in p.stdout
    data = run_json("report", "--json", "--client", "aider")
    assert data["rows"] == [] and data["unmatched"][0]["filter"] == "--client"
    assert set(data["unmatched"][0]["known"]) == {"claude-code", "codex", "manual"}
    p = run("report", "--since", "2020-01-01", "--until", "2020-01-31")
    assert "No usage recorded from 2020-01-01 to 2020-01-31" in p.stdout and "hooks" not in p.stdout


def test_empty_ledger_says_how_to_record(home: Path) -> None:
    p = run("report")
    assert p.returncode == 0 and "No usage recorded yet" in p.stdout and "hooks install" in p.stdout


def test_demo_reports_say_demo_data(home: Path) -> None:
    assert run("demo", "--events", "400", "--days", "10").returncode == 0
    p = run("report", "monthly", "--demo", env={"COLUMNS": "80"})
    assert p.returncode == 0, p.stderr
    assert "DEMO DATA" in p.stdout.splitlines()[0]
    assert max(len(line) for line in p.stdout.splitlines()) <= 80
    assert run_json("report", "--demo", "--json")["demo"] is True
    log(EVENTS[:1])
    assert run_json("report", "--json")["demo"] is False
    assert "DEMO" not in run("report").stdout


def test_names_cannot_drive_the_terminal(home: Path) -> None:
    log([{"model": "evil\x1b[2J\x1b]0;owned\x07model", "project": "/p/\x1b[31mred", "input_tokens": 5,
          "timestamp": "2026-10-05T10:00:00Z"}])
    for by in ("model", "project"):
        out = run("report", "--by", by).stdout
        assert "\x1b" not in out and "\x07" not in out
    assert "evil?[2J?]0;owned?model" in run("report", "--by", "model", env={"COLUMNS": "120"}).stdout


def test_stdlib_and_store_paths_print_the_same_json(ledger: Path) -> None:
    """On a local file the report reads through sqlite3; $TOKENPRINT_DATABASE_URL goes
    through SQLAlchemy (ledger.store): the same JSON, filters included."""
    url = {"TOKENPRINT_DATABASE_URL": f"sqlite:///{ledger / 'ledger.db'}"}
    for args in (("daily",), ("monthly", "--by", "project"), ("session",), ("weekly", "--project", "nc/myproj"),
                 ("monthly", "--model", "claude-sonnet-4-5", "--by", "model"), ("daily", "--client", "nobody")):
        a = run_json("report", *args, "--tz", "Europe/Paris", "--json")
        b = run_json("report", *args, "--tz", "Europe/Paris", "--json", env=url)
        assert a == b, args
    assert a["rows"] == []  # the last one


def test_database_url_name_matches_the_store() -> None:
    from ledger.store import DATABASE_URL_ENV
    from tui.commands.report import DATABASE_URL_ENV as mine

    assert mine == DATABASE_URL_ENV


@pytest.mark.parametrize("command", ["report", "log", "export"])
def test_help_names_no_file_users_do_not_have(command: str) -> None:
    p = run(command, "--help")
    assert p.returncode == 0
    assert "interface.md" not in p.stdout and "docs/" not in p.stdout, p.stdout
