"""``tokenprint report``: token (and impact) totals per period, as a table or JSON."""

from __future__ import annotations

import json
from typing import Any

import click

from tui import format as fmt
from tui.common import common, ctx_obj, date_option, fail, handles_errors, open_store

#: The count columns of the table: header and field.
COUNT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Input", "input_tokens"), ("Cache\nwrite", "cache_write_tokens"), ("Cache\nread", "cache_read_tokens"),
    ("Output", "output_tokens"), ("Reason", "reasoning_tokens"), ("Reqs", "requests"),
)


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


def _name(r: dict[str, Any], by: str | None) -> str:
    if by == "project":
        return fmt.short_project(r.get("project"))
    if by == "model":
        return str(r["model"])
    if by == "client":
        return str(r["client"])
    return f"{r['client']} {r['model']}"


def print_table(data: dict[str, Any]) -> None:
    """The rows as a table that reads at 80 columns: each period (or session) on a line
    of its own with its rows below, counts compact (``1.23 M``) and impacts central
    (``27.6 Wh``) so that every figure keeps to one line; long names fold."""
    from rich import box
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
    table = Table(title=title, show_footer=True, header_style="bold", box=box.SIMPLE_HEAD, padding=0)
    label = {"session": "Session"}.get(data["period"], "Period")
    what = {"project": "project", "model": "model", "client": "client"}.get(by or "", "client, model")
    tot = data["totals"]
    table.add_column(f"{label}\n{what}", footer="Total", overflow="fold", min_width=12)
    for name, field in COUNT_COLUMNS:
        table.add_column(name, justify="right", no_wrap=True, footer=fmt.count(tot[field]))
    has_impacts = "co2e_g" in tot
    if has_impacts:
        table.add_column("Energy", justify="right", no_wrap=True, footer=fmt.central(tot.get("energy_wh"), "Wh"))
        table.add_column("CO2e", justify="right", no_wrap=True, footer=fmt.central(tot.get("co2e_g"), "g"))
    periods: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        periods.setdefault(str(r["key"]), []).append(r)
    for key, group in periods.items():
        table.add_row(key, style="bold")
        for r in group:
            cells = [_name(r, by)]
            cells += [fmt.count(r[f]) for _, f in COUNT_COLUMNS]
            if has_impacts:
                cells += [fmt.central(r.get("energy_wh"), "Wh"), fmt.central(r.get("co2e_g"), "g")]
            table.add_row(*cells)
    console.print(table)
