"""``config set`` refuses what cannot be right, a hand-edited config.toml with a wrong
value is not silently read as the World grid, and the CLI's words match its counts
(issue 9, points 8 and 12)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import run
from tests.hooks import corpus

NOTES = '# my notes\n[grid]\nbasis = "location"  # keep\n'


def _untouched(home: Path, before: bytes | None) -> None:
    path = home / "config.toml"
    assert (path.read_bytes() if path.exists() else None) == before


@pytest.mark.parametrize("existing", [None, NOTES])
def test_an_unknown_region_is_refused_with_the_known_ones(home: Path, existing: str | None) -> None:
    path = home / "config.toml"
    if existing is not None:
        path.write_text(existing)
    before = path.read_bytes() if path.exists() else None
    p = run("config", "set", "grid.region", "XX")
    assert p.returncode == 2 and p.stdout == ""
    assert len(p.stderr.strip().splitlines()) == 1
    assert "unknown region 'XX'" in p.stderr
    assert re.search(r"known: auto, World, US, FR, DE, GB\b", p.stderr), p.stderr
    _untouched(home, before)
    p = run("config", "set", "grid.region", "Frnace")
    assert p.returncode == 2 and "did you mean FR?" in p.stderr
    p = run("config", "set", "user.region", "Untied Kingdom")
    assert p.returncode == 2 and "did you mean GB?" in p.stderr
    p = run("config", "set", "user.region", "auto")  # auto is for the data centres' grid only
    assert p.returncode == 2 and "unknown region 'auto'" in p.stderr
    _untouched(home, before)


def test_a_known_region_is_stored_by_its_code(home: Path) -> None:
    p = run("config", "set", "grid.region", "france")
    assert p.returncode == 0 and p.stdout.strip() == "grid.region = FR"
    assert run("config", "set", "user.region", "UK").stdout.strip() == "user.region = GB"
    assert run("config", "set", "grid.region", "auto").returncode == 0
    assert run("config", "get", "user.region").stdout.strip() == "GB"
    assert (home / "config.toml").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("grid.regoin", "FR", "unknown setting 'grid.regoin' (did you mean grid.region?)"),
        ("budget", "5", "unknown setting 'budget'"),
        ("impact.include_training", "maybe", "expected true or false, got 'maybe'"),
        ("budget.monthly_kg", "lots", "expected a number, got 'lots'"),
        ("budget.monthly_kg", "-3", "expected a positive number"),
        ("budget.monthly_kg", "0", "expected a positive number"),
        ("budget.monthly_kg", "inf", "expected a finite number"),
        ("budget.monthly_kg", "nan", "expected a finite number"),
        ("grid.intensity_g_per_kwh", "-1", "expected a non-negative number"),
        ("grid.intensity_g_per_kwh", "1e999", "expected a finite number"),
        ("grid.basis", "vibes", "expected one of location, market"),
        ("grid.region", "", "unknown region ''"),
    ],
)
def test_config_set_refuses_and_leaves_the_file_alone(home: Path, key: str, value: str, reason: str) -> None:
    (home / "config.toml").write_text(NOTES)
    before = (home / "config.toml").read_bytes()
    p = run("config", "set", key, value)
    assert p.returncode == 2, p.stdout
    assert reason in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr
    _untouched(home, before)


HAND_EDITED = [
    ('[grid]\nregion = "XX"\n', "grid.region = 'XX': unknown region 'XX'"),
    ('[user]\nregion = "Atlantis"\n', "user.region = 'Atlantis': unknown region 'Atlantis'"),
    ('[impact]\ninclude_training = "no"\n', "impact.include_training = 'no': expected true or false"),
    ('[budget]\nmonthly_kg = "12"\n', "budget.monthly_kg = '12': expected a number"),
    ("[budget]\nmonthly_kg = -4\n", "budget.monthly_kg = -4: expected a positive number"),
]


@pytest.mark.parametrize(("text", "problem"), HAND_EDITED)
def test_reports_refuse_a_hand_edited_wrong_value_with_the_fix(home: Path, text: str, problem: str) -> None:
    """Failing is the honest choice: a report on the World grid labelled as the user's
    region (or with the training line on when they wrote "no") would be a wrong report."""
    assert run("log", "--model", "gpt-5-mini", "--input", "1200", "--output", "300").returncode == 0
    path = home / "config.toml"
    path.write_text(text)
    key = problem.split(" = ")[0]
    for args in (["report"], ["report", "--json"], ["estimate", "--model", "gpt-5", "--output", "10"],
                 ["export", "--format", "md", "-o", str(home / "out.md")], ["methodology"]):
        p = run(*args)
        assert p.returncode == 2, (args, p.stdout)
        line = p.stderr.strip()
        assert len(line.splitlines()) == 1, (args, line)
        assert str(path) in line and problem in line, (args, line)
        assert f"tokenprint config set {key} VALUE" in line, (args, line)
    # config get/list still show what the file holds (so it can be fixed), with a warning
    got = run("config", "get", key)
    assert got.returncode == 0 and "warning:" in got.stderr and problem in got.stderr
    assert run("config", "list").returncode == 0
    assert path.read_text() == text


def test_fixing_the_region_makes_the_report_work_again(home: Path) -> None:
    assert run("log", "--model", "gpt-5-mini", "--input", "1200", "--output", "300").returncode == 0
    (home / "config.toml").write_text('# mine\n[grid]\nregion = "XX"\n')
    assert run("report").returncode == 2
    assert run("config", "get", "grid.region").stdout.strip() == "XX"
    assert run("config", "set", "grid.region", "FR").returncode == 0
    assert (home / "config.toml").read_text() == '# mine\n[grid]\nregion = "FR"\n'
    data = json.loads(run("report", "--json").stdout)
    assert data["settings"]["grid.region"] == "FR" and not any("World" in w for w in data["warnings"])


def test_the_status_line_shows_tokens_not_a_world_figure_on_a_wrong_region(home: Path) -> None:
    assert run("log", "--model", "gpt-5-mini", "--input", "1200", "--output", "300").returncode == 0
    assert "CO2e" in run("statusline", input="{}").stdout
    (home / "config.toml").write_text('[grid]\nregion = "XX"\n')
    out = run("statusline", input="{}").stdout.strip()
    assert "CO2e" not in out and out.endswith("tok"), out


def test_config_list_names_an_unknown_key_in_the_file(home: Path) -> None:
    (home / "config.toml").write_text('[grid]\nregoin = "FR"\n')
    p = run("config", "list")
    assert p.returncode == 0
    assert "unknown setting 'grid.regoin' (did you mean grid.region?), ignored" in p.stderr
    assert run("report").returncode == 0  # an unknown key changes no figure: kept, ignored


# -- words that match the code ---------------------------------------------------------


def test_estimate_puts_embodied_co2e_with_co2e(home: Path) -> None:
    p = run("estimate", "--model", "claude-sonnet-4-5", "--input", "2000", "--output", "800",
            env={"COLUMNS": "120"})
    assert p.returncode == 0, p.stderr
    rows = [line.strip() for line in p.stdout.splitlines()]
    order = [next(i for i, r in enumerate(rows) if r.startswith(name))
             for name in ("energy", "CO2e", "of which embodied CO2e", "water", "on-site water", "off-site water")]
    assert order == sorted(order), p.stdout


def _one_transcript(folder: Path) -> Path:
    project = folder / "projects" / "-p"
    project.mkdir(parents=True)
    path = project / "s1.jsonl"
    rec = corpus.assistant("s1", "/p", "2025-09-28T10:00:00.000Z", corpus.SONNET,
                           corpus.usage(10, 0, 0, 5), msg_id="msg_1")
    path.write_text(corpus.compact(rec) + "\n")
    return path


def test_import_says_1_file_and_1_new_event(tmp_path: Path, home: Path) -> None:
    config = tmp_path / "claude"
    _one_transcript(config)
    p = run("import", "claude-code", str(config))
    assert p.returncode == 0, p.stderr
    assert "claude-code: 1 file (1 read, 0 unchanged), 1 new event, 0 updated, 0 lines skipped" in p.stdout


def test_hooks_status_counts_in_words(tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "claude"
    config.mkdir()
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(config))
    p = run("hooks", "status", "claude-code")
    assert p.returncode == 0
    assert "all 0 transcripts" not in p.stdout
    assert "claude-code: no transcripts found in the default locations" in p.stdout
    _one_transcript(config)
    assert "1 of 1 transcript (0.0 MB) has usage not yet in the ledger" in run("hooks", "status").stdout
    assert run("import", "claude-code").returncode == 0
    p = run("hooks", "status", "claude-code")
    assert "claude-code: the only transcript is in the ledger (Claude Code deletes transcripts after 30 days" in p.stdout


@pytest.mark.parametrize("command", [
    ["hooks", "install"], ["hooks", "uninstall"], ["hooks", "status"], ["statusline"],
    ["config", "get"], ["config", "set"], ["config", "list"], ["estimate"], ["import"],
])
def test_no_help_points_to_a_file_users_do_not_have(home: Path, command: list[str]) -> None:
    p = run(*command, "--help")
    assert p.returncode == 0 and "Usage:" in p.stdout
    assert "interface.md" not in p.stdout
