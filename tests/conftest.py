"""Shared fixtures: an isolated ``$TOKENPRINT_HOME`` and ways to run the real commands."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BIN = Path(sys.executable).parent
TOKENPRINT = shutil.which("tokenprint", path=str(BIN)) or "tokenprint"
TOKENPRINT_HOOK = shutil.which("tokenprint-hook", path=str(BIN)) or "tokenprint-hook"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data folder, exported as ``$TOKENPRINT_HOME`` for in-process and child code."""
    h = tmp_path / "tp-home"
    h.mkdir()
    monkeypatch.setenv("TOKENPRINT_HOME", str(h))
    monkeypatch.delenv("TOKENPRINT_DATABASE_URL", raising=False)
    return h


def run(
    *args: str,
    input: str | bytes | None = None,
    env: dict[str, str] | None = None,
    exe: str = TOKENPRINT,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run a console script as a real subprocess (environment inherited + ``env``)."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    return subprocess.run(
        [exe, *args],
        input=input,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
    )


def run_json(*args: str, **kw: Any) -> Any:
    proc = run(*args, **kw)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)
