"""``tokenprint`` / ``tokenprint dashboard``: the Textual dashboard (imports Textual lazily)."""

from __future__ import annotations

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
    from tui.app import TokenprintApp

    obj = ctx_obj()
    TokenprintApp(obj.home_path(), demo=obj.demo, tz=tz, live=not no_live, period=period).run()
