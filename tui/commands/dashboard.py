"""``tokenprint`` / ``tokenprint dashboard``: the Textual dashboard (imports Textual lazily).

It needs a terminal on both ends: without one (a pipe, cron, a CI job) Textual
would write escape codes into the pipe and wait for keys that never come, so the
command refuses at once (exit 2) and names the command that prints instead.
"""

from __future__ import annotations

import sys

import click

from tui.common import common, ctx_obj, fail
from tui.data import PERIOD_KEYS


@click.command()
@click.option("--period", type=click.Choice(PERIOD_KEYS), default="month", show_default=True,
              help="Period shown first.")
@click.option("--tz", metavar="ZONE", help="IANA time zone for days (default: local).")
@click.option("--no-live", is_flag=True, help="Do not follow new usage as it is recorded.")
@common(read=True)
def dashboard(period: str, tz: str | None, no_live: bool) -> None:
    """The dashboard: footprint of the period, what drives it, what would shrink it."""
    from ledger.timeutil import get_zone

    if tz:
        try:
            get_zone(tz)
        except ValueError as exc:
            fail(str(exc))
    missing = [name for name, stream in (("stdin", sys.stdin), ("stdout", sys.stdout)) if not _is_tty(stream)]
    if missing:
        fail(
            f"the dashboard needs a terminal, and {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not one: "
            "for totals in a pipe or a script use `tokenprint report` (e.g. tokenprint report monthly --json)"
        )
    from tui.app import TokenprintApp

    obj = ctx_obj()
    TokenprintApp(obj.home_path(), demo=obj.demo, tz=tz, live=not no_live, period=period).run()


def _is_tty(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if isatty is not None else False
    except (OSError, ValueError):  # a closed stream
        return False
