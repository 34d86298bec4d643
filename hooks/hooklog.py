"""The hook's own records: an error log and the last run of each client's hook.

Standard library only. The hook never writes to the user's screen: what went
wrong goes to ``$TOKENPRINT_HOME/logs/hook.log`` (kept under ~1 MB by rotating
to ``hook.log.1``), and each run leaves ``logs/hook-<client>.json`` so that
``tokenprint hooks status`` can say whether the hook ran recently. Every function
here swallows its own errors: a full disk must not turn into a failing hook.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from ledger.files import PRIVATE_FILE, atomic_write, private_dir
from ledger.paths import LOGS_DIR

LOG_FILE = "hook.log"
MAX_LOG_BYTES = 1 << 20


def log_path(home: Path) -> Path:
    return home / LOGS_DIR / LOG_FILE


def last_run_path(home: Path, client: str) -> Path:
    return home / LOGS_DIR / f"hook-{client}.json"


def log(home: Path, client: str, message: str) -> None:
    """Append one line to the hook log; never raises."""
    try:
        path = log_path(home)
        private_dir(path.parent)
        try:
            if path.stat().st_size > MAX_LOG_BYTES:
                os.replace(path, path.with_name(LOG_FILE + ".1"))
        except FileNotFoundError:
            pass
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        from ledger.names import terminal_safe
        from ledger.redact import redact_text

        # one line, no escape sequence for whoever reads it in a terminal, no credential
        text = terminal_safe(redact_text(message).replace("\n", " | ").replace("\t", " "))
        line = f"{stamp} {terminal_safe(client)} pid={os.getpid()} {text}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, (line + "\n").encode("utf-8", "replace"))
        finally:
            os.close(fd)
    except Exception:
        pass


def record_run(home: Path, client: str, info: dict[str, Any]) -> None:
    """Remember this run (instant, outcome, counts); never raises."""
    try:
        path = last_run_path(home, client)
        private_dir(path.parent)
        data = {"ts": time.time(), **info}
        # atomic and 0600 (a temporary file removed on any error); no fsync on the hot path
        atomic_write(path, json.dumps(data, sort_keys=True).encode(), PRIVATE_FILE, durable=False)
    except Exception:
        pass


def last_run(home: Path, client: str) -> dict[str, Any] | None:
    try:
        data = json.loads(last_run_path(home, client).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
