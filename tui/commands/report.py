"""``tokenprint report``: token (and impact) totals per period, as a table or JSON."""

from __future__ import annotations

import json
from typing import Any

import click

from tui.common import common, ctx_obj, date_option, fail, handles_errors, open_store


def fmt_int(n: float) -> str:
    return f"{int(n):,}"


def fmt_range(r: dict[str, float] | None, unit: str) -> str:
    if not r:
        return "-"
    from ledger.units import human

    return human(r["central"], unit)


@click.command()
@click.argument("period", required=False, default="daily", type=click.Choice(["daily", "weekly", "monthly", "session"]))
@click.option("--since", callback=date_option, metavar="DATE", help="First day (YYYY-MM-DD or YYYYMMDD).")
@click.option("--until", callback=date_option, metavar="DATE", help="Last day, inclusive.")
@click.option("--tz", metavar="ZONE", help="IANA time zone for periods (default: local).")
@click.option("--by", type=click.Choice(["model", "client", "project"]), help="One row per period and this field.")
@click.option("--client", "clients", multiple=True, help="Only this client (repeatable).")
@click.option("--model", "models", multiple=True, help="Only this model id (repeatable).")
@click.option("--project", "projects", multiple=True, help="Only this project (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (interface.md).")
@common(read=True)
@handles_errors
def report(period: str, since: Any, until: Any, tz: str | None, by: str | None, clients: tuple[str, ...],
           models: tuple[str, ...], projects: tuple[str, ...], as_json: bool) -> None:
    """Token and impact totals per PERIOD: daily (default), weekly, monthly or session."""
    from ledger.config import ConfigError, load
    from ledger.report import ReportQuery, build_report

    try:
        settings = load(ctx_obj().home_path())
    except ConfigError as exc:
        fail(str(exc))
    try:
        q = ReportQuery(period=period, since=since, until=until, tz=tz, by=by, clients=clients,
                        models=models, projects=projects, settings=settings)
        store = open_store()
        try:
            data = build_report(store, q)
        finally:
            store.dispose()
    except ValueError as exc:
        fail(str(exc))
    if as_json:
        click.echo(json.dumps(data, indent=1))
        return
    print_table(data)


def print_table(data: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    rows = data["rows"]
    console = Console()
    if not rows:
        console.print("No usage recorded for this range. Try [bold]tokenprint demo[/] or [bold]tokenprint hooks install --all[/].")
        return
    by = data.get("by")
    title = f"{data['period']} report ({data['tz']})"
    if data.get("methodology"):
        title += f", methodology {data['methodology']}"
    table = Table(title=title, show_footer=True, header_style="bold")
    label = {"session": "Session"}.get(data["period"], "Period")
    tot = data["totals"]
    table.add_column(label, footer="Total")
    if by == "project":
        table.add_column("Project")
    elif by != "model":
        table.add_column("Client")
    if by is None or by == "model":
        table.add_column("Model")
    for name, field in (("Input", "input_tokens"), ("Cache write", "cache_write_tokens"),
                        ("Cache read", "cache_read_tokens"), ("Output", "output_tokens"),
                        ("Reasoning", "reasoning_tokens"), ("Requests", "requests")):
        table.add_column(name, justify="right", footer=fmt_int(tot[field]))
    has_impacts = "co2e_g" in tot
    if has_impacts:
        table.add_column("Energy", justify="right", footer=fmt_range(tot.get("energy_wh"), "Wh"))
        table.add_column("CO2e", justify="right", footer=fmt_range(tot.get("co2e_g"), "g"))
    for r in rows:
        cells = [r["key"]]
        if by == "project":
            cells.append(r.get("project", ""))
        elif by != "model":
            cells.append(r["client"])
        if by is None or by == "model":
            cells.append(r["model"])
        cells += [fmt_int(r[f]) for f in ("input_tokens", "cache_write_tokens", "cache_read_tokens",
                                          "output_tokens", "reasoning_tokens", "requests")]
        if has_impacts:
            cells += [fmt_range(r.get("energy_wh"), "Wh"), fmt_range(r.get("co2e_g"), "g")]
        table.add_row(*cells)
    console.print(table)
