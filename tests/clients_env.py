"""Point every client's home folder into a test's ``tmp_path``.

``tokenprint hooks install`` with no client (or ``--all``) installs into every client
found on the machine (``present()``): a test that runs it must not see the real
``~/.codex``, ``~/.gemini`` or ``~/.config/opencode``, nor a ``codex`` on PATH.
"""

from __future__ import annotations

from pathlib import Path

import pytest

#: The variables that say where the clients keep their files.
CLIENT_VARS = ("HOME", "CODEX_HOME", "GEMINI_CLI_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME")


def isolate_clients(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, path: bool = False) -> Path:
    """A fresh user folder as ``$HOME``, with ``$CODEX_HOME``, ``$GEMINI_CLI_HOME``,
    ``$XDG_CONFIG_HOME`` and ``$XDG_DATA_HOME`` at their defaults inside it (none of
    them created), ``$OPENCODE_DB`` and Copilot's ``$COPILOT_HOME``,
    ``$COPILOT_OTEL_FILE_EXPORTER_PATH`` and ``$VSCODE_PORTABLE`` unset; with ``path``, ``$PATH`` is an empty folder
    (no client program found). ``$CLAUDE_CONFIG_DIR`` is left to the caller."""
    user = tmp_path / "user"
    user.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(user))
    monkeypatch.setenv("CODEX_HOME", str(user / ".codex"))
    monkeypatch.setenv("GEMINI_CLI_HOME", str(user))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(user / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(user / ".local" / "share"))
    monkeypatch.delenv("OPENCODE_DB", raising=False)
    for var in ("COPILOT_HOME", "COPILOT_OTEL_FILE_EXPORTER_PATH", "VSCODE_PORTABLE"):
        monkeypatch.delenv(var, raising=False)  # Copilot's files then live under $HOME too
    if path:
        empty = tmp_path / "no-clients-bin"
        empty.mkdir(exist_ok=True)
        monkeypatch.setenv("PATH", str(empty))
    return user
