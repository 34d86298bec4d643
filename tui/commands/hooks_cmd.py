"""``tokenprint hooks install|uninstall|status [CLIENT ... | --all] [--scope S]``.

Generic over ``hooks.ADAPTERS``: each adapter module declares ``INSTALL`` (the
:class:`hooks.targets.Target` s that ``hooks install`` edits, in order) and
``present()`` (is the client on this machine). Every target edits its file through
``hooks.installer``: marked entries, idempotent, exact uninstall, foreign entries
kept, a file it does not understand refused and left untouched, atomic writes with
a backup.

Exit codes: 0 when every edit went through; 2 when a file was refused (the reason
on stderr) or the request was wrong (an unknown client, a scope the only client
asked lacks); 1 when a file could not be written. With several clients a failure
for one does not stop the others, and the exit code is the worst.
"""

from __future__ import annotations

import importlib
import shutil
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import click

from tui.common import common, ctx_obj, fail

#: The scopes shown first, in this order (then any other scope an adapter declares).
_SCOPE_ORDER = ("user", "project", "local")


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


def hook_argv(client: str) -> list[str]:
    """The hook command the clients run, as words: ``[.../tokenprint-hook, CLIENT, --home ...]``."""
    return [installed_program("tokenprint-hook"), client, *home_args()]


def _say(message: str) -> None:
    from ledger.names import terminal_safe
    from ledger.redact import redact_text

    click.echo(f"tokenprint: {terminal_safe(redact_text(message).replace(chr(9), ' '), newline=' ')}", err=True)


def attempt(path: Path, edit: Callable[[], str]) -> tuple[int, str]:
    """Run one edit of a client's file: ``(0, what it did)``, or the exit code after
    saying why on stderr: 2 for a file it refuses (``SettingsError``), 1 for one it
    cannot write (``OSError``; the file is as it was)."""
    from hooks.installer import SettingsError
    from ledger.files import write_error

    try:
        return 0, edit()
    except SettingsError as exc:
        _say(str(exc))
        return 2, ""
    except OSError as exc:  # a full disk, a read-only folder: the file is as it was
        failing = Path(exc.filename) if isinstance(exc.filename, str) else path
        tail = "" if failing == path else f" ({path} left as it was)"
        _say(write_error(exc, failing) + tail)
        return 1, ""


def edit_settings(path: Path, edit: Callable[[], str]) -> str:
    """Run one edit and return what it did; exit 2 (refused) or 1 (not written) on failure."""
    code, what = attempt(path, edit)
    if code:
        sys.exit(code)
    return what


def shown(path: Path) -> str:
    """``path`` as a person reads it: ``~/...`` under the home folder."""
    try:
        rel = path.relative_to(Path.home())
    except ValueError:
        return str(path)
    return str(Path("~") / rel)


# -- the adapters ----------------------------------------------------------------------------


_WARNED: set[str] = set()


def adapters() -> dict[str, Any]:
    """Client -> adapter module, for the adapters that declare ``INSTALL`` (sorted by
    name). One that does not import is left out with a warning."""
    from hooks import ADAPTERS
    from tui.plugins import clients

    out: dict[str, Any] = {}
    for client in clients():  # built-in and plugins' (tui.plugins)
        try:
            mod = importlib.import_module(ADAPTERS[client])
        except Exception as exc:  # noqa: BLE001 - a broken plugin adapter must not break the others
            if client not in _WARNED:
                _WARNED.add(client)
                _say(f"warning: the adapter of {client} ({ADAPTERS[client]}) does not import: {exc}")
            continue
        if getattr(mod, "INSTALL", ()):
            out[client] = mod
    return out


def hookless(named: tuple[str, ...] = ()) -> dict[str, Any]:
    """Client -> adapter module for the clients (``named``, default every one) that have
    no hooks to install (``INSTALL`` empty: aider, the chat exports...): the help and
    ``hooks status`` say so, with the adapter's ``NO_HOOKS`` sentence when it has one."""
    from hooks import ADAPTERS

    out: dict[str, Any] = {}
    for client in named or sorted(ADAPTERS):
        if client not in ADAPTERS:
            continue
        try:
            mod = importlib.import_module(ADAPTERS[client])
        except Exception:  # noqa: BLE001 - adapters() warns about it
            continue
        if not getattr(mod, "INSTALL", ()):
            out[client] = mod
    return out


def no_hooks_line(client: str, mod: Any) -> str:
    why = getattr(mod, "NO_HOOKS", None) or "the client has no hook system"
    return f"{client}: no hooks to install ({why})"


def client_scopes(mod: Any) -> list[str]:
    """The scopes of a client's targets that apply here, in :data:`_SCOPE_ORDER`."""
    from hooks.doctor import targets

    found = {s for t in targets(mod) for s in t.scopes}
    return [s for s in _SCOPE_ORDER if s in found] + sorted(found - set(_SCOPE_ORDER))


def all_scopes() -> list[str]:
    try:
        mods = adapters()
    except Exception:  # noqa: BLE001 - the option must exist even if the adapters are broken
        mods = {}
    found = {s for m in mods.values() for t in getattr(m, "INSTALL", ()) for s in t.scopes}
    return [s for s in _SCOPE_ORDER if s in found | {"user"}] + sorted(found - set(_SCOPE_ORDER))


def _what(target: Any) -> str:
    describe = getattr(target, "describe", None)
    return f"{target.kind} ({describe()})" if callable(describe) else str(target.kind)


def _path_for_help(target: Any, scope: str) -> str:
    try:
        path = target.path(scope)
    except Exception:  # noqa: BLE001 - help text never fails
        return "?"
    try:
        return str(path.relative_to(Path.cwd())) if scope != "user" else shown(path)
    except ValueError:
        return shown(path)


def clients_help() -> str:
    """One line per client: what ``hooks install`` puts where, per scope."""
    lines = []
    try:
        mods = adapters()
    except Exception:  # noqa: BLE001
        mods = {}
    for client, mod in mods.items():
        parts = []
        for t in getattr(mod, "INSTALL", ()):
            where = ", ".join(f"{s} {_path_for_help(t, s)}" for s in t.scopes)
            parts.append(f"{_what(t)} in {where}")
        lines.append(f"{client}: " + "; ".join(parts))
    try:
        lines += [no_hooks_line(c, m) for c, m in hookless().items()]
    except Exception:  # noqa: BLE001 - help text never fails
        pass
    return "\n\n".join(lines)


def _select(clients: tuple[str, ...], mods: dict[str, Any]) -> list[str]:
    """The clients named (each must be known), or every client when none is named."""
    if not clients:
        return list(mods)
    from hooks import ADAPTERS

    for c in clients:
        if c not in mods:
            known = ", ".join(mods)
            why = "has no hooks to install" if c in ADAPTERS else "is not a client tokenprint knows"
            fail(f"{c!r} {why}; available: {known}")
    return list(dict.fromkeys(clients))


def _targets_for(client: str, mod: Any, scope: str, only_one: bool) -> list[Any] | None:
    """The client's targets that apply and support ``scope``; None (after a message)
    when the client lacks the scope: exit 2 when it is the only client asked."""
    from hooks.doctor import targets

    ts = targets(mod)
    chosen = [t for t in ts if scope in t.scopes]
    if chosen:
        return chosen
    has = ", ".join(client_scopes(mod)) or "none"
    message = f"{client} has no {scope} scope (its scopes: {has})"
    if only_one:
        fail(message)
    click.echo(f"note: {message}; skipped")
    return None


def _project_note(target: Any, path: Path, scope: str) -> None:
    if scope == "project":
        keep = "; --scope local keeps it to you" if "local" in target.scopes else ""
        click.echo(f"  note: {shown(path)} is usually committed, and the command is a path on this machine{keep}")


def scopes_help() -> str:
    """Each client's scopes (as declared: ``claude-code: user, project, local``)."""
    try:
        mods = adapters()
    except Exception:  # noqa: BLE001 - help text never fails
        mods = {}
    parts = []
    for client, mod in mods.items():
        found = {s for t in getattr(mod, "INSTALL", ()) for s in t.scopes}
        ordered = [s for s in _SCOPE_ORDER if s in found] + sorted(found - set(_SCOPE_ORDER))
        parts.append(f"{client}: {', '.join(ordered)}")
    return "; ".join(parts)


_SCOPE_HELP = scopes_help()

scope_option = click.option(
    "--scope",
    type=click.Choice(all_scopes()),
    default="user",
    show_default=True,
    help="Which file of each client: user (your own), project (this folder's, usually committed) or "
         f"local (this folder's, yours only). Each client's scopes: {_SCOPE_HELP}.",
)


@click.group()
def hooks() -> None:
    """Install, remove or inspect tokenprint's hooks in the clients' settings."""


_CLIENTS_HELP = clients_help()
hooks.help = f"{hooks.help}\n\nWhat each client gets, per scope:\n\n{_CLIENTS_HELP}"


@hooks.command()
@click.argument("clients", nargs=-1)
@click.option("--all", "all_", is_flag=True,
              help="Every client found on this machine (the default when no client is named).")
@scope_option
@common()
def install(clients: tuple[str, ...], all_: bool, scope: str) -> None:
    """Add tokenprint's hooks to CLIENT (default: every client found on this machine)."""
    from hooks.doctor import present, target_status

    home = ctx_obj().home_path()
    mods = adapters()
    chosen = _select(() if all_ else clients, mods)
    if all_ or not clients:
        missing = [c for c in chosen if not present(mods[c])]
        chosen = [c for c in chosen if c not in missing]
        if missing:
            click.echo(f"skipped (not found on this machine): {', '.join(missing)}")
        if not chosen:
            click.echo("no client found on this machine: name one (tokenprint hooks install CLIENT)")
            return
    worst = 0
    for client in chosen:
        ts = _targets_for(client, mods[client], scope, only_one=len(chosen) == 1)
        if ts is None:
            continue
        argv = hook_argv(client)
        for t in ts:
            path = t.path(scope)
            code, what = attempt(path, partial(t.install, home, scope, argv))
            worst = max(worst, code)
            if code:
                continue
            st = target_status(t, home, scope)
            things = ", ".join(st.installed) or t.kind
            click.echo(f"{client}: {what} in {shown(path)} ({things})")
            for note in st.notes:
                click.echo(f"  note: {note}")
            _project_note(t, path, scope)
    if worst:
        sys.exit(worst)


install.help = f"{install.help}\n\nWhat each client gets, per scope:\n\n{_CLIENTS_HELP}"


def _holds_ours(home: Path, target: Any, scope: str) -> bool:
    from hooks.doctor import target_status

    st = target_status(target, home, scope)
    return bool(st.installed or st.problem)


def _to_uninstall(home: Path, mod: Any, scope: str) -> bool:
    """Whether the client has something of ours in ``scope``, or a file there that
    cannot be read (the uninstall then says why)."""
    from hooks.doctor import target_status

    for t in getattr(mod, "INSTALL", ()):
        if scope in t.scopes:
            st = target_status(t, home, scope)
            if st.installed or st.problem:
                return True
    return False


@hooks.command()
@click.argument("clients", nargs=-1)
@click.option("--all", "all_", is_flag=True,
              help="Every client with something of ours installed (the default when no client is named).")
@scope_option
@common()
def uninstall(clients: tuple[str, ...], all_: bool, scope: str) -> None:
    """Remove tokenprint's hooks, and only them, from CLIENT (default: every client
    that has some)."""
    home = ctx_obj().home_path()
    mods = adapters()
    chosen = _select(() if all_ else clients, mods)
    if all_ or not clients:
        chosen = [c for c in chosen if _to_uninstall(home, mods[c], scope)]
        if not chosen:
            click.echo(f"nothing of ours is installed in any client ({scope} scope)")
            return
    worst = 0
    for client in chosen:
        mod = mods[client]
        # the targets that apply, and any other that holds something of ours (ours goes)
        ts = [t for t in getattr(mod, "INSTALL", ()) if scope in t.scopes
              and (t.applies() or _holds_ours(home, t, scope))]
        if not ts:
            _targets_for(client, mod, scope, only_one=len(chosen) == 1)
            continue
        for t in ts:
            path = t.path(scope)
            code, what = attempt(path, partial(t.uninstall, home, scope))
            worst = max(worst, code)
            if not code:
                click.echo(f"{client}: {what} ({shown(path)})")
    if worst:
        sys.exit(worst)


# -- status ---------------------------------------------------------------------------------


def history_at_risk(home: Path, client: str, mod: Any, now: float | None = None) -> Any:
    """The client's sources in its default locations compared with the ledger
    (``hooks.doctor.source_risk``: one rule for doctor and for this command). No
    ledger yet: nothing is read."""
    from hooks.doctor import source_risk, stored_positions

    return source_risk(mod, stored_positions(home, client, strict=True) or {}, now, known=False)


def history_line(client: str, mod: Any, risk: Any) -> str:
    """What ``hooks status`` says about the sources and the ledger, in words that match
    the counts (``1 transcript``, ``no rollouts found``)."""
    from hooks.backfill import plural
    from hooks.doctor import WARN_DAYS, source_noun

    one, many = source_noun(mod)
    files, unread, soon = risk.files, risk.unread, len(risk.soon)
    cleanup = risk.cleanup_days
    deletes = ""
    if cleanup is not None:
        src = "default" if risk.cleanup_from == "default" else f"from {risk.cleanup_from}"
        name = getattr(mod, "NAME", None) or "the client"
        deletes = f"{name} deletes {many} after {plural(cleanup, 'day')}, {src}"
    tail = f" ({deletes})" if deletes else ""
    if files == 0:
        roots = [shown(p) for p in search_roots(mod)]
        where = " or ".join(roots) if roots else "the default locations"
        return f"no {many} found in {where}{tail}"
    if unread == 0:
        both = f"the only {one} is" if files == 1 else f"all {files} {many} are"
        return f"{both} in the ledger{tail}"
    fix = f": run `tokenprint import {client}`"
    if soon:
        return (f"warning: {deletes}; {soon} not yet in the ledger "
                f"{'goes' if soon == 1 else 'go'} within {WARN_DAYS} days. "
                f"{unread} of {plural(files, one, many)} not yet read" + fix)
    return (f"{unread} of {plural(files, one, many)} ({risk.unread_bytes / 1e6:.1f} MB) "
            f"{'has' if unread == 1 else 'have'} usage not yet in the ledger{tail}" + fix)


def search_roots(mod: Any) -> list[Path]:
    """Where the adapter looks by default, for messages: ``search_roots()`` when it
    declares one (the folders ``default_roots()`` would return, existing or not),
    else ``default_roots()``."""
    fn = getattr(mod, "search_roots", None) or getattr(mod, "default_roots", None)
    if fn is None:
        return []
    try:
        return list(fn())
    except Exception:  # noqa: BLE001
        return []


def _last_run_line(home: Path, client: str) -> str:
    from hooks import hooklog
    from hooks.doctor import ago, last_error

    last = hooklog.last_run(home, client)
    if last is None:
        error = last_error(home, client)
        return f"{client}: the hook has not run yet" + (f"\n  last logged problem: {error}" if error else "")
    if last.get("ok"):
        outcome = f"ok, {last.get('new', 0)} new, {last.get('updated', 0)} updated"
    else:
        outcome = f"failed: {last.get('error', 'see logs/hook.log')}"
    line = (f"{client}: last hook run {ago(time.time() - float(last.get('ts', 0)))} "
            f"({last.get('event') or '?'}, {outcome})")
    error = last_error(home, client)
    if error and str(last.get("error") or "\0") not in error:
        line += f"\n  last logged problem: {error}"
    return line


@hooks.command()
@click.argument("clients", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Every client tokenprint knows (the default).")
@click.option("--scope", type=click.Choice(all_scopes()), help="Only this scope (default: all of them).")
@common()
def status(clients: tuple[str, ...], all_: bool, scope: str | None) -> None:
    """What is installed where, whether the hook ran and its last error, and the
    history not yet in the ledger."""
    from hooks.doctor import present, program_ok, target_status, targets

    home = ctx_obj().home_path()
    mods = adapters()
    named = () if all_ else clients
    quiet = hookless(named)  # clients without hooks: said so, with their history
    rest = tuple(c for c in named if c not in quiet)
    chosen = _select(rest, mods) if rest or not named else []
    for client in list(dict.fromkeys(named)) if named else sorted({*chosen, *quiet}):
        if client in quiet:
            click.echo(no_hooks_line(client, quiet[client]))
            _history_status(home, client, quiet[client])
            continue
        mod = mods[client]
        any_installed = False
        for t in targets(mod):
            for one_scope in t.scopes:
                if scope is not None and one_scope != scope:
                    continue
                st = target_status(t, home, one_scope)
                if st.problem:
                    click.echo(f"{client}: warning: {st.problem}")
                    continue
                if st.installed:
                    any_installed = True
                    click.echo(f"{client}: {st.kind} installed in {shown(st.path)} ({one_scope}): "
                               f"{', '.join(st.installed)}"
                               + (f"; missing: {', '.join(st.missing)}" if st.missing else ""))
                    for command in st.commands:
                        program, ok = program_ok(command)
                        click.echo(f"  command: {command}" + ("" if ok else
                                   f"\n  warning: {program} is not an executable file: run "
                                   f"`tokenprint hooks install {client} --scope {one_scope}` again"))
                for note in st.notes:
                    click.echo(f"  note: {note}")
        if not any_installed:
            found = present(mod)
            click.echo(f"{client}: hooks not installed"
                       + (f" (run `tokenprint hooks install {client}`)" if found else
                          " (not found on this machine)"))
        click.echo(_last_run_line(home, client))
        _history_status(home, client, mod)


def _history_status(home: Path, client: str, mod: Any) -> None:
    """``hooks status``' line about the client's sources and the ledger."""
    from hooks.doctor import source_noun

    try:
        risk = history_at_risk(home, client, mod)
    except Exception as exc:  # noqa: BLE001 - the ledger may be locked or unreadable: say so
        click.echo(f"{client}: cannot compare the {source_noun(mod)[1]} with the ledger: {exc}")
        return
    click.echo(f"{client}: {history_line(client, mod, risk)}")
