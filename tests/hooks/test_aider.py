"""aider: ``tokenprint import aider`` on a user's files in the real formats, with every trap.

Analytics logs found from ``.aider.conf.yml`` (home and repository, a relative path),
the chat history's report lines as the estimated fallback, a session in both counted
once, a torn last line left then completed, copies counted once, reported cost, the
redacted and ``"None"`` model names, and ``hooks status aider`` without hooks.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hooks import aider
from tests.conftest import TOKENPRINT_HOOK, run
from tests.hooks import aider_corpus as ac
from tests.hooks.helpers import buckets, sources, text_columns


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The history's headers are local time: the tests (and the commands they run) use UTC."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, home: Path, utc: None) -> dict[str, Path]:
    """``$HOME`` (the conftest's fresh one) and a repository as the current folder, with
    the corpus; no ``aider`` on PATH, no ``$AIDER_ANALYTICS_LOG``."""
    import os

    user = Path(os.environ["HOME"])
    repo = tmp_path / "repo"
    repo.mkdir()
    monkeypatch.chdir(repo)
    monkeypatch.delenv(aider.ENV_LOG, raising=False)
    aider._LOGS.clear()
    files = ac.build(user, repo)
    return {**files, "user": user, "repo": repo}


def tp_import(*args: str) -> subprocess.CompletedProcess[str]:
    proc = run("import", "aider", "--no-progress", *args)
    assert proc.returncode == 0, proc.stderr
    return proc


def rows(db: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT event_id, model, ts, provider, session, project, input_tokens, cache_write_tokens, "
            "cache_read_tokens, output_tokens, reasoning_tokens, requests, cost_usd, source, tokens_estimated "
            "FROM events ORDER BY event_id").fetchall()
    finally:
        conn.close()


def test_import_buckets_equal_the_hand_computed_table(machine: dict[str, Path], home: Path) -> None:
    proc = tp_import()
    assert proc.stderr == ""
    assert proc.stdout == ("aider: 3 files (3 read, 0 unchanged), 13 new events, 0 updated, 5 lines skipped "
                           "(1 invalid JSON, 1 bad usage counts, 1 count above the maximum per request, "
                           "1 instant outside the accepted window, 1 history session also in an analytics "
                           "log), 0.0 MB read\n")
    assert buckets(home / "ledger.db") == ac.EXPECTED
    src = sources(home / "ledger.db")
    assert src[str(machine["home_log"])]["reasons"] == ac.HOME_SKIPS
    assert src[str(machine["history"])]["reasons"] == ac.HISTORY_SKIPS
    assert src[str(machine["repo_log"])]["reasons"] == {}
    # the torn last line is left for the next read
    size = machine["home_log"].stat().st_size
    assert src[str(machine["home_log"])]["offset"] == size - 60


def test_events_keep_the_names_costs_and_marks_as_given(machine: dict[str, Path], home: Path) -> None:
    tp_import()
    got = {(r[1], r[6], r[9]): r for r in rows(home / "ledger.db")}
    real = got[(ac.PRO, 10006, 81)]
    assert real[0] == f"{ac.USER_ID}:1755100406:" + real[0].rsplit(":", 1)[1]
    assert real[2:6] == (1755100406000, "gemini", f"aider-{ac.LAUNCH_1}", None)
    assert real[12:] == (0.013317500000000001, "analytics-log", None)  # the reported cost, exact counts
    assert got[(ac.REDACTED, 2000, 100)][3] == "gemini" and got[(ac.REDACTED, 2000, 100)][12] is None  # cost 0
    assert got[(ac.NONE, 3000, 300)][3] is None and got[(ac.NONE, 3000, 300)][12] == 0.5
    twins = sorted(r[0] for r in rows(home / "ledger.db") if r[1] == ac.FLASH and r[6] == 400)
    assert len(twins) == 2 and twins[1] == twins[0] + ":1"  # two identical lines, two sends
    md = [r for r in rows(home / "ledger.db") if r[0].startswith("md:")]
    assert len(md) == 5 and {r[13] for r in md} == {"chat-history"} and {r[14] for r in md} == {"aider-report"}
    sonnet = sorted((r[0].split(":")[2], r[6:10], r[12]) for r in md if r[1].startswith("anthropic/"))
    # the two-line report (cache write and hit) has its cost on the next line: not taken
    assert sonnet == [("1", (1000, 14000, 1200, 500), None), ("2", (3400, 0, 3300, 200), 0.0021)]
    assert {r[2] for r in md if r[1] == "gpt-4o"} == {1754816400000}  # 2025-08-10 09:00:00 (UTC here)
    stored = " ".join(text_columns(home / "ledger.db"))
    for prompt in ("fix the", "what does this repo do", "It reads logs", "Here it is", "refactor"):
        assert prompt not in stored


def test_import_twice_changes_nothing(machine: dict[str, Path], home: Path) -> None:
    tp_import()
    before = rows(home / "ledger.db")
    proc = tp_import()
    assert proc.stdout.startswith("aider: 3 files (0 read, 3 unchanged), 0 new events, 0 updated")
    assert rows(home / "ledger.db") == before


def test_torn_last_line_is_read_once_complete(machine: dict[str, Path], home: Path) -> None:
    tp_import()
    ac.complete_torn_line(machine["home_log"])
    proc = tp_import()
    assert proc.stdout.startswith("aider: 3 files (1 read, 2 unchanged), 1 new event, 0 updated, 0 lines skipped")
    assert buckets(home / "ledger.db") == ac.EXPECTED_COMPLETED
    assert tp_import().stdout.startswith("aider: 3 files (0 read, 3 unchanged), 0 new events")


def test_an_unterminated_last_line_that_parses_is_complete() -> None:
    data = ac.line(ac.send(1755100406, ac.PRO, 10, 1)).rstrip("\n").encode()
    state: dict[str, Any] = {}
    p = aider.parse(data, False, state=state)
    assert (p.consumed, p.events) == (0, [])  # not at the end of what is there: wait
    p = aider.parse(data, True, state=state)
    assert p.consumed == len(data) and [e.input_tokens for e in p.events] == [10]
    # the newline written after it changes nothing
    again = aider.parse(data + b"\n", True, state={})
    assert [e.event_id for e in again.events] == [e.event_id for e in p.events]


def test_copies_and_paths_count_once(machine: dict[str, Path], home: Path, tmp_path: Path) -> None:
    tp_import()
    ac.complete_torn_line(machine["home_log"])
    backup = tmp_path / "backup"
    (backup / "old-repo").mkdir(parents=True)
    shutil.copyfile(machine["home_log"], backup / "analytics-2025.jsonl")
    shutil.copyfile(machine["history"], backup / "old-repo" / aider.HISTORY_NAME)
    (backup / "node_modules").mkdir()
    shutil.copyfile(machine["home_log"], backup / "node_modules" / "analytics.jsonl")  # never walked
    proc = tp_import(str(backup))
    # the copy's torn-then-complete line is the one the original completes: 1 new event
    assert proc.stdout.startswith("aider: 2 files (2 read, 0 unchanged), 1 new event, 0 updated"), proc.stdout
    assert buckets(home / "ledger.db") == ac.EXPECTED_COMPLETED
    # a single file, named: read as what its content says it is
    single = tmp_path / "exported.log"
    shutil.copyfile(machine["repo_log"], single)
    assert tp_import(str(single)).stdout.startswith("aider: 1 file (1 read, 0 unchanged), 0 new events")
    assert buckets(home / "ledger.db") == ac.EXPECTED_COMPLETED


def test_without_an_analytics_log_the_history_session_counts(machine: dict[str, Path], home: Path) -> None:
    """The rule that keeps a session from being counted twice needs the log: a history
    read alone counts every session (the 2025-08-13 one too, estimated)."""
    (machine["user"] / ".aider.conf.yml").unlink()
    (machine["repo"] / ".aider.conf.yml").unlink()
    proc = tp_import()
    assert proc.stdout.startswith("aider: 1 file (1 read, 0 unchanged), 6 new events, 0 updated, 0 lines skipped")
    got = buckets(home / "ledger.db")
    assert got[("2025-08-13", ac.PRO)] == ac.b(10000, out=81)
    assert {k: v for k, v in got.items() if k[1] != ac.PRO} == {
        k: v for k, v in ac.EXPECTED.items() if k[0] != "2025-08-13" and k[1] not in (ac.SONNET, ac.OR_REDACTED)}


def test_the_log_named_by_the_environment_wins_and_is_read(machine: dict[str, Path], home: Path,
                                                            tmp_path: Path) -> None:
    elsewhere = tmp_path / "env-log.jsonl"
    elsewhere.write_text(ac.line(ac.send(1755400000, ac.PRO, 5, 6)))
    found = aider.configured_logs({aider.ENV_LOG: str(elsewhere)})
    assert found == [elsewhere, machine["home_log"], machine["repo_log"]]
    proc = run("import", "aider", "--no-progress", env={aider.ENV_LOG: str(elsewhere)})
    assert proc.returncode == 0 and "4 files (4 read" in proc.stdout and "14 new events" in proc.stdout


def test_config_files_order_and_relative_paths(machine: dict[str, Path], tmp_path: Path) -> None:
    repo, user = machine["repo"], machine["user"]
    sub = repo / "src" / "pkg"
    sub.mkdir(parents=True)
    # aider reads home, then git root, then the current folder (main.py: the list reversed)
    assert aider.config_files(sub) == [user / ".aider.conf.yml", repo / ".aider.conf.yml",
                                       sub / ".aider.conf.yml"]
    assert aider.conf_value(repo / ".aider.conf.yml") == "logs/analytics-repo.jsonl"
    assert aider.conf_value(user / ".aider.conf.yml") == "~/.aider/analytics.jsonl"
    assert aider.log_candidates("logs/a.jsonl", repo, sub) == [repo / "logs/a.jsonl", sub / "logs/a.jsonl"]
    assert aider.log_candidates("~/x.jsonl", repo, sub) == [user / "x.jsonl"]
    bad = tmp_path / "bad.yml"
    bad.write_text("analytics-log: [unclosed\n")
    assert aider.conf_value(bad) is None
    bad.write_text("- a list\n")
    assert aider.conf_value(bad) is None


def format_tokens(count: int) -> str:
    """aider's own (``aider/utils.py``), for the round trip."""
    if count < 1000:
        return f"{count}"
    elif count < 10000:
        return f"{count / 1000:.1f}k"
    else:
        return f"{round(count / 1000)}k"


def test_report_numbers_as_aider_prints_them() -> None:
    assert [aider.report_number(t) for t in ("81", "999", "1.2k", "9.5k", "10k", "123k", "12,345", "1,024")] == \
        [81, 999, 1200, 9500, 10000, 123000, 12345, 1024]
    for n in (0, 7, 999, 1000, 1049, 1050, 9949, 9950, 9999, 10000, 10499, 10500, 987654, 2_000_000):
        back = aider.report_number(format_tokens(n))
        assert abs(back - n) <= (50 if n < 10000 else 500), (n, back)


def test_models_redacted_or_none_are_sized_as_unknown_with_a_warning(machine: dict[str, Path], home: Path) -> None:
    tp_import()
    for model in (ac.REDACTED, ac.NONE, ac.OR_REDACTED):
        proc = run("models", "--resolve", model, "--client", "aider", "--json")
        assert proc.returncode == 0, proc.stderr
        data = json.loads(proc.stdout)
        assert data["id"].startswith("unknown-"), data
        assert any(f"unknown model {model!r}" in w for w in data["warnings"]), data["warnings"]
    report = json.loads(run("report", "daily", "--json").stdout)
    models = {r["model"] for r in report["rows"]}
    assert {ac.REDACTED, ac.NONE, ac.OR_REDACTED} <= models  # kept as given


def test_hooks_status_says_aider_has_no_hooks(machine: dict[str, Path], home: Path) -> None:
    proc = run("hooks", "status", "aider")
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.splitlines() == [f"aider: no hooks to install ({aider.NO_HOOKS})",
                                        "aider: 3 of 3 logs (0.0 MB) have usage not yet in the ledger: "
                                        "run `tokenprint import aider`"]
    tp_import()
    ac.complete_torn_line(machine["home_log"])
    tp_import()
    assert run("hooks", "status", "aider").stdout.splitlines()[1] == "aider: all 3 logs are in the ledger"
    proc = run("hooks", "install", "aider")
    assert proc.returncode == 2 and "'aider' has no hooks to install" in proc.stderr
    assert f"aider: no hooks to install ({aider.NO_HOOKS})" in run("hooks", "status").stdout
    assert "aider: no hooks to install" in " ".join(run("hooks", "--help").stdout.split())


def test_the_hook_entry_has_nothing_to_read(machine: dict[str, Path], home: Path) -> None:
    proc = run("aider", input="{}", exe=TOKENPRINT_HOOK)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert not (home / "ledger.db").exists() or rows(home / "ledger.db") == []
    assert aider.hook_paths({"transcript_path": str(machine["history"])}) == []


def test_present(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.clients_env import isolate_clients

    user = isolate_clients(tmp_path, monkeypatch, path=True)
    monkeypatch.chdir(user)
    monkeypatch.delenv(aider.ENV_LOG, raising=False)
    assert not aider.present()
    (user / ".aider.conf.yml").write_text("dark-mode: true\n")
    assert aider.present()
    (user / ".aider.conf.yml").unlink()
    log = tmp_path / "a.jsonl"
    log.write_text("")
    assert aider.present({"PATH": "", aider.ENV_LOG: str(log)})
    program = tmp_path / "no-clients-bin" / "aider"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    assert aider.present()
    assert aider.INSTALL == () and aider.SCOPES == ()


def test_the_adapter_imports_the_standard_library_only() -> None:
    """``tokenprint-hook aider`` imports the adapter: PyYAML and the rest load only in
    the functions that find the files."""
    import sys

    code = ("import sys; import hooks.aider; heavy = [m for m in ('yaml', 'sqlalchemy', 'click', 'msgspec', "
            "'ijson', 'tiktoken') if m in sys.modules]; print(heavy)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


def _md(*lines: str) -> bytes:
    return "".join(ln + "  \n" for ln in lines).encode()


def test_history_ids_are_natural_keys(utc: None) -> None:
    """The same session in a copy: the same ids; another repository's session started in
    the same second: other ids; a report before any header: a counted skip."""
    a = _md("# aider chat started at 2025-09-01 10:00:00", "> Model: gpt-4o with diff edit format",
            "#### one", "> Tokens: 1.0k sent, 10 received.", "#### two", "> Tokens: 2.0k sent, 20 received.")
    b = _md("# aider chat started at 2025-09-01 10:00:00", "> Model: gpt-4o with diff edit format",
            "#### another repo", "> Tokens: 1.0k sent, 10 received.")
    ids_a = [e.event_id for e in aider.parse(a, True, state={}, launches=[]).events]
    again = [e.event_id for e in aider.parse(a, True, state={}, launches=[]).events]
    ids_b = [e.event_id for e in aider.parse(b, True, state={}, launches=[]).events]
    assert ids_a == again and len(set(ids_a)) == 2
    assert ids_b[0].split(":")[:3] == ids_a[0].split(":")[:3] and ids_b[0] != ids_a[0]
    orphan = aider.parse(_md("> Tokens: 1k sent, 1 received."), True, state={}, launches=[])
    assert (orphan.events, orphan.skips) == ([], {"no-session": 1})


def test_history_report_variants(utc: None) -> None:
    """aider's report lines across versions (base_coder.py history): ``12,345`` before
    ``format_tokens``, ``N cached`` (August 2024), ``cache write`` / ``cache hit``; a
    model line without ``with``; DeepSeek's hits inside ``sent``."""
    data = _md("# aider chat started at 2024-08-18 10:00:00", "> Model: deepseek/deepseek-coder",
               "> Tokens: 12,345 sent, 2,000 cached, 678 received. Cost: $0.0021 request, $0.0021 session.",
               "> Main model: claude-3-5-sonnet-20240620 with diff edit format, prompt cache",
               "> Tokens: 3,000 sent, 2,500 cache write, 100 cache hit, 50 received.")
    evs = aider.parse(data, True, state={}, launches=[]).events
    got = [(e.model, e.input_tokens, e.cache_write_tokens, e.cache_read_tokens, e.output_tokens, e.cost_usd)
           for e in evs]
    assert got == [("deepseek/deepseek-coder", 12345 - 2000, 0, 2000, 678, 0.0021),
                   ("claude-3-5-sonnet-20240620", 500, 2500, 100, 50, None)]
    assert [e.provider for e in evs] == ["deepseek", None]


def test_a_send_without_a_model_and_the_cover_window() -> None:
    rec = ac.send(1755100406, None, 10, 1)
    (ev,) = aider.parse(ac.line(rec).encode(), True, state={}).events
    assert (ev.model, ev.provider, ev.session) == ("unknown", None, None)
    start = 1755100398 * 1000
    assert aider.covered(start, [1755100398 - 5]) and aider.covered(start, [1755100398 + 300])
    assert not aider.covered(start, [1755100398 - 6]) and not aider.covered(start, [1755100398 + 301])
