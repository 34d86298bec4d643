"""The ``tokenprint`` command line.

Commands load lazily (``COMMANDS`` maps a name to ``module:attribute``), so
``tokenprint log`` or ``tokenprint report`` never import Textual, and a new
command is one module in ``tui/commands/`` plus one line here.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from tui.common import Ctx, demo_option, home_option

COMMANDS: dict[str, str] = {
    "dashboard": "tui.commands.dashboard:dashboard",
    "demo": "tui.commands.demo:demo",
    "log": "tui.commands.log:log",
    "report": "tui.commands.report:report",
    "config": "tui.commands.config:config",
    "export": "tui.commands.export:export",
    "import": "tui.commands.imports:import_",
    "hooks": "tui.commands.hooks_cmd:hooks",
    "statusline": "tui.commands.statusline:statusline",
    "estimate": "tui.commands.estimate:estimate",
    "methodology": "tui.commands.methodology:methodology",
    "models": "tui.commands.models:models",
    "doctor": "tui.commands.doctor:doctor",
    "backup": "tui.commands.backup:backup",
    "restore": "tui.commands.backup:restore",
    "mcp": "tui.commands.mcp:mcp",
    "summary": "tui.commands.summary:summary",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(super().list_commands(ctx)))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return super().get_command(ctx, cmd_name)
        module_name, attr = target.split(":")
        return getattr(importlib.import_module(module_name), attr)  # type: ignore[no-any-return]


@click.group(cls=LazyGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@home_option
@demo_option
@click.version_option(package_name="tokenprint")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """tokenprint: the footprint ledger of your AI chat and coding clients.

    Without a command, opens the dashboard.
    """
    ctx.ensure_object(Ctx)
    if ctx.invoked_subcommand is None:
        ctx.invoke(cli.get_command(ctx, "dashboard"))  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> Any:
    return cli.main(args=argv, prog_name="tokenprint")


if __name__ == "__main__":
    main()
