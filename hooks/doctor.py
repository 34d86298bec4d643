"""``tokenprint doctor``'s checks of the clients: hooks, their last runs, read positions.

Generic over ``hooks.ADAPTERS``: each adapter module's declarations say where its
settings files are (``SCOPES``, ``settings_path``), which hook events it installs
(``HOOK_EVENTS``), where its transcripts are (``default_roots``, ``transcripts``)
and how long the client keeps them (``DEFAULT_CLEANUP_DAYS``, overridden by the
``CLEANUP_SETTING`` key of its settings, ``cleanupPeriodDays`` by default). A
client without one of them is simply not checked for it. The ledger's own checks
are in ``ledger.doctor``; the findings share its :class:`~ledger.doctor.Finding`.
"""

from __future__ import annotations

import importlib
import os
import shlex
import sqlite3
import time
from pathlib import Path
from typing import Any

from hooks import ADAPTERS, hooklog
from ledger.doctor import ACTION, INFO, OK, Finding
from ledger.files import sqlite_read_uri
from ledger.paths import ledger_path

#: Days before the client deletes a transcript that is not yet fully read, to warn.
WARN_DAYS = 7


def ago(seconds: float) -> str:
    """A duration in the past, in the unit a person reads it in (``5 min ago``)."""
    if seconds < 90:
        return f"{int(seconds)} s ago"
    if seconds < 5400:
        return f"{int(seconds // 60)} min ago"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.0f} h ago"
    return f"{seconds / 86400:.0f} days ago"


def last_error(home: Path, client: str, max_bytes: int = 64 << 10) -> str | None:
    """The last line ``logs/hook.log`` has about ``client`` (None when none)."""
    try:
        with open(hooklog.log_path(home), "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - max_bytes))
            lines = f.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        if f" {client} pid=" in line:
            return line.strip()
    return None


def program_ok(command: str) -> tuple[str, bool]:
    """The program a hook command runs, and whether it is an executable file."""
    try:
        program = shlex.split(command)[0]
    except (ValueError, IndexError):
        program = command
    return program, Path(program).is_absolute() and os.access(program, os.X_OK)


def cleanup_days(mod: Any) -> tuple[int | None, str]:
    """How many days the client keeps its transcripts (the smallest over its settings
    files), and where that comes from; None when the adapter declares no cleanup."""
    from hooks.installer import SettingsError, load

    best = getattr(mod, "DEFAULT_CLEANUP_DAYS", None)
    if best is None:
        return None, ""
    where = "default"
    key = getattr(mod, "CLEANUP_SETTING", "cleanupPeriodDays")
    for scope in getattr(mod, "SCOPES", ()):
        path = mod.settings_path(scope)
        try:
            value = load(path).data.get(key)
        except (SettingsError, OSError):
            continue
        if isinstance(value, int | float) and not isinstance(value, bool) and value < best:
            best, where = int(value), str(path)
    return int(best), where


def check_hooks(home: Path, client: str, mod: Any) -> list[Finding]:
    """Installed in which settings file, pointing at an executable, last run and error."""
    from hooks.installer import SettingsError, installed_hooks, load

    out: list[Finding] = []
    name = f"hooks.{client}"
    if hasattr(mod, "SCOPES") and hasattr(mod, "settings_path"):
        events = list(getattr(mod, "HOOK_EVENTS", ()))
        installed: list[str] = []
        for scope in mod.SCOPES:
            path = mod.settings_path(scope)
            try:
                ours = installed_hooks(load(path).data)
            except SettingsError as exc:
                out.append(Finding(f"{name}.settings", ACTION, f"{client}: {exc}",
                                   f"fix {path} by hand, then: tokenprint hooks install {client}"))
                continue
            if not ours:
                continue
            installed.append(str(path))
            missing = [e for e in events if e not in ours]
            bad = [p for p, ok in (program_ok(c) for cs in ours.values() for c in cs) if not ok]
            details = {"settings": str(path), "scope": scope, "events": sorted(ours), "missing": missing}
            if bad:
                out.append(Finding(f"{name}.installed", ACTION, f"{client}: the hook in {path} runs "
                                   f"{bad[0]}, which is not an executable file",
                                   f"tokenprint hooks install {client} --scope {scope}", details))
            elif missing:
                out.append(Finding(f"{name}.installed", ACTION, f"{client}: hooks in {path} lack "
                                   f"{', '.join(missing)}", f"tokenprint hooks install {client} --scope {scope}",
                                   details))
            else:
                out.append(Finding(f"{name}.installed", OK, f"{client}: hooks installed in {path} ({scope})",
                                   None, details))
        if not installed:
            out.append(Finding(f"{name}.installed", ACTION, f"{client}: hooks not installed",
                               f"tokenprint hooks install {client}", {"settings": None}))
    last = hooklog.last_run(home, client)
    error = last_error(home, client)
    if last is None:
        out.append(Finding(f"{name}.last_run", INFO, f"{client}: the hook has not run yet", None,
                           {"last_run": None, "last_log": error}))
    else:
        when = ago(time.time() - float(last.get("ts", 0)))
        details = {"last_run": last, "last_log": error}
        if last.get("ok"):
            out.append(Finding(f"{name}.last_run", OK, f"{client}: last hook run {when}, ok", None, details))
        else:
            why = last.get("error") or "see logs/hook.log"
            out.append(Finding(f"{name}.last_run", ACTION, f"{client}: last hook run {when} failed: {why}",
                               f"see {hooklog.log_path(home)}; the spool keeps the work it could not write",
                               details))
    return out


def _positions(home: Path, client: str) -> dict[str, tuple[int, int]] | None:
    """Stored ``path -> (offset, size)`` for ``client`` (None: no ledger or unreadable)."""
    path = ledger_path(home)
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(sqlite_read_uri(path), uri=True, timeout=5.0)
        try:
            rows = conn.execute('SELECT path, "offset", size FROM sources WHERE client = ?', (client,)).fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return {r[0]: (int(r[1] or 0), int(r[2] if r[2] is not None else -1)) for r in rows}


def check_positions(home: Path, client: str, mod: Any, now: float | None = None) -> list[Finding]:
    """Source files that vanished, and transcripts the client deletes soon that are not
    (fully) in the ledger."""
    now = time.time() if now is None else now
    positions = _positions(home, client)
    if positions is None:
        return []
    name = f"positions.{client}"
    days, where = cleanup_days(mod)
    files = list(positions)
    if hasattr(mod, "transcripts") and hasattr(mod, "default_roots"):
        files = list(dict.fromkeys([*files, *mod.transcripts(mod.default_roots())]))
    vanished = 0
    soon: list[str] = []
    for path in files:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            vanished += path in positions
            continue
        except OSError:
            continue
        offset, size = positions.get(path, (0, -1))
        fully_read = size == st.st_size and offset >= st.st_size - 1
        if days is not None and not fully_read and days - (now - st.st_mtime) / 86400 < WARN_DAYS:
            soon.append(path)
    out: list[Finding] = []
    if vanished:
        out.append(Finding(f"{name}.vanished", INFO, f"{client}: {vanished} source file"
                           f"{'s' if vanished != 1 else ''} read earlier no longer exist (their usage stays "
                           "in the ledger)", None, {"vanished": vanished}))
    src = "default" if where == "default" else f"from {where}"
    if soon:
        out.append(Finding(f"{name}.cleanup", ACTION, f"{client}: {len(soon)} transcript"
                           f"{'s' if len(soon) != 1 else ''} not fully in the ledger "
                           f"{'is' if len(soon) == 1 else 'are'} deleted by the client within {WARN_DAYS} days "
                           f"(it keeps them {days} days, {src})", f"tokenprint import {client}",
                           {"soon": len(soon), "cleanup_days": days, "first": soon[0]}))
    else:
        out.append(Finding(f"{name}.cleanup", OK, f"{client}: {len(files)} source file"
                           f"{'s' if len(files) != 1 else ''} known, none at risk of cleanup"
                           + (f" (the client keeps them {days} days, {src})" if days is not None else ""),
                           None, {"files": len(files), "cleanup_days": days}))
    return out


def client_findings(home: Path) -> list[Finding]:
    out: list[Finding] = []
    for client in sorted(ADAPTERS):
        try:
            mod = importlib.import_module(ADAPTERS[client])
        except Exception as exc:  # noqa: BLE001 - a broken plugin adapter is a finding
            out.append(Finding(f"hooks.{client}", ACTION, f"{client}: the adapter {ADAPTERS[client]} "
                               f"does not import: {exc}", "reinstall tokenprint or the plugin"))
            continue
        out += check_hooks(home, client, mod)
        out += check_positions(home, client, mod)
    return out
