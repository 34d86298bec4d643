"""``tokenprint hooks install|uninstall|status`` over every client, as a user runs them.

A home folder where only some clients are present (their home folder exists, no
client program on PATH): ``install --all`` installs those and names the others,
``uninstall --all`` removes ours from the clients that have some, ``status`` lists
every client. A file refused for one client does not stop the others, and the exit
code is the worst; a scope a client lacks is a clear message.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from hooks import ADAPTERS
from tests.clients_env import isolate_clients
from tests.conftest import TOKENPRINT_HOOK, run
from tests.hooks import corpus

CLAUDE_EVENTS = "Stop, SubagentStop, SessionEnd"


@pytest.fixture
def user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, home: Path) -> Path:
    """``$HOME`` with Claude Code and Gemini CLI present, the other clients absent."""
    u = isolate_clients(tmp_path, monkeypatch, path=True)
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(u / ".claude"))
    monkeypatch.chdir(u)
    (u / ".claude").mkdir()
    (u / ".gemini").mkdir()
    return u


def absent() -> list[str]:
    """The clients with hooks to install (``hooks_cmd.adapters``: aider, llm and the chat
    exports have none) that this machine lacks."""
    from tui.commands.hooks_cmd import adapters

    return sorted(set(adapters()) - {"claude-code", "gemini-cli"})


def gemini_events() -> str:
    from hooks import gemini_cli

    return ", ".join(gemini_cli.HOOK_EVENTS)


def test_install_all_installs_the_clients_found_and_says_which_were_skipped(user: Path) -> None:
    proc = run("hooks", "install", "--all")
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stderr
    assert proc.stdout.splitlines() == [
        f"skipped (not found on this machine): {', '.join(absent())}",
        f"claude-code: installed in ~/.claude/settings.json ({CLAUDE_EVENTS})",
        f"gemini-cli: installed in ~/.gemini/settings.json ({gemini_events()})",
    ]
    claude, gemini = user / ".claude" / "settings.json", user / ".gemini" / "settings.json"
    once = claude.read_bytes(), gemini.read_bytes()
    # nothing written for the clients not found (.cache: tokenprint's own, tui.plugins / ledger.impact)
    assert sorted(p.name for p in user.iterdir() if p.name != ".cache") == [".claude", ".gemini"]
    # no client named = --all; twice = the same bytes
    again = run("hooks", "install")
    assert again.returncode == 0
    assert again.stdout.splitlines()[1:] == [
        f"claude-code: already installed in ~/.claude/settings.json ({CLAUDE_EVENTS})",
        f"gemini-cli: already installed in ~/.gemini/settings.json ({gemini_events()})",
    ]
    assert (claude.read_bytes(), gemini.read_bytes()) == once

    proc = run("hooks", "uninstall", "--all")
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.splitlines() == [
        "claude-code: removed the file we had created (~/.claude/settings.json)",
        "gemini-cli: removed the file we had created (~/.gemini/settings.json)",
    ]
    assert not claude.exists() and not gemini.exists()
    proc = run("hooks", "uninstall")
    assert proc.stdout == "nothing of ours is installed in any client (user scope)\n"


def test_uninstall_all_leaves_the_clients_without_ours_alone(user: Path) -> None:
    gemini = user / ".gemini" / "settings.json"
    gemini.write_text('{\n  "theme": "GitHub"\n}\n')
    assert run("hooks", "install", "claude-code").returncode == 0
    proc = run("hooks", "uninstall", "--all")
    assert proc.returncode == 0
    assert proc.stdout.splitlines() == ["claude-code: removed the file we had created (~/.claude/settings.json)"]
    assert gemini.read_text() == '{\n  "theme": "GitHub"\n}\n'


def test_one_refused_file_does_not_stop_the_others_and_the_exit_code_is_the_worst(user: Path) -> None:
    claude = user / ".claude" / "settings.json"
    claude.write_text('{"hooks": []}\n')
    proc = run("hooks", "install", "--all")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"tokenprint: {claude}: ") and '"hooks" is a JSON list' in lines[0]
    assert claude.read_text() == '{"hooks": []}\n'  # left untouched
    assert proc.stdout.splitlines()[1:] == [f"gemini-cli: installed in ~/.gemini/settings.json ({gemini_events()})"]
    # status says what is wrong and goes on with the other clients
    status = run("hooks", "status")
    assert status.returncode == 0
    assert f"claude-code: warning: {claude}: " in status.stdout
    assert f"gemini-cli: hooks installed in ~/.gemini/settings.json (user): {gemini_events()}" in status.stdout
    # uninstall: the refused file is named again (exit 2), the other client's entries go
    proc = run("hooks", "uninstall", "--all")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert proc.stdout.splitlines() == ["gemini-cli: removed the file we had created (~/.gemini/settings.json)"]


@pytest.fixture
def full_gemini(user: Path) -> Iterator[Path]:
    """Gemini CLI's folder on a full file system: its settings cannot be written."""
    folder = user / ".gemini"
    system = "/usr/sbin:/usr/bin:/sbin:/bin"  # $PATH is an empty folder here
    mount, umount = shutil.which("mount", path=system), shutil.which("umount", path=system)
    if mount is None or umount is None:
        pytest.skip("no mount command")
    proc = subprocess.run([mount, "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {proc.stderr.decode().strip()}")
    try:
        try:
            with open(folder / "filler", "wb") as f:
                while True:
                    f.write(b"\0" * 4096)
                    f.flush()
        except OSError:  # full (or full already: a 64k tmpfs may hold nothing)
            pass
        yield folder
    finally:
        subprocess.run([umount, str(folder)], check=False)


def test_a_write_failure_is_exit_1_and_a_refusal_elsewhere_makes_it_2(user: Path, full_gemini: Path) -> None:
    proc = run("hooks", "install", "--all")
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "the disk is full" in lines[0] and str(full_gemini) in lines[0], lines
    assert proc.stdout.splitlines()[1:] == [f"claude-code: installed in ~/.claude/settings.json ({CLAUDE_EVENTS})"]
    assert not (full_gemini / "settings.json").exists()
    claude = user / ".claude" / "settings.json"
    assert run("hooks", "uninstall", "claude-code").returncode == 0
    claude.write_text("[1]\n")
    proc = run("hooks", "install")
    assert proc.returncode == 2  # the worst of a refusal (2) and a failed write (1)
    assert len(proc.stderr.strip().splitlines()) == 2 and claude.read_text() == "[1]\n"


def test_status_lists_every_client_with_its_last_run_and_last_error(user: Path, home: Path) -> None:
    files = corpus.build(user / ".claude")
    assert run("hooks", "install", "claude-code").returncode == 0
    payload = json.dumps({"session_id": corpus.SESSION_A, "transcript_path": str(files["a"]),
                          "cwd": "/p/alpha", "hook_event_name": "Stop"})
    assert run("claude-code", input=payload, exe=TOKENPRINT_HOOK).returncode == 0
    assert run("import", "claude-code").returncode == 0
    proc = run("hooks", "status")
    assert (proc.returncode, proc.stderr) == (0, "")
    out = proc.stdout.splitlines()
    for client in ADAPTERS:
        assert any(line.startswith(f"{client}: ") for line in out), (client, out)
    assert f"claude-code: hooks installed in ~/.claude/settings.json (user): {CLAUDE_EVENTS}" in out
    assert re.search(r"^claude-code: last hook run \d+ s ago \(Stop, ok, \d+ new, 0 updated\)$", proc.stdout, re.M)
    assert "claude-code: all 4 transcripts are in the ledger (Claude Code deletes transcripts after 30 days, default)" in out
    assert "gemini-cli: hooks not installed (run `tokenprint hooks install gemini-cli`)" in out
    for client in absent():
        assert f"{client}: hooks not installed (not found on this machine)" in out
        assert f"{client}: the hook has not run yet" in out

    # a hook run that cannot write: the ledger is damaged (the work is spooled)
    db = home / "ledger.db"
    db.write_bytes(b"not a database" * 1000)
    assert run("claude-code", input=payload, exe=TOKENPRINT_HOOK).returncode == 0
    proc = run("hooks", "status", "claude-code")
    assert re.search(r"^claude-code: last hook run \d+ s ago \(Stop, failed: ledger damaged \(DatabaseError: "
                     r"file is not a database\): work kept in the spool; run `tokenprint doctor`\)$", proc.stdout, re.M)
    assert "claude-code: cannot compare the transcripts with the ledger: the ledger " in proc.stdout
    assert "is damaged (file is not a database)" in proc.stdout


def test_a_scope_the_only_client_asked_lacks_is_exit_2_and_a_note_among_several(user: Path) -> None:
    proc = run("hooks", "install", "gemini-cli", "--scope", "local")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip() == "tokenprint: gemini-cli has no local scope (its scopes: user, project)"
    assert not (user / ".gemini" / "settings.json").exists()
    proc = run("hooks", "install", "claude-code", "gemini-cli", "--scope", "local")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        f"claude-code: installed in ~/.claude/settings.local.json ({CLAUDE_EVENTS})",
        "note: gemini-cli has no local scope (its scopes: user, project); skipped",
    ]
    assert (user / ".claude" / "settings.local.json").exists()
    assert not (user / ".gemini" / "settings.json").exists()
    unknown = run("hooks", "install", "nope")
    assert unknown.returncode == 2 and "'nope' is not a client tokenprint knows; available: " in unknown.stderr


def test_help_lists_every_client_and_what_it_gets(user: Path) -> None:
    proc = run("hooks", "--help")
    assert proc.returncode == 0
    text = " ".join(proc.stdout.split())
    for client in ADAPTERS:
        assert f"{client}: " in text, client
    assert f"claude-code: hooks ({CLAUDE_EVENTS}) in user ~/.claude/settings.json, project .claude/settings.json, " \
           "local .claude/settings.local.json" in text


def test_import_without_a_path_says_where_it_looked(user: Path) -> None:
    from hooks import codex
    from hooks.doctor import source_noun

    proc = run("import", "claude-code")
    assert proc.returncode == 0
    assert "claude-code: no transcripts found in the default locations" in proc.stderr
    (user / ".codex" / "sessions").mkdir(parents=True)
    (user / ".codex" / "archived_sessions").mkdir()
    proc = run("import", "codex")
    assert proc.returncode == 0
    noun = source_noun(codex)[1]
    where = " or ".join(f"~/.codex/{p.name}" for p in codex.default_roots())
    assert where == "~/.codex/sessions or ~/.codex/archived_sessions"
    assert proc.stderr == f"codex: no {noun} found in {where}\n"
    assert f"codex: no {noun} found in {where}" in run("hooks", "status", "codex").stdout
