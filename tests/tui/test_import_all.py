"""``tokenprint import --all`` on a home holding every client: one summary line per
client found, the same ledger as importing each client by name, nothing the second
time; the clients not found named once on stderr; bad combinations refused."""

from __future__ import annotations

from pathlib import Path

from hooks import ADAPTERS
from tests.conftest import run
from tests.hooks import codex_corpus, corpus, gemini_corpus
from tests.hooks import opencode_corpus as oc
from tests.hooks.test_backfill_workers import ledger_state


def machine(tmp_path: Path) -> dict[str, str]:
    """Claude Code, Codex, Gemini CLI, opencode, aider and llm data at their default
    locations (the chat exports have none: they are imported by path)."""
    from tests.hooks import aider_corpus
    from tests.hooks.test_llm import fixture_db

    fx = oc.build_fixture(tmp_path / "m")  # $HOME, $XDG_DATA_HOME/opencode, $OPENCODE_DB
    env = dict(fx["env"])
    home = Path(env["HOME"])
    corpus.build(home / ".claude")
    codex_corpus.build(home / ".codex")
    gemini_corpus.build(home)
    aider_corpus.build(home, tmp_path / "repo")  # ~/.aider.conf.yml names ~/.aider/analytics.jsonl
    llm_dir = Path(env["XDG_CONFIG_HOME"]) / "io.datasette.llm"
    llm_dir.mkdir(parents=True)
    fixture_db(llm_dir / "logs.db", "0.32")
    env.update(CODEX_HOME=str(home / ".codex"), GEMINI_CLI_HOME=str(home), CLAUDE_CONFIG_DIR="",
               PATH=str(tmp_path / "no-bin"), TOKENPRINT_HOME=str(tmp_path / "all"), LLM_USER_PATH="",
               AIDER_ANALYTICS_LOG="")
    (tmp_path / "no-bin").mkdir()
    return env


def test_import_all_is_each_client_by_name(tmp_path: Path) -> None:
    env = machine(tmp_path)
    found = ["aider", "claude-code", "codex", "gemini-cli", "llm", "opencode"]
    first = run("import", "--all", "--no-progress", env=env)
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert [line.split(":", 1)[0] for line in lines] == found
    absent = sorted(set(ADAPTERS) - set(found))
    if absent:
        assert f"nothing found for: {', '.join(absent)}" in first.stderr
    else:
        assert "nothing found" not in first.stderr
    one_by_one = {**env, "TOKENPRINT_HOME": str(tmp_path / "each")}
    for client, line in zip(found, lines, strict=True):
        each = run("import", client, "--no-progress", env=one_by_one)
        assert each.returncode == 0, each.stderr
        assert each.stdout.strip() == line
        assert " 0 new events" not in line
    assert ledger_state(tmp_path / "all" / "ledger.db") == ledger_state(tmp_path / "each" / "ledger.db")
    again = run("import", "--all", "--no-progress", env=env)
    assert again.returncode == 0, again.stderr
    assert len(again.stdout.splitlines()) == len(found)
    assert all("0 new events, 0 updated" in line for line in again.stdout.splitlines()), again.stdout


def test_import_all_with_nothing_here_says_so(tmp_path: Path) -> None:
    user = tmp_path / "u"
    user.mkdir()
    (tmp_path / "no-bin").mkdir()
    env = {"HOME": str(user), "CODEX_HOME": str(user / ".codex"), "GEMINI_CLI_HOME": str(user),
           "XDG_DATA_HOME": str(user / ".local/share"), "XDG_CONFIG_HOME": str(user / ".config"),
           "CLAUDE_CONFIG_DIR": "", "OPENCODE_DB": "", "PATH": str(tmp_path / "no-bin"),
           "TOKENPRINT_HOME": str(tmp_path / "tp")}
    proc = run("import", "--all", "--no-progress", env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert "no client's data found at its default locations" in proc.stderr


def test_import_all_refuses_a_client_and_import_needs_one(tmp_path: Path, home: Path) -> None:
    proc = run("import", "--all", "codex")
    assert proc.returncode == 2 and "--all reads every client's default locations" in proc.stderr
    proc = run("import")
    assert proc.returncode == 2 and "name a client, or --all" in proc.stderr and "codex" in proc.stderr
