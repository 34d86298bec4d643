"""``tokenprint hooks install|uninstall|status [CLIENT ... | --all] [--scope S]``.

Edits the clients' own settings files through ``hooks.installer``: marked
entries, idempotent, exact uninstall, foreign entries kept, malformed files
refused and left untouched, atomic writes with a backup.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import click

from tui.common import common, ctx_obj, fail

#: Clients whose hooks this command can install.
INSTALLABLE = ("claude-code",)


def installed_program(base: str) -> str:
    """The absolute path of an installed console script (``tokenprint-hook``,
    ``tokenprint``): what a client's settings run, without relying on PATH."""
    name = f"{base}.exe" if sys.platform == "win32" else base
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside.absolute())
    found = shutil.which(name)
    if found:
        return str(Path(found).absolute())
    fail(f"cannot find {name} beside {sys.executable} or on PATH: reinstall tokenprint")


def home_args() -> list[str]:
    """``--home DIR`` when the data folder is not the default one."""
    from ledger.paths import default_home

    home = ctx_obj().home_path()
    if home.resolve() == default_home().resolve():
        return []
    return ["--home", str(home.absolute())]


def hook_command(client: str) -> str:
    from hooks.installer import marked

    words = [installed_program("tokenprint-hook"), client, *home_args()]
    return marked(" ".join(shlex.quote(w) for w in words))


def edit_settings(path: Path, edit: Callable[[], str]) -> str:
    """Run one edit of a client's settings file and return what it did; a file it does
    not understand exits 2 with the reason, one it cannot write exits 1."""
    from hooks.installer import SettingsError
    from ledger.files import write_error

    try:
        return edit()
    except SettingsError as exc:
        fail(str(exc))
    except OSError as exc:  # a full disk, a read-only folder: the file is as it was
        failing = Path(exc.filename) if isinstance(exc.filename, str) else path
        tail = "" if failing == path else f" ({path} left as it was)"
        fail(write_error(exc, failing) + tail, 1)


def _clients(clients: tuple[str, ...], all_: bool) -> list[str]:
    if all_ or not clients:
        return list(INSTALLABLE)
    for c in clients:
        if c not in INSTALLABLE:
            fail(f"no hooks for {c!r}; available: {', '.join(INSTALLABLE)}")
    return list(clients)


scope_option = click.option(
    "--scope",
    type=click.Choice(["user", "project", "local"]),
    default="user",
    show_default=True,
    help="Which settings file: user, project (.claude/settings.json) or local (.claude/settings.local.json).",
)


@click.group()
def hooks() -> None:
    """Install, remove or inspect tokenprint's hooks in the clients' settings."""


@hooks.command()
@click.argument("clients", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Every client tokenprint can hook.")
@scope_option
@common()
def install(clients: tuple[str, ...], all_: bool, scope: str) -> None:
    """Add tokenprint's hooks (Stop, SubagentStop, SessionEnd for Claude Code)."""
    from hooks import claude_code
    from hooks.installer import install_hooks

    home = ctx_obj().home_path()
    for client in _clients(clients, all_):
        path = claude_code.settings_path(scope)
        what = edit_settings(path, partial(install_hooks, home, path, list(claude_code.HOOK_EVENTS), hook_command(client)))
        click.echo(f"{client}: {what} in {path} ({', '.join(claude_code.HOOK_EVENTS)})")
        if scope == "project":
            click.echo(f"note: {path} is usually committed, and the command is a path on this "
                       "machine; --scope local keeps it to you", err=True)


@hooks.command()
@click.argument("clients", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Every client tokenprint can hook.")
@scope_option
@common()
def uninstall(clients: tuple[str, ...], all_: bool, scope: str) -> None:
    """Remove tokenprint's hooks, and only them."""
    from hooks import claude_code
    from hooks.installer import uninstall_hooks

    home = ctx_obj().home_path()
    for client in _clients(clients, all_):
        path = claude_code.settings_path(scope)
        what = edit_settings(path, partial(uninstall_hooks, home, path, list(claude_code.HOOK_EVENTS)))
        click.echo(f"{client}: {what} ({path})")


def history_at_risk(home: Path, cleanup: int, now: float | None = None) -> dict[str, Any]:
    """Transcripts with usage not yet in the ledger, and those Claude Code deletes soon."""
    from hooks import claude_code
    from hooks.backfill import open_backend
    from hooks.doctor import WARN_DAYS
    from hooks.tail import unchanged

    now = time.time() if now is None else now
    files = claude_code.transcripts(claude_code.default_roots())
    backend, close = open_backend(home)
    try:
        positions = backend.load_positions(claude_code.CLIENT, None)
    finally:
        close()
    unread = soon = 0
    unread_bytes = 0
    soonest: float | None = None
    for path in files:
        try:
            st = os.stat(path)
        except OSError:
            continue
        if unchanged(positions.get(path), st):
            continue
        unread += 1
        unread_bytes += st.st_size
        days_left = cleanup - (now - st.st_mtime) / 86400
        if days_left < WARN_DAYS:
            soon += 1
        soonest = days_left if soonest is None else min(soonest, days_left)
    return {"files": len(files), "unread": unread, "unread_bytes": unread_bytes,
            "soon": soon, "soonest_days": soonest}


@hooks.command()
@click.argument("clients", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Every client tokenprint can hook.")
@click.option("--scope", type=click.Choice(["user", "project", "local"]),
              help="Only this settings file (default: all of them).")
@common()
def status(clients: tuple[str, ...], all_: bool, scope: str | None) -> None:
    """What is installed, whether the hook ran recently, and history at risk."""
    from hooks import claude_code, hooklog
    from hooks.doctor import ago, cleanup_days
    from hooks.installer import SettingsError, installed_hooks, load, statusline_is_ours

    home = ctx_obj().home_path()
    for client in _clients(clients, all_):
        paths = [claude_code.settings_path(s) for s in claude_code.SCOPES]
        any_installed = False
        for one_scope, path in zip(claude_code.SCOPES, paths, strict=True):
            if scope is not None and one_scope != scope:
                continue
            try:
                data = load(path).data
            except SettingsError as exc:
                click.echo(f"{client}: warning: {exc}")
                continue
            ours = installed_hooks(data)
            if ours:
                any_installed = True
                events = [e for e in claude_code.HOOK_EVENTS if e in ours]
                missing = [e for e in claude_code.HOOK_EVENTS if e not in ours]
                click.echo(f"{client}: hooks installed in {path} ({one_scope}): {', '.join(events)}"
                           + (f"; missing: {', '.join(missing)}" if missing else ""))
                for command in sorted({c for cs in ours.values() for c in cs}):
                    try:
                        program = shlex.split(command)[0]
                    except (ValueError, IndexError):
                        program = command
                    ok = Path(program).is_absolute() and os.access(program, os.X_OK)
                    click.echo(f"  command: {command}" + ("" if ok else
                               f"\n  warning: {program} is not an executable file: run "
                               f"`tokenprint hooks install {client} --scope {one_scope}` again"))
            if statusline_is_ours(data.get("statusLine")):
                click.echo(f"{client}: status line installed in {path} ({one_scope})")
        if not any_installed:
            click.echo(f"{client}: hooks not installed (run `tokenprint hooks install {client}`)")
        last = hooklog.last_run(home, client)
        if last is None:
            click.echo(f"{client}: the hook has not run yet")
        else:
            outcome = "ok" if last.get("ok") else f"failed: {last.get('error', 'see logs/hook.log')}"
            counts = f", {last.get('new', 0)} new, {last.get('updated', 0)} updated" if last.get("ok") else ""
            click.echo(f"{client}: last hook run {ago(time.time() - float(last.get('ts', 0)))} "
                       f"({last.get('event') or '?'}, {outcome}{counts})")
        days, where = cleanup_days(claude_code)
        cleanup = days if days is not None else claude_code.DEFAULT_CLEANUP_DAYS
        try:
            risk = history_at_risk(home, cleanup)
        except Exception as exc:  # the ledger may be locked or unreadable: say so
            click.echo(f"{client}: cannot compare the transcripts with the ledger: {exc}")
            continue
        click.echo(f"{client}: {history_line(client, risk, cleanup, where)}")


def history_line(client: str, risk: dict[str, Any], cleanup: int, where: str) -> str:
    """What ``hooks status`` says about the transcripts and the ledger, in words that
    match the counts (``1 transcript``, ``no transcripts found``)."""
    from hooks.backfill import plural
    from hooks.doctor import WARN_DAYS

    src = "default" if where == "default" else f"from {where}"
    files, unread, soon = int(risk["files"]), int(risk["unread"]), int(risk["soon"])
    deletes = f"Claude Code deletes transcripts after {plural(cleanup, 'day')}"
    if files == 0:
        return f"no transcripts found in the default locations ({deletes}, {src})"
    if unread == 0:
        both = "the only transcript is" if files == 1 else f"all {files} transcripts are"
        return f"{both} in the ledger ({deletes}, {src})"
    fix = f": run `tokenprint import {client}`"
    if soon:
        return (f"warning: {deletes} ({src}); {soon} not yet in the ledger "
                f"{'goes' if soon == 1 else 'go'} within {WARN_DAYS} days. "
                f"{unread} of {plural(files, 'transcript')} not yet read" + fix)
    return (f"{unread} of {plural(files, 'transcript')} ({risk['unread_bytes'] / 1e6:.1f} MB) "
            f"{'has' if unread == 1 else 'have'} usage not yet in the ledger" + fix)
