"""Where tokenprint keeps its data: ``$TOKENPRINT_HOME`` or the user data dir.

Standard library only (the hook resolves its home on every turn). The default
mirrors ``platformdirs.user_data_dir("tokenprint", appauthor=False)``; a test
checks that the two agree on the running platform.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

LEDGER_FILE = "ledger.db"
DEMO_FILE = "demo.db"
CONFIG_FILE = "config.toml"
LOGS_DIR = "logs"


def default_home() -> Path:
    """The platform's per-user data folder for tokenprint."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "tokenprint"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "tokenprint"
    xdg = os.environ.get("XDG_DATA_HOME", "").strip()
    base_path = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base_path / "tokenprint"


def resolve_home(home: str | os.PathLike[str] | None = None) -> Path:
    """``--home`` when given, else ``$TOKENPRINT_HOME``, else the platform default."""
    if home:
        return Path(home).expanduser()
    env = os.environ.get("TOKENPRINT_HOME", "").strip()
    if env:
        return Path(env).expanduser()
    return default_home()


def ensure_home(home: Path) -> Path:
    """Create the home folder and its ``logs/``, both 0700 whatever the umask (an
    existing one of ours that is looser is tightened). A home that exists but cannot
    be written (a read-only mount) is returned as is: reading still works, and each
    write says why it failed. Raises ``OSError`` when the home cannot be created."""
    from ledger.files import private_dir

    private_dir(home)
    try:
        private_dir(home / LOGS_DIR)
    except OSError:
        pass
    return home


def ledger_path(home: Path, demo: bool = False) -> Path:
    return home / (DEMO_FILE if demo else LEDGER_FILE)
