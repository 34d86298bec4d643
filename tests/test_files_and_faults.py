"""Faults on real file systems (issue 10): a full disk (a 1 MB tmpfs, filled) under
``$TOKENPRINT_HOME`` or the client's config folder, and a read-only home (a tmpfs
remounted read only: root ignores permission bits, a read-only mount it cannot).

Every command runs as a real subprocess. Each test checks the one-line message,
that no traceback is printed, and that nothing stored was lost or left half
written: settings byte for byte, config.toml, the ledger, no temporary files, no
0-byte saved original. Where ``mount`` is refused, the tests skip and say why.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hooks import installer
from tests.conftest import TOKENPRINT, TOKENPRINT_HOOK, run

FOREIGN = '{\n    "model": "opus",\n    "hooks": {"Stop": [{"hooks": [{"type": "command", "command": "say done"}]}]}\n}\n'
EVENT = {"client": "llm", "model": "gpt-4o", "input_tokens": 1234, "output_tokens": 56}  # now


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Callable[..., Path]]:
    """``tmpfs(name, size="1m")``: a fresh tmpfs mounted at ``tmp_path/name``."""
    mounted: list[Path] = []

    def mount(name: str, size: str = "1m") -> Path:
        d = tmp_path / name
        d.mkdir()
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(d)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip() or proc.returncode}")
        mounted.append(d)
        return d

    yield mount
    for d in reversed(mounted):
        subprocess.run(["umount", "-l", str(d)], capture_output=True)


def fill(folder: Path) -> Path:
    """Fill the file system of ``folder`` to the last byte; returns the filler file."""
    filler = folder / "filler"
    chunk = b"\0" * 65536
    with open(filler, "wb", buffering=0) as fh:
        try:
            while True:
                fh.write(chunk)
        except OSError:
            pass
        try:
            while True:
                fh.write(b"\0")
        except OSError:
            pass
    return filler


def read_only(folder: Path) -> None:
    proc = subprocess.run(["mount", "-o", "remount,ro", str(folder)], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot remount read only: {proc.stderr.strip()}")


def one_line(proc: subprocess.CompletedProcess[str], code: int = 1) -> str:
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(*folders: Path) -> list[str]:
    """Temporary files, and saved originals that say nothing (0 bytes)."""
    out = []
    for folder in folders:
        for p in folder.rglob("*"):
            if p.name.endswith(".tmp") or ".tmp." in p.name or (p.name.endswith(".original") and p.stat().st_size == 0):
                out.append(str(p))
    return out


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[Path, Path], None]:
    def set_(home: Path, claude: Path) -> None:
        monkeypatch.setenv("TOKENPRINT_HOME", str(home))
        monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(claude))
        monkeypatch.delenv("TOKENPRINT_DATABASE_URL", raising=False)

    return set_


# -- a full disk -------------------------------------------------------------------------


@pytest.mark.parametrize("existing", [True, False])
def test_hooks_install_on_a_full_home_fails_in_one_line_and_changes_nothing(
    tmpfs: Callable[..., Path], tmp_path: Path, env: Callable[[Path, Path], None], existing: bool
) -> None:
    home = tmpfs("home")
    claude = tmp_path / "claude"
    claude.mkdir()
    env(home, claude)
    settings = claude / "settings.json"
    if existing:
        settings.write_text(FOREIGN)
    assert run("config", "list").returncode == 0  # the home and its folders exist
    filler = fill(home)
    for args in (("hooks", "install"), ("statusline", "--install")):
        line = one_line(run(*args))
        assert "the disk is full" in line and str(home) in line, line
        assert (settings.read_text() == FOREIGN) if existing else not settings.exists()
        assert not leftovers(home, claude)
        assert not list(home.rglob("*.original")) and not list(home.rglob("*.bak"))
    # space again: an install and an uninstall give the file back exactly (or no file:
    # an absent original is restored by deleting ours, never by writing 0 bytes)
    filler.unlink()
    assert run("hooks", "install").returncode == 0
    proc = run("hooks", "uninstall")
    assert proc.returncode == 0, proc.stderr
    assert (settings.read_text() == FOREIGN) if existing else not settings.exists()


def test_hooks_install_into_a_full_client_folder_leaves_the_file_byte_identical(
    tmpfs: Callable[..., Path], tmp_path: Path, env: Callable[[Path, Path], None]
) -> None:
    claude = tmpfs("claude")
    home = tmp_path / "home"
    env(home, claude)
    settings = claude / "settings.json"
    settings.write_text(FOREIGN)
    fill(claude)
    before = sorted(p.name for p in claude.iterdir())
    for args in (("hooks", "install"), ("statusline", "--install")):
        line = one_line(run(*args))
        assert "the disk is full" in line and str(claude) in line, line
        assert settings.read_text() == FOREIGN
        assert sorted(p.name for p in claude.iterdir()) == before  # no temporary file
        assert not list((home / "backups").glob("*.bak"))  # nothing changed, nothing to back up
        assert not list((home / "backups").glob("*.original"))


def test_uninstall_onto_a_full_client_folder_keeps_our_entries_and_the_saved_original(
    tmpfs: Callable[..., Path], tmp_path: Path, env: Callable[[Path, Path], None]
) -> None:
    claude = tmpfs("claude")
    home = tmp_path / "home"
    env(home, claude)
    settings = claude / "settings.json"
    settings.write_text(FOREIGN)
    assert run("hooks", "install").returncode == 0
    installed = settings.read_bytes()
    filler = fill(claude)
    line = one_line(run("hooks", "uninstall"))
    assert "the disk is full" in line
    assert settings.read_bytes() == installed
    assert not leftovers(home, claude)
    filler.unlink()
    assert run("hooks", "uninstall").returncode == 0
    assert settings.read_text() == FOREIGN  # the saved original survived the failed attempt


def test_config_set_on_a_full_home_fails_in_one_line_and_leaves_config_toml(
    tmpfs: Callable[..., Path], tmp_path: Path, env: Callable[[Path, Path], None]
) -> None:
    home = tmpfs("home")
    env(home, tmp_path / "claude")
    assert run("config", "set", "user.region", "FR").returncode == 0
    before = (home / "config.toml").read_bytes()
    fill(home)
    line = one_line(run("config", "set", "grid.basis", "market"))
    assert "the disk is full" in line and "config.toml" in line, line
    assert (home / "config.toml").read_bytes() == before
    assert not leftovers(home) and not (home / "config.toml.tmp").exists()


def test_demo_on_a_full_home_keeps_the_previous_demo(
    tmpfs: Callable[..., Path], tmp_path: Path, env: Callable[[Path, Path], None]
) -> None:
    home = tmpfs("home", "2m")
    env(home, tmp_path / "claude")
    assert run("demo", "--events", "200", "--days", "2").returncode == 0
    before = (home / "demo.db").read_bytes()
    line = one_line(run("demo", "--events", "40000", "--days", "30"))
    assert "demo.db" in line and ("full" in line), line
    assert (home / "demo.db").read_bytes() == before
    assert not [p.name for p in home.iterdir() if p.name.startswith(".")]


def test_export_onto_a_full_disk_fails_in_one_line_without_a_temporary_file(
    tmpfs: Callable[..., Path], tmp_path: Path, env: Callable[[Path, Path], None]
) -> None:
    out = tmpfs("out")
    env(tmp_path / "home", tmp_path / "claude")
    assert run("log", "--json", "-", input=json.dumps(EVENT)).returncode == 0
    fill(out)
    proc = run("export", "--since", "2026-01-01", "--format", "csv", "-o", str(out / "x.csv"))
    one_line(proc)
    assert sorted(p.name for p in out.iterdir()) == ["filler"]


# -- a read-only home --------------------------------------------------------------------


@pytest.fixture
def ro_home(tmpfs: Callable[..., Path], tmp_path: Path, env: Callable[[Path, Path], None]) -> Path:
    """A home with one logged event, then remounted read only."""
    home = tmpfs("home", "8m")
    env(home, tmp_path / "claude")
    (tmp_path / "claude").mkdir()
    proc = run("log", "--json", "-", input=json.dumps(EVENT))
    assert proc.returncode == 0, proc.stderr
    return home


def _report_tokens(proc: subprocess.CompletedProcess[str]) -> int:
    assert proc.returncode == 0, proc.stderr
    return int(json.loads(proc.stdout)["totals"]["input_tokens"])


@pytest.mark.parametrize("shm", ["kept", "removed"])
def test_report_reads_a_read_only_home(ro_home: Path, shm: str) -> None:
    db = ro_home / "ledger.db"
    if shm == "removed":  # the ledger as a clean close leaves it: no -shm to share
        for suffix in ("-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
    before = tree(ro_home)
    read_only(ro_home)
    proc = run("report", "daily", "--json")
    assert _report_tokens(proc) == EVENT["input_tokens"], proc.stderr
    assert tree(ro_home) == before


def test_the_hook_on_a_read_only_home_exits_0_quickly_and_silently(ro_home: Path, tmp_path: Path) -> None:
    read_only(ro_home)
    transcript = tmp_path / "t.jsonl"
    transcript.write_text(json.dumps({"type": "assistant", "sessionId": "s", "timestamp": "2026-11-30T10:00:00Z",
                                      "message": {"id": "m1", "model": "claude-sonnet-4-5", "usage":
                                                  {"input_tokens": 5, "output_tokens": 6}}}) + "\n")
    payload = json.dumps({"session_id": "s", "transcript_path": str(transcript), "hook_event_name": "Stop"})
    t0 = time.monotonic()
    proc = run("claude-code", input=payload, exe=TOKENPRINT_HOOK)
    elapsed = time.monotonic() - t0
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == "", proc
    assert elapsed < 5, elapsed


def test_a_data_folder_that_cannot_be_created_is_one_line(tmp_path: Path) -> None:
    """--home under a regular file: one line naming the folder, exit 2, no traceback."""
    (tmp_path / "file").write_text("x")
    home = tmp_path / "file" / "home"
    proc = subprocess.run([TOKENPRINT, "--home", str(home), "report"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert str(home) in proc.stderr and "create the data folder" in proc.stderr


@pytest.mark.parametrize("command", ["config", "hooks", "statusline", "log"])
def test_writes_to_a_read_only_home_fail_in_one_line(ro_home: Path, tmp_path: Path, command: str) -> None:
    settings = tmp_path / "claude" / "settings.json"
    settings.write_text(FOREIGN)
    before = tree(ro_home)
    read_only(ro_home)
    args = {"config": ("config", "set", "grid.basis", "market"), "hooks": ("hooks", "install"),
            "statusline": ("statusline", "--install"), "log": ("log", "--json", "-")}[command]
    line = one_line(run(*args, input=json.dumps({**EVENT, "input_tokens": 99})))
    assert re.search(r"read.?only", line) and str(ro_home) in line and "TOKENPRINT_HOME" in line, line
    assert settings.read_text() == FOREIGN
    assert tree(ro_home) == before


def test_unwritable_reason_names_a_read_only_or_full_folder(
    tmpfs: Callable[..., Path], tmp_path: Path
) -> None:
    """For errors without an errno (SQLite's): what ``ledger_failed`` can append."""
    from ledger.files import unwritable_reason

    assert unwritable_reason(tmp_path) is None
    full = tmpfs("full")
    filler = fill(full)
    assert "is full" in (unwritable_reason(full) or "")
    filler.unlink()
    read_only(full)
    reason = unwritable_reason(full) or ""
    assert str(full) in reason and "read-only" in reason and "TOKENPRINT_HOME" in reason


def test_a_read_only_install_leaves_no_saved_original(ro_home: Path, tmp_path: Path) -> None:
    """The installer in-process: the OSError propagates, and nothing is left behind."""
    settings = tmp_path / "claude" / "settings.json"
    read_only(ro_home)
    with pytest.raises(OSError) as info:
        installer.install_hooks(ro_home, settings, ["Stop"], installer.marked("tokenprint-hook claude-code"))
    assert info.value.errno == 30 and str(ro_home) in str(info.value.filename)
    assert not settings.exists()
