"""``tokenprint hooks install|uninstall|status gemini-cli``: settings.json as JSON with comments.

The four installer tests of Claude Code's (byte-idempotent install, exact
uninstall, foreign entries kept, malformed file untouched), on Gemini CLI's
settings shapes, plus: a commented settings.json keeps every comment byte for
byte through install and uninstall, and what cannot be edited safely is refused
with its reason. Most cases run the adapter's declared target in-process (fast);
the command line is run as a subprocess for the whole round trip.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from hooks import gemini_cli, installer, jsonc
from tests.conftest import TOKENPRINT_HOOK, run

ARGV = [TOKENPRINT_HOOK, "gemini-cli"]
TARGET = gemini_cli.INSTALL[0]

COMMENTED = """// Gemini CLI settings (synced from my dotfiles)
{
  /* appearance */
  "theme": "GitHub", // the light one
  "general": {
    "vimMode": true
  },

  // my own hooks
  "hooks": {
    "BeforeTool": [
      {
        "matcher": "run_shell_command",
        "hooks": [{"type": "command", "command": "guard.sh", "timeout": 5000}] // keep
      }
    ],
    "AfterAgent": [
      {"hooks": [{"type": "command", "command": "say done"}]}
    ]
  }
}
"""

SHAPES = {
    "absent": None,
    "empty-file": "",
    "empty-object": "{}",
    "empty-object-newline": "{\n}\n",
    "commented": COMMENTED,
    "comment-after-last": '{\n  "theme": "x" // last\n}\n',
    "block-comment-inside-empty": "{ /* nothing yet */ }",
    "compact": '{"theme":"x","hooks":{"SessionEnd":[{"hooks":[{"type":"command","command":"x"}]}]}}',
    "tabs-crlf": '{\r\n\t"theme": "dark", // dark\r\n\t"hooks": {}\r\n}\r\n',
    "bom": '\ufeff{\n  "theme": "x"\n}\n',
    "hooks-empty-lists": '{\n  "hooks": {\n    "AfterAgent": [],\n    "SessionEnd": [] /* none */\n  }\n}\n',
}


@pytest.fixture
def gdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, home: Path) -> Path:
    monkeypatch.setenv("GEMINI_CLI_HOME", str(tmp_path / "g"))
    d = tmp_path / "g" / ".gemini"
    d.mkdir(parents=True)
    return d


def write(path: Path, text: str | None) -> None:
    if text is not None:
        path.write_bytes(text.encode("utf-8"))


def ours(path: Path) -> dict[str, list[str]]:
    return installer.installed_hooks(jsonc.parse(path.read_bytes().decode("utf-8-sig")).root.value)


def comments(text: str) -> list[str]:
    doc = jsonc.parse(text.lstrip("\ufeff"))
    return [doc.text[a:b] for a, b in doc.comments]


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_installing_twice_gives_the_same_bytes(gdir: Path, home: Path, shape: str) -> None:
    path = gdir / "settings.json"
    write(path, SHAPES[shape])
    assert TARGET.install(home, "user", ARGV) == "installed"
    once = path.read_bytes()
    assert TARGET.install(home, "user", ARGV) == "already installed"
    assert path.read_bytes() == once
    assert set(ours(path)) == {"AfterAgent", "SessionEnd"}
    entry = json.loads(jsonc.strip_comments(once.decode("utf-8-sig")))["hooks"]["AfterAgent"][-1]["hooks"][0]
    assert entry["timeout"] == 10000  # milliseconds, as Gemini CLI reads it
    original = SHAPES[shape]
    if original:
        assert comments(once.decode("utf-8")) == comments(original)  # every comment, in order


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_uninstall_gives_back_the_original_bytes(gdir: Path, home: Path, shape: str) -> None:
    path = gdir / "settings.json"
    write(path, SHAPES[shape])
    TARGET.install(home, "user", ARGV)
    said = TARGET.uninstall(home, "user")
    original = SHAPES[shape]
    if original is None:
        assert not path.exists() and said == "removed the file we had created"
    else:
        assert path.read_bytes() == original.encode("utf-8") and said == "restored the original content"
    assert TARGET.uninstall(home, "user").startswith("nothing installed")


def test_foreign_entries_and_every_comment_survive(gdir: Path, home: Path) -> None:
    path = gdir / "settings.json"
    write(path, COMMENTED)
    TARGET.install(home, "user", ARGV)
    text = path.read_text()
    # The file is the original with our entries inserted: deleting what we added gives it back.
    assert text.startswith(COMMENTED[: COMMENTED.index('"say done"}]}')])
    data = json.loads(jsonc.strip_comments(text))
    assert data["theme"] == "GitHub" and data["general"] == {"vimMode": True}
    assert data["hooks"]["BeforeTool"][0]["hooks"][0]["command"] == "guard.sh"
    assert data["hooks"]["AfterAgent"][0] == {"hooks": [{"type": "command", "command": "say done"}]}
    assert len(data["hooks"]["AfterAgent"]) == 2 and len(data["hooks"]["SessionEnd"]) == 1
    st = TARGET.status(home, "user")
    assert st.installed == ["AfterAgent", "SessionEnd"] and st.missing == [] and st.problem is None


def test_a_comment_added_after_install_is_kept_by_uninstall(gdir: Path, home: Path) -> None:
    path = gdir / "settings.json"
    write(path, COMMENTED)
    TARGET.install(home, "user", ARGV)
    edited = path.read_text().replace('"theme": "GitHub", // the light one',
                                      '"theme": "GitHub", // the light one\n  // added later\n  "a": 1,')
    path.write_text(edited)
    assert TARGET.uninstall(home, "user") == "removed our entries"
    want = COMMENTED.replace('"theme": "GitHub", // the light one',
                             '"theme": "GitHub", // the light one\n  // added later\n  "a": 1,')
    assert path.read_text() == want


REFUSED = {
    "trailing-comma": ('{\n  "theme": "x",\n}\n', "trailing comma"),
    "duplicate-keys": ('{"hooks": {}, "hooks": {"AfterAgent": []}}', "duplicate key 'hooks'"),
    "unterminated-comment": ('{"theme": "x"} /* forgot to close', "unterminated /* comment"),
    "only-comments": ("// nothing here yet\n", "no JSON value"),
    "truncated": ('{"hooks": {"AfterAgent": [', "expected a value"),
    "hooks-is-a-list": ('{"hooks": []} // odd', '"hooks" is a JSON list'),
    "top-level-list": ("[1, 2] // odd", "the top level is a JSON list"),
    "nan": ('{"x": NaN}', "not a JSON value"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_malformed_settings_are_refused_and_left_untouched(gdir: Path, home: Path, case: str) -> None:
    text, problem = REFUSED[case]
    path = gdir / "settings.json"
    write(path, text)
    before, mtime = path.read_bytes(), path.stat().st_mtime_ns
    with pytest.raises(installer.SettingsError) as info:
        TARGET.install(home, "user", ARGV)
    assert problem in str(info.value) and str(path) in str(info.value) and "untouched" in str(info.value)
    assert TARGET.status(home, "user").problem is not None
    assert path.read_bytes() == before and path.stat().st_mtime_ns == mtime


def test_an_edit_that_would_touch_a_comment_is_refused_with_the_reason(gdir: Path, home: Path) -> None:
    path = gdir / "settings.json"
    write(path, COMMENTED)
    TARGET.install(home, "user", ARGV)
    # The user puts a comment inside our entry, and replaces the file (no original fits).
    text = path.read_text().replace('"timeout": 10000\n', '"timeout": 10000 // mine now?\n', 1)
    path.write_text(text)
    before = path.read_bytes()
    with pytest.raises(installer.SettingsError, match="cannot be edited safely.*comment.*line 2[0-9] column"):
        TARGET.uninstall(home, "user")
    assert path.read_bytes() == before


def test_project_scope(tmp_path: Path, gdir: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert TARGET.install(home, "project", ARGV) == "installed"
    assert set(ours(tmp_path / ".gemini" / "settings.json")) == {"AfterAgent", "SessionEnd"}
    assert not (gdir / "settings.json").exists()


def test_the_command_line_round_trip(gdir: Path, home: Path) -> None:
    path = gdir / "settings.json"
    write(path, COMMENTED)
    proc = run("hooks", "install", "gemini-cli")
    assert proc.returncode == 0, proc.stderr
    assert "installed" in proc.stdout and "AfterAgent, SessionEnd" in proc.stdout
    command = ours(path)["AfterAgent"][0]
    # The installed command runs as Gemini CLI runs it (a shell, payload on stdin), prints nothing.
    sh = subprocess.run(["/bin/sh", "-c", command], input='{"hook_event_name": "AfterAgent"}',
                        capture_output=True, text=True, timeout=60)
    assert sh.returncode == 0 and sh.stdout == "" and sh.stderr == ""
    status = run("hooks", "status", "gemini-cli")
    assert status.returncode == 0 and "AfterAgent, SessionEnd" in status.stdout
    proc = run("hooks", "uninstall", "gemini-cli")
    assert proc.returncode == 0 and "restored the original content" in proc.stdout
    assert path.read_text() == COMMENTED
    write(path, '{"theme": "x",}')
    proc = run("hooks", "install", "gemini-cli")
    assert proc.returncode == 2 and "trailing comma" in proc.stderr and "untouched" in proc.stderr


EXTENSION = Path(__file__).resolve().parents[2] / "plugins" / "gemini-cli"


def test_the_extension_declares_our_hooks() -> None:
    manifest = json.loads((EXTENSION / "gemini-extension.json").read_text())
    assert manifest["name"] == "tokenprint" and manifest["version"] and manifest["description"]
    hooks = json.loads((EXTENSION / "hooks" / "hooks.json").read_text())["hooks"]
    assert sorted(hooks) == sorted(gemini_cli.HOOK_EVENTS)
    for event in gemini_cli.HOOK_EVENTS:
        (entry,) = hooks[event][0]["hooks"]
        assert entry["type"] == "command" and entry["timeout"] == gemini_cli.HOOK_TIMEOUT_MS
        assert "tokenprint-hook gemini-cli" in entry["command"] and "${" not in entry["command"]
        # Without tokenprint-hook on PATH the command exits 0, silently.
        sh = subprocess.run(["/bin/sh", "-c", entry["command"]], input="{}", capture_output=True,
                            text=True, timeout=30, env={"PATH": "/nonexistent"})
        assert sh.returncode == 0 and sh.stdout == "" and sh.stderr == ""
