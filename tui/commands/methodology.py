"""``tokenprint methodology``: every factor and assumption in use, with its source."""

from __future__ import annotations

import json

import click

from tui.common import common, ctx_obj, fail


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print factors, calibration and settings as JSON.")
@common()
def methodology(as_json: bool) -> None:
    """Print the methodology in force: boundary, formulas, factors, calibration, price check."""
    from ledger.config import ConfigError, load
    from ledger.impact import Settings, describe

    try:
        settings = Settings.from_config(load(ctx_obj().home_path()))
    except (ConfigError, ValueError) as exc:
        fail(str(exc))
    if as_json:
        data = describe.methodology_data(settings)
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(describe.methodology_md(settings))
