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


def _unused(_: Any) -> None:  # placeholder for the registration commands below
    return None
