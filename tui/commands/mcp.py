"""``tokenprint mcp``: the MCP server on stdio (``tui.mcp_server``), and
``tokenprint mcp install|uninstall|status [CLIENT ...]``: its registration in the
clients' own MCP configs.

The SDK is imported only when the server starts (``tui.mcp_server``). The
registration is generic over ``hooks.ADAPTERS``: each adapter that can run an MCP
server declares ``MCP_INSTALL`` (targets of ``hooks.targets``' protocol, e.g.
:class:`hooks.targets.JsonMcpServer`, :class:`hooks.toml_config.McpServerTable`),
edited with the care of the hooks (marked by their command, idempotent, exact
uninstall, foreign entries kept, a file it does not understand refused and left
untouched, atomic writes with a backup).
"""

from __future__ import annotations

import sys
from typing import Any

import click

from tui.common import common, ctx_obj, fail


@click.group(invoke_without_command=True)
@common(read=True)
@click.pass_context
def mcp(ctx: click.Context) -> None:
    """Serve the Model Context Protocol on stdio: tools footprint, estimate,
    compare_models and methodology over this ledger.

    `tokenprint mcp install [CLIENT ...]` registers it in Claude Code, Codex and
    Gemini CLI (`uninstall` and `status` too).
    """
    if ctx.invoked_subcommand is not None:
        return
    try:
        from tui import mcp_server
    except ImportError as exc:  # the SDK is a dependency; a broken install says so
        fail(f"the MCP server needs the `mcp` package ({exc}); reinstall tokenprint (pip install tokenprint)")
    obj = ctx_obj()
    if sys.stdin.isatty():
        click.echo("tokenprint mcp: an MCP server speaking on stdin/stdout; a client (Claude Code, Codex, "
                   "Gemini CLI) starts it. Register it: tokenprint mcp install", err=True)
    ledger = mcp_server.Ledger(obj.home_path(), obj.demo)
    try:
        mcp_server.serve(ledger)
    except KeyboardInterrupt:  # pragma: no cover - a person's Ctrl-C
        pass


# -- registration ---------------------------------------------------------------------------

SCOPES = ("user", "project")


def mcp_adapters() -> dict[str, Any]:
    """Client -> adapter module, for the adapters that declare ``MCP_INSTALL`` (sorted)."""
    import importlib

    from hooks import ADAPTERS

    out: dict[str, Any] = {}
    for client in sorted(ADAPTERS):
        try:
            mod = importlib.import_module(ADAPTERS[client])
        except Exception:  # noqa: BLE001 - a broken adapter must not break the others
            continue
        if getattr(mod, "MCP_INSTALL", ()):
            out[client] = mod
    return out


def server_argv() -> list[str]:
    """What the clients run: ``[.../tokenprint, mcp, --home DIR]`` (``--home`` when the data
    folder is not the default one)."""
    from tui.commands.hooks_cmd import home_args, installed_program

    return [installed_program("tokenprint"), "mcp", *home_args()]


def _chosen(clients: tuple[str, ...], mods: dict[str, Any], found_only: bool) -> list[str]:
    """The clients named (each must declare ``MCP_INSTALL``), else those on this machine
    (``found_only``) or every one."""
    if clients:
        for c in clients:
            if c not in mods:
                fail(f"{c!r} cannot run an MCP server tokenprint registers; available: {', '.join(mods)}")
        return list(dict.fromkeys(clients))
    if not found_only:
        return list(mods)
    from hooks.doctor import present

    chosen = [c for c in mods if present(mods[c])]
    missing = [c for c in mods if c not in chosen]
    if missing:
        click.echo(f"skipped (not found on this machine): {', '.join(missing)}")
    return chosen


def _targets(client: str, mod: Any, scope: str, only_one: bool) -> list[Any]:
    ts = [t for t in mod.MCP_INSTALL if scope in t.scopes and t.applies()]
    if not ts:
        has = ", ".join(dict.fromkeys(s for t in mod.MCP_INSTALL for s in t.scopes))
        message = f"{client} has no {scope} scope for MCP servers (its scopes: {has})"
        if only_one:
            fail(message)
        click.echo(f"note: {message}; skipped")
    return ts


scope_option = click.option("--scope", type=click.Choice(SCOPES), default="user", show_default=True,
                            help="user (your own config) or project (this folder's: Claude Code .mcp.json, "
                                 "Gemini CLI .gemini/settings.json; Codex has user only).")


def _edit_all(clients: tuple[str, ...], scope: str, found_only: bool, action: str) -> None:
    from functools import partial

    from hooks.doctor import target_status
    from tui.commands.hooks_cmd import attempt, shown

    home = ctx_obj().home_path()
    mods = mcp_adapters()
    chosen = _chosen(clients, mods, found_only)
    if not chosen:
        click.echo("no client found on this machine: name one (tokenprint mcp install CLIENT)")
        return
    argv = server_argv() if action == "install" else []
    worst = 0
    for client in chosen:
        for t in _targets(client, mods[client], scope, only_one=len(chosen) == 1):
            path = t.path(scope)
            edit = partial(t.install, home, scope, argv) if action == "install" else partial(t.uninstall, home, scope)
            code, what = attempt(path, edit)
            worst = max(worst, code)
            if code:
                continue
            click.echo(f"{client}: {what} in {shown(path)} (mcp server {getattr(t, 'name', 'tokenprint')})")
            if action == "install" and scope == "project":
                click.echo(f"  note: {shown(path)} is usually committed, and the command is a path on this machine")
            if action == "install":
                st = target_status(t, home, scope)
                for note in st.notes:
                    click.echo(f"  note: {note}")
    if worst:
        sys.exit(worst)


@mcp.command()
@click.argument("clients", nargs=-1)
@scope_option
@common()
def install(clients: tuple[str, ...], scope: str) -> None:
    """Register `tokenprint mcp` in CLIENT's MCP config (default: every client found):
    claude-code (~/.claude.json), codex ([mcp_servers.tokenprint] in config.toml),
    gemini-cli (mcpServers in settings.json)."""
    _edit_all(clients, scope, True, "install")


@mcp.command()
@click.argument("clients", nargs=-1)
@scope_option
@common()
def uninstall(clients: tuple[str, ...], scope: str) -> None:
    """Remove our MCP server from CLIENT (default: every client that can hold it), and
    only it: the file comes back as it was when nothing else changed."""
    _edit_all(clients, scope, False, "uninstall")


@mcp.command()
@click.argument("clients", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="One JSON object: client -> scope -> status.")
@common()
def status(clients: tuple[str, ...], as_json: bool) -> None:
    """Where our MCP server is registered, per client and scope."""
    import json

    from hooks.doctor import target_status
    from tui.commands.hooks_cmd import shown

    home = ctx_obj().home_path()
    mods = mcp_adapters()
    chosen = _chosen(clients, mods, False)
    out: dict[str, dict[str, Any]] = {}
    problems = False
    for client in chosen:
        for t in mods[client].MCP_INSTALL:
            for scope in t.scopes:
                st = target_status(t, home, scope)
                out.setdefault(client, {})[scope] = {
                    "path": str(st.path), "installed": bool(st.installed), "commands": st.commands,
                    "problem": st.problem,
                }
                problems = problems or st.problem is not None
                if as_json:
                    continue
                state = "refused: " + st.problem if st.problem else (
                    "installed: " + "; ".join(st.commands) if st.installed else "not installed")
                from ledger.names import terminal_safe

                click.echo(terminal_safe(f"{client} {scope} {shown(st.path)}: {state}", newline=" "))
    if as_json:
        click.echo(json.dumps(out, indent=2))
    if problems:
        sys.exit(2)
