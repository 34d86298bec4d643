"""Private data is 0600 in 0700 folders whatever the umask (issue 10, defect 11), and
``ledger.files`` writes atomically and cleans up after itself.

Each command runs as a real subprocess under ``umask 000`` and ``umask 022``; the
modes are read from the real files it leaves.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ledger import files
from tests.conftest import TOKENPRINT, TOKENPRINT_HOOK

UMASKS = [0o000, 0o022]
EVENT = {"client": "llm", "model": "gpt-4o", "ts": "2026-11-30T10:00:00Z", "input_tokens": 100, "output_tokens": 50}


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def under(umask: int, *args: str, input: str | None = None, env: dict[str, str] | None = None,
          exe: str = TOKENPRINT) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **(env or {})}
    return subprocess.run([exe, *args], input=input, capture_output=True, text=True, env=full, timeout=120,
                          preexec_fn=lambda: os.umask(umask))


def python_under(umask: int, code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full, timeout=120,
                          preexec_fn=lambda: os.umask(umask))


@pytest.fixture
def fresh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder that does not exist yet (the command creates it)."""
    h = tmp_path / "data" / "tokenprint"
    monkeypatch.setenv("TOKENPRINT_HOME", str(h))
    monkeypatch.delenv("TOKENPRINT_DATABASE_URL", raising=False)
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "claude"))
    return h


@pytest.mark.parametrize("umask", UMASKS)
def test_home_logs_and_config_are_private(fresh_home: Path, umask: int) -> None:
    proc = under(umask, "config", "set", "grid.basis", "market")
    assert proc.returncode == 0, proc.stderr
    assert mode(fresh_home) == 0o700
    assert mode(fresh_home / "logs") == 0o700
    assert mode(fresh_home / "config.toml") == 0o600
    assert not [p for p in fresh_home.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("umask", UMASKS)
def test_a_loose_config_and_home_of_ours_are_tightened(fresh_home: Path, umask: int) -> None:
    fresh_home.mkdir(parents=True, mode=0o755)
    fresh_home.chmod(0o755)
    (fresh_home / "logs").mkdir(mode=0o755)
    (fresh_home / "logs").chmod(0o755)
    config = fresh_home / "config.toml"
    config.write_text("# mine\n[user]\nregion = \"FR\"\n")
    config.chmod(0o644)
    proc = under(umask, "config", "set", "grid.basis", "market")
    assert proc.returncode == 0, proc.stderr
    assert mode(config) == 0o600
    assert config.read_text().startswith("# mine\n")  # the rest of the file as it was
    assert mode(fresh_home) == 0o700 and mode(fresh_home / "logs") == 0o700


@pytest.mark.parametrize("umask", UMASKS)
@pytest.mark.parametrize("own_mode", [0o600, 0o644])
def test_backups_are_private_and_settings_keep_their_own_mode(
    fresh_home: Path, tmp_path: Path, umask: int, own_mode: int
) -> None:
    claude = tmp_path / "claude"
    claude.mkdir()
    settings = claude / "settings.json"
    settings.write_text('{\n  "model": "opus"\n}\n')
    settings.chmod(own_mode)
    for args in (("hooks", "install"), ("statusline", "--install"), ("hooks", "uninstall")):
        proc = under(umask, *args)
        assert proc.returncode == 0, proc.stderr
        assert mode(settings) == own_mode, args
    backups = fresh_home / "backups"
    assert mode(backups) == 0o700
    saved = list(backups.iterdir())
    assert any(p.name.endswith(".bak") for p in saved) and any(p.name.endswith(".original") for p in saved)
    assert {p.name: mode(p) for p in saved} == {p.name: 0o600 for p in saved}
    assert not [p for p in claude.iterdir() if p.name != "settings.json"]


@pytest.mark.parametrize("umask", UMASKS)
def test_the_ledger_and_its_wal_and_shm_are_private(fresh_home: Path, umask: int) -> None:
    proc = under(umask, "log", "--json", "-", input=json.dumps(EVENT))
    assert proc.returncode == 0, proc.stderr
    assert mode(fresh_home / "ledger.db") == 0o600
    # SQLite creates -wal and -shm with the database file's mode: look while they exist
    code = (
        "import json, os, stat, sys\n"
        "from ledger.store import open_store\n"
        "s = open_store()\n"
        "with s.write() as c:\n"
        "    c.exec_driver_sql('CREATE TABLE IF NOT EXISTS t (x)')\n"
        "    c.exec_driver_sql('INSERT INTO t VALUES (1)')\n"
        "with s.engine.connect() as c:\n"
        "    c.exec_driver_sql('SELECT COUNT(*) FROM t').fetchall()\n"
        "    db = s.path\n"
        "    print(json.dumps({x: stat.S_IMODE(os.stat(str(db) + x).st_mode) for x in ('', '-wal', '-shm')}))\n"
        "s.dispose()\n"
    )
    proc = python_under(umask, code)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"": 0o600, "-wal": 0o600, "-shm": 0o600}


@pytest.mark.parametrize("umask", UMASKS)
def test_the_demo_ledger_is_private_and_written_whole(fresh_home: Path, umask: int) -> None:
    proc = under(umask, "demo", "--events", "300", "--days", "3")
    assert proc.returncode == 0, proc.stderr
    assert mode(fresh_home / "demo.db") == 0o600
    assert not [p.name for p in fresh_home.iterdir() if p.name.startswith(".")]  # no temporary file


@pytest.mark.parametrize("umask", UMASKS)
def test_the_hooks_records_are_private(fresh_home: Path, tmp_path: Path, umask: int) -> None:
    transcript = tmp_path / "t.jsonl"
    transcript.write_text("not json\n")
    payload = json.dumps({"session_id": "s", "transcript_path": str(transcript), "hook_event_name": "Stop"})
    proc = under(umask, "claude-code", input=payload, exe=TOKENPRINT_HOOK)
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == ""
    logs = fresh_home / "logs"
    assert mode(fresh_home) == 0o700 and mode(logs) == 0o700
    written = list(logs.iterdir())
    assert any(p.name == "hook-claude-code.json" for p in written)
    assert {p.name: mode(p) for p in written} == {p.name: 0o600 for p in written}


@pytest.mark.parametrize("umask", UMASKS)
def test_private_dir_and_atomic_write_ignore_the_umask(tmp_path: Path, umask: int) -> None:
    """The helpers exports/ and every other private write use (``ledger.files``)."""
    code = (
        "import os, stat, sys\n"
        "from pathlib import Path\n"
        "from ledger import files\n"
        f"root = Path({str(tmp_path)!r})\n"
        "d = files.private_dir(root / 'home' / 'exports')\n"
        "loose = root / 'loose'; loose.mkdir(); os.chmod(loose, 0o777); files.private_dir(loose)\n"
        "files.atomic_write(d / 'a.csv', b'x')\n"
        "files.atomic_write(d / 'b.json', b'y', 0o644)\n"
        "with files.atomic_open(d / 'c.md', text=True) as fh: fh.write('z')\n"
        "m = lambda p: oct(stat.S_IMODE(os.stat(p).st_mode))\n"
        "print(m(d), m(loose), m(d / 'a.csv'), m(d / 'b.json'), m(d / 'c.md'))\n"
    )
    proc = python_under(umask, code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["0o700", "0o700", "0o600", "0o644", "0o600"]
    assert sorted(p.name for p in (tmp_path / "home" / "exports").iterdir()) == ["a.csv", "b.json", "c.md"]


# -- ledger.files: atomic, cleans up ----------------------------------------------------


def test_an_interrupted_write_leaves_the_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "config.toml"
    target.write_bytes(b"before")

    def interrupted(_tmp: Path) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        files.atomic_write(target, b"after", before_replace=interrupted)
    assert target.read_bytes() == b"before"
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]

    with pytest.raises(RuntimeError), files.atomic_open(target, text=True) as fh:
        fh.write("half")
        raise RuntimeError("the writer failed")
    assert target.read_bytes() == b"before"
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]


def test_an_error_names_the_file_not_its_temporary(tmp_path: Path) -> None:
    with pytest.raises(OSError) as info:
        files.atomic_write(tmp_path / "missing" / "x.toml", b"x")
    assert info.value.filename == str(tmp_path / "missing" / "x.toml")


@pytest.mark.parametrize(("code", "words"), [
    (28, "the disk is full"), (30, "read-only file system"), (13, "permission denied"),
])
def test_write_errors_are_one_line_with_the_folder_and_the_fix(tmp_path: Path, code: int, words: str) -> None:
    line = files.write_error(OSError(code, os.strerror(code)), tmp_path / "config.toml")
    assert words in line and str(tmp_path) in line and "\n" not in line


def test_create_private_never_loosens(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "ledger.db"
    files.create_private(db)
    assert mode(db) == 0o600 and mode(db.parent) == 0o700
    db.write_bytes(b"data")
    db.chmod(0o644)
    files.create_private(db)
    assert mode(db) == 0o600 and db.read_bytes() == b"data"


def test_a_symlinked_config_toml_is_written_through_the_link(tmp_path: Path) -> None:
    from ledger.config import set_value

    home = tmp_path / "home"
    dots = tmp_path / "dotfiles"
    home.mkdir()
    dots.mkdir(mode=0o755)
    dots.chmod(0o755)
    (dots / "tokenprint.toml").write_text("# mine\n")
    (home / "config.toml").symlink_to(dots / "tokenprint.toml")
    set_value(home, "grid.basis", "market")
    assert (home / "config.toml").is_symlink()
    assert (dots / "tokenprint.toml").read_text().startswith("# mine\n")
    assert "market" in (dots / "tokenprint.toml").read_text()
    assert mode(dots) == 0o755  # the user's folder is not ours to tighten
    assert sorted(p.name for p in dots.iterdir()) == ["tokenprint.toml"]
