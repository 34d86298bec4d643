"""``tokenprint statusline``: one short line for Claude Code's ``statusLine``.

Prints today's CO2e (tokens when no methodology is available), this session's,
and one everyday equivalent. The work is in ``hooks.statusline`` (standard
library only). ``--install`` points Claude Code's ``statusLine`` at this command,
keeping an existing status line reachable: its output is shown after ours.
"""

from __future__ import annotations

import shlex
import sys
from functools import partial

import click

from tui.common import common, ctx_obj


@click.command()
@click.option("--then", "then", metavar="CMD", help="Also run CMD (the previous status line) and show its output after ours.")
@click.option("--install", is_flag=True, help="Set Claude Code's statusLine to this command.")
@click.option("--uninstall", is_flag=True, help="Give Claude Code's statusLine back as it was.")
@click.option("--scope", type=click.Choice(["user", "project", "local"]), default="user", show_default=True,
              help="Settings file for --install/--uninstall.")
@common()
def statusline(then: str | None, install: bool, uninstall: bool, scope: str) -> None:
    """Today's and this session's footprint in one line (reads Claude Code's JSON on stdin)."""
    if install or uninstall:
        _install(uninstall, scope)
        return
    from hooks.statusline import render

    raw = b""
    if not sys.stdin.isatty():
        raw = sys.stdin.buffer.read(1 << 20)
    click.echo(render(ctx_obj().home_path(), raw, then))


def _install(uninstall: bool, scope: str) -> None:
    from hooks import claude_code
    from hooks.installer import install_statusline, marked, uninstall_statusline
    from tui.commands.hooks_cmd import edit_settings, home_args, installed_program

    home = ctx_obj().home_path()
    path = claude_code.settings_path(scope)

    def command(previous: str | None) -> str:
        words = [installed_program("tokenprint"), *home_args(), "statusline"]
        if previous:
            words += ["--then", previous]
        return marked(" ".join(shlex.quote(w) for w in words))

    edit = partial(uninstall_statusline, home, path) if uninstall else partial(install_statusline, home, path, command)
    what = edit_settings(path, edit)
    click.echo(f"status line: {what} ({path})")
