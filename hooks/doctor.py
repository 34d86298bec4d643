"""``tokenprint doctor``'s checks of the clients: hooks, their last runs, read positions.

Generic over ``hooks.ADAPTERS``: each adapter module's declarations say what
``hooks install`` puts where (``INSTALL``, a tuple of :class:`hooks.targets.Target`,
each with its own ``status()``), whether the client is on this machine
(``present()``), where its sources are (``default_roots``, ``transcripts``) and how
long the client keeps them (``DEFAULT_CLEANUP_DAYS``, overridden by the
``CLEANUP_SETTING`` key of its settings, ``cleanupPeriodDays`` by default). A
client without one of them is simply not checked for it. The ledger's own checks
are in ``ledger.doctor``; the findings share its :class:`~ledger.doctor.Finding`.

One rule says whether a source is fully in the ledger (:func:`fully_read`), and
one function applies it to a client's sources (:func:`source_risk`): both
``doctor`` and ``tokenprint hooks status`` use them.
"""

from __future__ import annotations

import importlib
import math
import os
import shlex
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hooks import ADAPTERS, hooklog
from hooks.tail import Position
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
    """How many days the client keeps its sources, and where that comes from; None
    when the adapter declares no cleanup or the settings turn it off.

    ``DEFAULT_CLEANUP_DAYS`` unless a settings file (each of ``SCOPES``, read in the
    adapter's ``SETTINGS_DIALECT``) says otherwise: the adapter's
    ``cleanup_days_in(settings) -> days | math.inf (off) | None (not set here)`` when it
    has one, else the number under ``CLEANUP_SETTING`` (``cleanupPeriodDays``). Where
    several files set it, the smallest wins (the earliest deletion)."""
    from hooks.installer import SettingsError, load

    default = getattr(mod, "DEFAULT_CLEANUP_DAYS", None)
    if default is None:
        return None, ""
    key = getattr(mod, "CLEANUP_SETTING", "cleanupPeriodDays")
    read = getattr(mod, "cleanup_days_in", None)
    dialect = getattr(mod, "SETTINGS_DIALECT", "json")
    found: list[tuple[float, str]] = []
    for scope in getattr(mod, "SCOPES", ()):
        path = mod.settings_path(scope)
        try:
            data = load(path, dialect=dialect).data
        except (SettingsError, OSError):
            continue
        value = read(data) if read is not None else data.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            found.append((float(value), str(path)))
    if not found:
        return int(default), "default"
    days, where = min(found)
    if math.isinf(days):
        return None, where
    return int(days), where


def present(mod: Any, env: Mapping[str, str] | None = None) -> bool:
    """Whether the adapter says its client is on this machine (True when it does not say)."""
    fn = getattr(mod, "present", None)
    if fn is None:
        return True
    try:
        return bool(fn(env))
    except Exception:  # noqa: BLE001 - a broken check is "not found", never a crash
        return False


def target_status(target: Any, home: Path, scope: str) -> Any:
    """``target.status(home, scope)``; a target that raises (a third party's, a bug) is
    a problem of that file, never a crash of ``doctor`` or ``hooks status``."""
    from hooks.targets import TargetStatus

    try:
        return target.status(home, scope)
    except Exception as exc:  # noqa: BLE001
        try:
            path = target.path(scope)
        except Exception:  # noqa: BLE001
            path = Path("?")
        return TargetStatus(path, scope, str(getattr(target, "kind", "?")), [], [], [],
                            problem=f"{path}: cannot tell what is installed: {type(exc).__name__}: {exc}")


def targets(mod: Any, env: Mapping[str, str] | None = None) -> list[Any]:
    """The adapter's install targets that apply on this machine."""
    return [t for t in getattr(mod, "INSTALL", ()) if t.applies(env)]


def check_hooks(home: Path, client: str, mod: Any) -> list[Finding]:
    """Installed by which target in which file, pointing at an executable, last run and error."""
    out: list[Finding] = []
    name = f"hooks.{client}"
    declared = targets(mod)
    if declared:
        installed: list[str] = []
        refused: list[str] = []
        for target in declared:
            for scope in target.scopes:
                st = target_status(target, home, scope)
                if st.problem:
                    refused.append(str(st.path))
                    out.append(Finding(f"{name}.settings", ACTION, f"{client}: {st.problem}",
                                       f"fix {st.path} by hand, then: tokenprint hooks install {client}"))
                    continue
                if not st.installed:
                    continue
                installed.append(str(st.path))
                bad = [p for p, ok in (program_ok(c) for c in st.commands) if not ok]
                details = {"settings": str(st.path), "scope": scope, "kind": st.kind,
                           "events": list(st.installed), "missing": list(st.missing), "notes": list(st.notes)}
                fix = f"tokenprint hooks install {client} --scope {scope}"
                if bad:
                    out.append(Finding(f"{name}.installed", ACTION, f"{client}: the {st.kind} in {st.path} "
                                       f"runs {bad[0]}, which is not an executable file", fix, details))
                elif st.missing:
                    out.append(Finding(f"{name}.installed", ACTION, f"{client}: {st.kind} in {st.path} lack "
                                       f"{', '.join(st.missing)}", fix, details))
                else:
                    out.append(Finding(f"{name}.installed", OK, f"{client}: {st.kind} installed in "
                                       f"{st.path} ({scope}): {', '.join(st.installed)}", None, details))
                for note in st.notes:
                    out.append(Finding(f"{name}.notes", INFO, f"{client}: {note}", None,
                                       {"settings": str(st.path), "scope": scope}))
        if not installed and refused:
            out.append(Finding(f"{name}.installed", INFO, f"{client}: cannot tell whether hooks are installed "
                               f"until {refused[0]} can be read (see hooks.{client}.settings)", None,
                               {"settings": None, "unreadable": refused}))
        elif not installed:
            if present(mod):
                out.append(Finding(f"{name}.installed", ACTION, f"{client}: hooks not installed",
                                   f"tokenprint hooks install {client}", {"settings": None}))
            else:
                out.append(Finding(f"{name}.installed", INFO, f"{client}: not found on this machine, "
                                   "nothing installed", None, {"settings": None, "present": False}))
    last = hooklog.last_run(home, client)
    error = last_error(home, client)
    if last is None:
        if not declared and error is None:
            return out  # a client without hooks (aider, the chat exports): no hook to run
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


# -- read positions ------------------------------------------------------------------------


def fully_read(pos: Position | None, st: os.stat_result, path: str = "", kind: str = "lines") -> bool:
    """Whether the stored position says the source is in the ledger as it is now.

    The one rule (``doctor``'s cleanup warning, ``hooks status``' history line), for
    every kind of source (``hooks.dbsource.kind_of``: the adapter's ``source_kind``),
    through :class:`~hooks.tail.Position` fields only, as ``tokenprint import``
    decides what to read again (``hooks.backfill.plan``):

    - a line file: the stored size is the file's size now and the file is the same
      (inode). ``hooks.tail`` stores a size only when a read reached the end (-1
      while a file is half read), and an append changes the size. An unterminated
      last line left for later is not usage yet, so it does not make a file unread;
    - a database: the signature stored with its last complete read
      (``state["sig"]``: the file and its ``-wal``) is the one it has now
      (``hooks.dbsource.unchanged``): a write since then, even one still in the
      ``-wal``, makes it unread;
    - a folder of records: its last read was complete (a size stored, not -1); what
      was added since cannot be known without walking it.
    """
    from hooks import dbsource

    if pos is None:
        return False
    if kind in dbsource.SIGNED:
        return dbsource.unchanged(pos, path, kind)
    same = pos.identity.split(":", 1)[0] == str(st.st_ino)
    if kind != dbsource.LINES:
        return same and pos.size >= 0
    return same and pos.size == st.st_size


#: Most new bytes of one file that :func:`grown_without_usage` reads to look for usage.
GROWTH_PEEK_BYTES = 4 << 20


def grown_without_usage(mod: Any, path: str, pos: Position | None, st: os.stat_result) -> bool:
    """Whether a line file that grew since its last complete read grew by lines that
    carry no usage (Codex writes its turn's closing lines after the Stop hook ran): the
    new bytes, at most :data:`GROWTH_PEEK_BYTES`, are parsed by the adapter from the
    stored position (its state included), and nothing is written. A file rewritten
    since, or replaced, or grown by more than that, is unread."""
    from hooks.tail import open_regular, steps_for

    parse = getattr(mod, "parse", None)
    if (parse is None or pos is None or pos.size < 0 or st.st_size <= pos.offset
            or st.st_size - pos.offset > GROWTH_PEEK_BYTES
            or pos.identity.split(":", 1)[0] != str(st.st_ino)):
        return False
    try:
        f, opened = open_regular(path)
        with f:
            for step in steps_for(path, f, opened, pos, parse):
                if step.parsed.events or step.position.state.get("last_read") != "append":
                    return False
    except Exception:  # noqa: BLE001 - unreadable, or the adapter failed: say it is unread
        return False
    return True


def stored_positions(home: Path, client: str, strict: bool = False) -> dict[str, Position] | None:
    """The ledger's stored positions for ``client``, read only (None: no local ledger,
    or, unless ``strict``, one that cannot be read: ``strict`` raises its error). With
    ``$TOKENPRINT_DATABASE_URL``, through that database."""
    from hooks.sync import POSITION_COLUMNS, position_from_row

    if os.environ.get("TOKENPRINT_DATABASE_URL", "").strip():
        from hooks.backfill import open_backend

        try:
            backend, close = open_backend(home)
            try:
                return backend.load_positions(client, None)
            finally:
                close()
        except Exception:  # noqa: BLE001 - an unreachable server: nothing to compare with
            if strict:
                raise
            return None
    path = ledger_path(home)
    if not path.is_file():
        return None
    if strict:  # a ledger known to be damaged is said to be so, as every command says it
        from ledger import fastpath

        problem = fastpath.corrupt_mark(path) or fastpath.header_problem(path)
        if problem:
            raise fastpath.LedgerCorrupt(path, problem)
    try:
        conn = sqlite3.connect(sqlite_read_uri(path), uri=True, timeout=5.0)
        try:
            rows = conn.execute(f"SELECT {POSITION_COLUMNS} FROM sources WHERE client = ?", (client,)).fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        if strict:
            raise
        return None
    return dict(position_from_row(r) for r in rows)


@dataclass
class SourceRisk:
    """A client's sources compared with the ledger's positions."""

    files: int = 0  # sources that exist now (the default locations', and those read before)
    unread: int = 0  # of them, not fully in the ledger (:func:`fully_read`)
    unread_bytes: int = 0
    vanished: int = 0  # read before, gone now
    cleanup_days: int | None = None  # None: the client deletes nothing
    cleanup_from: str = ""  # "default" or the settings file that sets it
    soon: list[str] = field(default_factory=list)  # unread, and deleted within WARN_DAYS
    soonest_days: float | None = None  # days left before the first unread one goes


def source_noun(mod: Any) -> tuple[str, str]:
    """What the adapter calls its sources: ``("transcript", "transcripts")`` by default
    (``SOURCE_NOUN``, plural, e.g. ``"rollouts"``)."""
    many = str(getattr(mod, "SOURCE_NOUN", "transcripts"))
    return (many[:-1] if many.endswith("s") else many), many


def source_risk(mod: Any, positions: Mapping[str, Position], now: float | None = None,
                known: bool = True) -> SourceRisk:
    """Compare the adapter's sources (``transcripts(default_roots())``, and with
    ``known`` those the ledger read before) with ``positions``."""
    from hooks import dbsource

    now = time.time() if now is None else now
    risk = SourceRisk()
    risk.cleanup_days, risk.cleanup_from = cleanup_days(mod)
    files: list[str] = list(positions) if known else []
    if hasattr(mod, "transcripts") and hasattr(mod, "default_roots"):
        files = list(dict.fromkeys([*files, *mod.transcripts(mod.default_roots())]))
    for path in files:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            risk.vanished += path in positions
            continue
        except OSError:
            continue
        risk.files += 1
        pos = positions.get(path)
        kind = dbsource.kind_of(mod, path)
        if fully_read(pos, st, path, kind) or (kind == dbsource.LINES and grown_without_usage(mod, path, pos, st)):
            continue
        risk.unread += 1
        if kind == dbsource.LINES:
            done = pos.offset if pos is not None and 0 <= pos.offset <= st.st_size else 0
            risk.unread_bytes += st.st_size - done
        elif pos is None:
            risk.unread_bytes += st.st_size
        if risk.cleanup_days is not None:
            left = risk.cleanup_days - (now - st.st_mtime) / 86400
            if left < WARN_DAYS:
                risk.soon.append(path)
            risk.soonest_days = left if risk.soonest_days is None else min(risk.soonest_days, left)
    return risk


def check_positions(home: Path, client: str, mod: Any, now: float | None = None) -> list[Finding]:
    """Sources that vanished, and sources the client deletes soon that are not (fully)
    in the ledger."""
    positions = stored_positions(home, client)
    if positions is None:
        return []
    name = f"positions.{client}"
    risk = source_risk(mod, positions, now)
    days, where = risk.cleanup_days, risk.cleanup_from
    one, many = source_noun(mod)
    out: list[Finding] = []
    if risk.vanished:
        out.append(Finding(f"{name}.vanished", INFO, f"{client}: {risk.vanished} source file"
                           f"{'s' if risk.vanished != 1 else ''} read earlier no longer exist (their usage "
                           "stays in the ledger)", None, {"vanished": risk.vanished}))
    src = "default" if where == "default" else f"from {where}"
    soon = risk.soon
    if soon:
        out.append(Finding(f"{name}.cleanup", ACTION, f"{client}: {len(soon)} "
                           f"{one if len(soon) == 1 else many} not fully in the ledger "
                           f"{'is' if len(soon) == 1 else 'are'} deleted by the client within {WARN_DAYS} days "
                           f"(it keeps them {days} days, {src})", f"tokenprint import {client}",
                           {"soon": len(soon), "cleanup_days": days, "first": soon[0]}))
    else:
        out.append(Finding(f"{name}.cleanup", OK, f"{client}: {risk.files} source file"
                           f"{'s' if risk.files != 1 else ''} known, none at risk of cleanup"
                           + (f" (the client keeps them {days} days, {src})" if days is not None else ""),
                           None, {"files": risk.files, "unread": risk.unread, "cleanup_days": days}))
    return out


def client_findings(home: Path) -> list[Finding]:
    from hooks import plugins

    out: list[Finding] = []
    for client in plugins.clients():  # built-in and plugins' (a broken plugin is a finding below)
        try:
            mod = importlib.import_module(ADAPTERS[client])
        except Exception as exc:  # noqa: BLE001 - a broken plugin adapter is a finding
            out.append(Finding(f"hooks.{client}", ACTION, f"{client}: the adapter {ADAPTERS[client]} "
                               f"does not import: {exc}", "reinstall tokenprint or the plugin"))
            continue
        out += check_hooks(home, client, mod)
        out += check_positions(home, client, mod)
    return out + plugin_findings()


def plugin_findings() -> list[Finding]:
    """One finding per plugin problem (``ledger.plugins``: a plugin that does not load,
    a client, model row or factor set it registered that was left out)."""
    from hooks import plugins
    from ledger.impact import plugin_data

    plugin_data.load()  # the model rows and factor sets: their problems too
    return [Finding("plugins", ACTION, message, "fix or uninstall the plugin (pip uninstall ...), or set "
                    "TOKENPRINT_LOAD_PLUGINS to the plugins to load")
            for message in plugins.problems()]
