"""``tokenprint statusline``: one short line for Claude Code's ``statusLine``.

Prints today's CO2e (tokens when no methodology is available), this session's,
and one everyday equivalent. The work is in ``hooks.statusline`` (standard
library only). ``--install`` points Claude Code's ``statusLine`` at this command,
keeping an existing status line reachable: its output is shown after ours.
"""

from __future__ import annotations

import shlex
import sys

import click

from tui.common import common, ctx_obj, fail


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
    from hooks.installer import SettingsError, install_statusline, marked, uninstall_statusline
    from tui.commands.hooks_cmd import home_args, installed_program

    home = ctx_obj().home_path()
    path = claude_code.settings_path(scope)

    def command(previous: str | None) -> str:
        words = [installed_program("tokenprint"), *home_args(), "statusline"]
        if previous:
            words += ["--then", previous]
        return marked(" ".join(shlex.quote(w) for w in words))

    try:
        what = uninstall_statusline(home, path) if uninstall else install_statusline(home, path, command)
    except SettingsError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{path}: cannot write: {exc.strerror}", 1)
    click.echo(f"status line: {what} ({path})")
