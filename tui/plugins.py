"""The command line's side of the plugin API (``ledger.plugins``, ``hooks.plugins``).

:func:`clients` is what a command that lists or looks up clients reads: every
client, built-in and from plugins, with each plugin problem said once on stderr
(``tokenprint: plugin 'x' (pkg 1.0): ...``), never an error of the command.
:class:`ClientsHelp` adds the list of clients to a command's ``--help`` (loaded
only when help is asked for).
"""

from __future__ import annotations

from typing import Any

import click


def say_problems() -> None:
    """Print the plugin problems not yet said, on stderr (nothing is imported for it:
    only a command that loaded plugins has any)."""
    import sys

    api = sys.modules.get("ledger.plugins")
    if api is None:
        return
    from ledger.names import terminal_safe

    for message in api.unsaid():
        click.echo(f"tokenprint: warning: {terminal_safe(message)}", err=True)


def clients() -> dict[str, str]:
    """Every client (``hooks.clients()``), the plugin problems said on stderr."""
    from hooks import clients as _clients

    try:
        known = _clients()
    finally:
        say_problems()
    return known


def clients_rows() -> list[tuple[str, str]]:
    """``(client, "built-in" | "from plugin 'example' (pkg 0.1.0)")`` for every client."""
    from hooks.plugins import origin

    rows = []
    for name in clients():
        where = origin(name)
        rows.append((name, where if where == "built-in" else f"from {where}"))
    return rows


class ClientsHelp(click.Command):
    """A command whose ``--help`` ends with the clients tokenprint knows (and where each
    comes from)."""

    def format_epilog(self, ctx: click.Context, formatter: Any) -> None:
        super().format_epilog(ctx, formatter)
        try:
            rows = clients_rows()
        except Exception as exc:  # noqa: BLE001 - help never fails
            rows = [("?", f"cannot list the clients: {exc}")]
        with formatter.section("Clients"):
            formatter.write_dl(rows)
