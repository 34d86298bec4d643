"""``tokenprint report``: token and impact totals per period, as a table or JSON.

On a local SQLite ledger the query runs through the standard library
(``ledger.report.SqliteReader``, no SQLAlchemy import: faster to start); a server
ledger (``$TOKENPRINT_DATABASE_URL``), a missing ledger or one to migrate goes
through ``ledger.store``. Both run the same SQL and print the same JSON.
"""

from __future__ import annotations

import os
import sqlite3
from typing import Any

import click

from tui.common import common, ctx_obj, date_option, fail, handles_errors, ledger_failed, open_store

#: ``ledger.store.DATABASE_URL_ENV``, without importing SQLAlchemy to read it.
DATABASE_URL_ENV = "TOKENPRINT_DATABASE_URL"


@click.command()
@click.argument("period", required=False, default="daily", type=click.Choice(["daily", "weekly", "monthly", "session"]))
@click.option("--since", callback=date_option, metavar="DATE", help="First day (YYYY-MM-DD or YYYYMMDD).")
@click.option("--until", callback=date_option, metavar="DATE", help="Last day, inclusive.")
@click.option("--tz", metavar="ZONE", help="IANA time zone for periods (default: local).")
@click.option("--by", type=click.Choice(["model", "client", "project"]), help="One row per period and this field.")
@click.option("--client", "clients", multiple=True, metavar="NAME", help="Only this client, e.g. claude-code "
              "(repeatable).")
@click.option("--model", "models", multiple=True, metavar="ID", help="Only this model: its id or its short form "
              "without the date, as the table shows it (repeatable).")
@click.option("--project", "projects", multiple=True, metavar="PROJECT", help="Only this project: as the table "
              "shows it (dev/webshop) or its path (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: rows, totals, impact ranges and "
              "costs per row.")
@common(read=True)
@handles_errors
def report(period: str, since: Any, until: Any, tz: str | None, by: str | None, clients: tuple[str, ...],
           models: tuple[str, ...], projects: tuple[str, ...], as_json: bool) -> None:
    """Token and impact totals per PERIOD: daily (default), weekly, monthly or session.

    Without --since/--until, all history. The table fits the terminal (80 columns
    when not on one); Cost is what the clients reported, ~ when partly estimated
    from list prices. --json adds every token bucket and the impact ranges.
    """
    from ledger.config import ConfigError, load
    from ledger.report import ReportQuery

    obj = ctx_obj()
    try:
        settings = load(obj.home_path())
    except ConfigError as exc:
        fail(str(exc))
    try:
        q = ReportQuery(period=period, since=since, until=until, tz=tz, by=by, clients=clients,
                        models=models, projects=projects, settings=settings)
        data = run_report(q, obj.demo)
    except ValueError as exc:
        fail(str(exc))
    from tui.plugins import say_problems

    say_problems()  # what the figures leave out (a plugin's rows refused)
    if as_json:
        from ledger.prettyjson import dumps  # json.dumps(data, indent=1), faster

        click.echo(dumps(data))
        return
    import shutil

    from ledger.textreport import render

    filters = {opt: v for opt, v in (("--client", clients), ("--model", models), ("--project", projects)) if v}
    click.echo(render(data, shutil.get_terminal_size().columns, filters), nl=False)


def local_reader(demo: bool) -> Any:
    """A standard-library reader on the local ledger file, or None when the store must be
    used (a server ledger, no file yet, a schema to migrate)."""
    from ledger.paths import ledger_path
    from ledger.report import SqliteReader
    from ledger.schema import SCHEMA_VERSION

    if not demo and os.environ.get(DATABASE_URL_ENV, "").strip():
        return None
    path = ledger_path(ctx_obj().home_path(), demo=demo)
    if not path.is_file():
        return None
    from ledger.fastpath import check_file

    check_file(path)  # a damaged ledger raises LedgerCorrupt: one line saying how to restore
    try:
        reader = SqliteReader(path)
        if reader.schema_version() == SCHEMA_VERSION:
            return reader
        reader.close()
    except sqlite3.Error:
        pass
    return None


def run_report(q: Any, demo: bool) -> dict[str, Any]:
    """``report --json`` for ``q`` on the ledger chosen by ``--home``/``--demo``/the URL."""
    from ledger.report import build_report

    reader = local_reader(demo)
    if reader is not None:
        try:
            return build_report(reader, q, demo=demo)
        except sqlite3.Error as exc:
            ledger_failed(exc, reader.path)
        finally:
            reader.close()
    from sqlalchemy.exc import OperationalError

    store = open_store()
    try:
        return build_report(store, q, demo=demo)
    except OperationalError as exc:
        ledger_failed(exc)
    finally:
        store.dispose()
