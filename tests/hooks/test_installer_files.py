"""The installer on the files users really have (issue 10, defects 9, 12 and 13, and
the fault "a config replaced during install"): symbolic links into a dotfiles
repository, numbers JSON allows but a float does not keep, literals JSON forbids,
deep nesting, saved originals cut short by a full disk, and another program writing
the file between our read and our write.

The installer runs for real on real files; the race is injected at the one point
where it matters (right before the rename) through the installer's test hook.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from hooks import installer
from tests.clients_env import isolate_clients
from tests.conftest import run

EVENTS = ["Stop", "SubagentStop", "SessionEnd"]
COMMAND = installer.marked("/opt/tp/bin/tokenprint-hook claude-code")

ORIGINAL = """{
    "model": "opus",
    "hooks": {
        "Stop": [{"hooks": [{"type": "command", "command": "say done"}]}]
    },
    "cleanupPeriodDays": 45
}
"""


def strict_json(raw: bytes) -> object:
    """Parse as a client does: NaN and Infinity are not JSON."""

    def refuse(literal: str) -> object:
        raise ValueError(f"{literal} is not JSON")

    # parse_int=int would stop at 4300 digits, a limit of Python's, not of JSON
    return json.loads(raw.decode("utf-8"), parse_constant=refuse, parse_int=lambda t: int(t) if len(t) < 400 else t)


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def cfg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, home: Path) -> Path:
    d = tmp_path / "claude"
    d.mkdir()
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(d))
    isolate_clients(tmp_path, monkeypatch)  # `hooks install` alone installs every client found
    return d


# -- defect 9: a symlinked settings.json -------------------------------------------------


def _link(kind: str, cfg: Path, target: Path) -> Path:
    link = cfg / "settings.json"
    if kind == "absolute":
        link.symlink_to(target)
    elif kind == "relative":
        link.symlink_to(os.path.relpath(target, cfg))
    else:  # a chain of two links: settings.json -> middle.json -> target
        middle = cfg.parent / "middle.json"
        middle.symlink_to(os.path.relpath(target, middle.parent))
        link.symlink_to(middle)
    return link


@pytest.mark.parametrize("kind", ["absolute", "relative", "chain"])
def test_a_symlinked_settings_file_is_edited_through_the_link(cfg: Path, home: Path, kind: str) -> None:
    dots = cfg.parent / "dotfiles" / "claude"
    dots.mkdir(parents=True)
    target = dots / "settings.json"
    target.write_text(ORIGINAL)
    target.chmod(0o640)
    link = _link(kind, cfg, target)
    pointed = os.readlink(link)
    before_dots, before_cfg = listing(dots), listing(cfg)

    proc = run("hooks", "install", "claude-code")
    assert proc.returncode == 0, proc.stderr
    proc = run("statusline", "--install")
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink() and os.readlink(link) == pointed
    data = strict_json(target.read_bytes())
    assert isinstance(data, dict)
    assert set(installer.installed_hooks(data)) == set(EVENTS)
    assert installer.statusline_is_ours(data["statusLine"])
    assert target.stat().st_mode & 0o777 == 0o640  # the target keeps its own mode
    # nothing of ours beside the target (the user's dotfiles repository) or the link
    assert listing(dots) == before_dots and listing(cfg) == before_cfg
    assert any(p.name.endswith(".original") for p in (home / "backups").iterdir())

    assert run("hooks", "uninstall", "claude-code").returncode == 0
    proc = run("statusline", "--uninstall")
    assert proc.returncode == 0, proc.stderr
    assert "restored the original content" in proc.stdout
    assert target.read_text() == ORIGINAL
    assert link.is_symlink() and os.readlink(link) == pointed
    assert listing(dots) == before_dots and listing(cfg) == before_cfg


@pytest.mark.parametrize("loop", [False, True])
def test_a_dangling_link_is_refused_in_one_line_and_left_alone(cfg: Path, loop: bool) -> None:
    link = cfg / "settings.json"
    if loop:
        other = cfg / "other.json"
        other.symlink_to(link)
        link.symlink_to(other)
    else:
        link.symlink_to(cfg.parent / "dotfiles" / "settings.json")
    pointed = os.readlink(link)
    for args in (("hooks", "install", "claude-code"), ("statusline", "--install"),
                 ("hooks", "uninstall", "claude-code")):
        proc = run(*args)
        assert proc.returncode == 2, (args, proc.stdout)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "symbolic link" in lines[0] and "left untouched" in lines[0], proc.stderr
        assert link.is_symlink() and os.readlink(link) == pointed
    assert not (cfg.parent / "dotfiles").exists()


# -- defect 13 (settings half): numbers and literals -------------------------------------

#: Numbers valid in JSON that a float or an int would not write back as they are.
TOKENS = {
    "1e999": "1e999",
    "-1e999": "-1e999",
    "1e400-as-int": "1" + "0" * 400,
    "5000-digit-int": "7" * 5000,  # beyond Python's int parser (4300 digits)
    "1.50": "1.50",
    "-0": "-0",
    "1E+2": "1E+2",
}


@pytest.mark.parametrize("name", sorted(TOKENS))
def test_numbers_keep_their_exact_tokens_through_install_and_uninstall(cfg: Path, home: Path, name: str) -> None:
    token = TOKENS[name]
    # laid out as the installer writes (so that a rewrite after an edit is exact too)
    text = f'{{\n  "b": {token},\n  "list": [\n    {token},\n    1\n  ],\n  "model": "opus"\n}}\n'
    path = cfg / "settings.json"
    path.write_text(text)
    installer.install_hooks(home, path, EVENTS, COMMAND)
    raw = path.read_bytes()
    strict_json(raw)  # never Infinity
    assert f'"b": {token},'.encode() in raw and f"{token},".encode() in raw
    assert b"Infinity" not in raw
    data = installer.load(path).data
    assert set(installer.installed_hooks(data)) == set(EVENTS)
    # the user edits the file in between: uninstall writes it again, tokens kept
    data2 = strict_json(raw)
    assert isinstance(data2, dict)
    path.write_bytes(raw.replace(b'"model": "opus"', b'"model": "haiku"'))
    assert installer.uninstall_hooks(home, path, EVENTS) == "removed our entries"
    after = path.read_bytes()
    strict_json(after)
    assert after == text.replace('"model": "opus"', '"model": "haiku"').encode()


def test_numbers_survive_exact_uninstall_through_the_command(cfg: Path) -> None:
    path = cfg / "settings.json"
    text = '{"b": 1e999, "c": -1e999, "n": 100000000000000000000000000000000}'
    path.write_text(text)
    for args in (("hooks", "install"), ("statusline", "--install")):
        proc = run(*args)
        assert proc.returncode == 0, proc.stderr
        strict_json(path.read_bytes())
        assert b'"b": 1e999' in path.read_bytes()
    assert run("hooks", "uninstall").returncode == 0
    assert run("statusline", "--uninstall").returncode == 0
    assert path.read_text() == text


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_literals_that_are_not_json_are_refused_on_install_and_uninstall(cfg: Path, literal: str) -> None:
    path = cfg / "settings.json"
    text = f'{{\n  "note": "NaN and Infinity in a string are fine",\n  "b": {literal}\n}}\n'
    path.write_text(text)
    proc = run("hooks", "install")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{literal} is not a JSON value" in lines[0] and "line 3 column 8" in lines[0], lines
    assert path.read_text() == text
    # installed on a clean file, then the literal appears: uninstall refuses too
    path.write_text('{\n  "b": 1\n}\n')
    assert run("hooks", "install").returncode == 0
    installed = path.read_text().replace('"b": 1', f'"b": {literal}')
    path.write_text(installed)
    proc = run("hooks", "uninstall")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert path.read_text() == installed


@pytest.mark.parametrize("depth", [getattr(installer, "MAX_DEPTH", 64) + 1, 100_000])
def test_deep_nesting_is_refused_in_one_line(cfg: Path, depth: int) -> None:
    path = cfg / "settings.json"
    text = '{"a": ' + "[" * depth + "]" * depth + "}"
    path.write_text(text)
    for args in (("hooks", "install"), ("hooks", "uninstall"), ("statusline", "--install")):
        proc = run(*args)
        assert proc.returncode == 2, proc.stderr[-500:]
        assert "Traceback" not in proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "nested deeper than" in lines[0], lines
        assert path.read_text() == text


# -- defect 12: a saved original cut short ----------------------------------------------


@pytest.mark.parametrize("kind", ["original", "hooks", "statusline"])
def test_a_zero_byte_saved_original_never_restores_a_zero_byte_file(cfg: Path, home: Path, kind: str) -> None:
    """A full disk left a 0-byte ``*.hooks.original`` (older versions): that is not an
    original, and uninstall never writes a 0-byte settings.json from it."""
    path = cfg / "settings.json"
    installer.install_hooks(home, path, EVENTS, COMMAND)  # no file before: the original says so
    snapshot = installer._snapshot_path(home, path, kind)
    for p in (home / "backups").glob("*.original"):
        p.unlink()
    snapshot.write_bytes(b"")
    assert installer.uninstall_hooks(home, path, EVENTS) == "removed our entries"
    assert path.read_bytes().strip() == b"{}"
    assert not list((home / "backups").glob("*.original"))


def test_an_absent_original_is_restored_by_deleting_our_file(cfg: Path, home: Path) -> None:
    path = cfg / "settings.json"
    installer.install_hooks(home, path, EVENTS, COMMAND)
    (snapshot,) = (home / "backups").glob("*.original")
    assert snapshot.read_bytes() == b"-"  # "there was no file", explicitly
    assert installer.uninstall_hooks(home, path, EVENTS) == "removed the file we had created"
    assert not path.exists()


# -- fault: the settings file replaced during install -----------------------------------


@pytest.fixture
def race(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    """Another program writes each of ``race``'s bytes to the file, one per attempt of
    ours, right before our rename."""
    writes: list[bytes] = []

    def other_program(real: Path) -> None:
        if writes:
            real.write_bytes(writes.pop(0))

    monkeypatch.setattr(installer, "_before_replace_hook", other_program, raising=False)
    yield writes


def _no_temp_files(*folders: Path) -> None:
    for folder in folders:
        assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")], listing(folder)


def test_a_file_replaced_during_install_is_read_again_and_both_changes_kept(
    cfg: Path, home: Path, race: list[bytes]
) -> None:
    path = cfg / "settings.json"
    path.write_text(ORIGINAL)
    theirs = ORIGINAL.replace('"model": "opus"', '"model": "opus", "theme": "theirs"')
    race.append(theirs.encode())
    assert installer.install_hooks(home, path, EVENTS, COMMAND) == "installed"
    data = strict_json(path.read_bytes())
    assert isinstance(data, dict)
    assert data["theme"] == "theirs"  # the other program's change is kept
    assert set(installer.installed_hooks(data)) == set(EVENTS)
    _no_temp_files(cfg, home / "backups")
    # the original saved is the file as the other program left it
    assert installer.uninstall_hooks(home, path, EVENTS) == "restored the original content"
    assert path.read_text() == theirs


def test_a_file_replaced_again_and_again_is_refused_and_left_as_the_other_program_wrote_it(
    cfg: Path, home: Path, race: list[bytes]
) -> None:
    path = cfg / "settings.json"
    path.write_text(ORIGINAL)
    race.extend([b'{"theirs": 1}\n', b'{"theirs": 2}\n'])
    with pytest.raises(installer.SettingsChanged, match="another program changed this file"):
        installer.install_hooks(home, path, EVENTS, COMMAND)
    assert path.read_bytes() == b'{"theirs": 2}\n'
    _no_temp_files(cfg, home / "backups")
    assert not list((home / "backups").glob("*.original"))  # no original saved for nothing
    assert not list((home / "backups").glob("*.bak"))


def test_a_file_replaced_during_uninstall_keeps_the_other_programs_change(
    cfg: Path, home: Path, race: list[bytes]
) -> None:
    path = cfg / "settings.json"
    path.write_text(ORIGINAL)
    installer.install_hooks(home, path, EVENTS, COMMAND)
    installed = path.read_text()
    theirs = installed.replace('"model": "opus"', '"model": "sonnet"')
    race.append(theirs.encode())
    assert installer.uninstall_hooks(home, path, EVENTS) == "removed our entries"
    data = strict_json(path.read_bytes())
    assert isinstance(data, dict)
    assert data["model"] == "sonnet" and installer.installed_hooks(data) == {}
    assert data["hooks"] == {"Stop": [{"hooks": [{"type": "command", "command": "say done"}]}]}


def test_a_file_created_during_install_is_not_overwritten(cfg: Path, home: Path, race: list[bytes]) -> None:
    """No file when we read; one appears before our rename: ours must not replace it."""
    path = cfg / "settings.json"
    race.append(b'{"created": "by them"}\n')
    assert installer.install_hooks(home, path, EVENTS, COMMAND) == "installed"
    data = strict_json(path.read_bytes())
    assert isinstance(data, dict) and data["created"] == "by them"
    assert set(installer.installed_hooks(data)) == set(EVENTS)
    # the original is theirs, not "no file": uninstall gives their bytes back
    assert installer.uninstall_hooks(home, path, EVENTS) == "restored the original content"
    assert path.read_bytes() == b'{"created": "by them"}\n'
    race.extend([b'{"created": 1}\n', b'{"created": 2}\n'])
    path.unlink()
    with pytest.raises(installer.SettingsChanged):
        installer.install_hooks(home, path, EVENTS, COMMAND)
    assert path.read_bytes() == b'{"created": 2}\n'


def test_two_installs_at_once_leave_one_entry_per_event(cfg: Path, home: Path) -> None:
    """Our own concurrent edits are serialised by the lock: both succeed, one entry each."""
    path = cfg / "settings.json"
    path.write_text(ORIGINAL)
    procs = [subprocess.Popen([*_tp(), "hooks", "install"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(4)]
    for p in procs:
        _out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    data = strict_json(path.read_bytes())
    assert isinstance(data, dict)
    assert {e: len(c) for e, c in installer.installed_hooks(data).items()} == dict.fromkeys(EVENTS, 1)
    assert data["hooks"]["Stop"][0]["hooks"][0]["command"] == "say done"


def _tp() -> list[str]:
    from tests.conftest import TOKENPRINT

    return [TOKENPRINT]
