"""llm-tokenprint: the ``llm footprint`` command (an llm plugin, ``register_commands``).

llm loads every plugin when it starts, for every command: this module imports only
``click`` and ``llm`` (which llm has loaded already); tokenprint's import and report
code loads inside the command.

``llm footprint`` imports what is new in llm's ``logs.db`` (``llm.user_dir()``, the
folder llm itself writes to) into the tokenprint ledger through the very code of
``tokenprint import llm`` (``hooks.backfill.run_import``), then prints today's and
this month's footprint with ``tokenprint report``'s tables (``ledger.report``,
``ledger.textreport``); ``--month`` prints the month's summary only.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click
import llm

CLIENT = "llm"


@llm.hookimpl
def register_commands(cli: Any) -> None:
    @cli.command(name="footprint")
    @click.option("--month", "month_only", is_flag=True, help="Only this month's summary (one row per model).")
    @click.option("--all-clients", is_flag=True, help="Every client in the ledger, not only llm.")
    @click.option("--tz", metavar="ZONE", help="IANA time zone for today and this month (default: local).")
    @click.option("--home", metavar="DIR", help="The tokenprint data folder (default: $TOKENPRINT_HOME, "
                  "else the user data folder).")
    @click.option("--json", "as_json", is_flag=True, help="One JSON object: the import's counts and the "
                  "reports (tokenprint report --json's shape).")
    def footprint(month_only: bool, all_clients: bool, tz: str | None, home: str | None, as_json: bool) -> None:
        """Import what is new in logs.db into tokenprint and print the footprint.

        Today's and this month's tokens, energy, CO2e and water of your llm
        prompts (--month: the month only). The import is tokenprint import llm:
        logs.db is read only, rows already imported are not read again.
        """
        try:
            out = run(month_only=month_only, all_clients=all_clients, tz=tz, home=home, as_json=as_json)
        except FootprintError as exc:
            raise click.ClickException(str(exc)) from None
        except Exception as exc:  # noqa: BLE001 - a ledger that cannot be used: one line, as tokenprint says it
            raise click.ClickException(ledger_problem(exc)) from None
        click.echo(out, nl=False)


def ledger_problem(exc: BaseException) -> str:
    """One line for a ledger (or home) that cannot be used, as ``tokenprint`` words it
    (``tui.common.ledger_failed``); anything else is raised again."""
    import sqlite3

    from ledger.fastpath import BUSY_MESSAGE, LedgerCorrupt, is_busy, is_corruption

    if isinstance(exc, LedgerCorrupt):
        return str(exc)
    if is_busy(exc):
        return BUSY_MESSAGE
    if is_corruption(exc):
        return f"the ledger is damaged ({exc}); run `tokenprint doctor`"
    if isinstance(exc, sqlite3.Error | OSError):
        return f"the tokenprint ledger cannot be used: {type(exc).__name__}: {exc}"
    raise exc


class FootprintError(Exception):
    """Something the user can fix (a bad --tz, an unreadable config or ledger)."""


def import_new(home: Path, logs_folder: Path) -> Any:
    """Read what is new in ``logs_folder``'s ``logs.db`` into the ledger at ``home``;
    the import's totals (``hooks.sync.Totals``)."""
    from hooks.backfill import open_backend, run_import

    backend, close = open_backend(home)
    try:
        return run_import(backend, CLIENT, [logs_folder])
    finally:
        close()


def reports(home: Path, *, month_only: bool, clients: tuple[str, ...], tz: str | None,
            today: dt.date | None = None) -> list[tuple[str, dict[str, Any]]]:
    """``(label, report --json object)`` for today (unless ``month_only``) and this month."""
    from ledger.config import ConfigError, load
    from ledger.report import ReportQuery, build_report
    from ledger.timeutil import get_zone

    try:
        settings = load(home)
    except ConfigError as exc:
        raise FootprintError(str(exc)) from None
    try:
        _name, zone = get_zone(tz)
    except ValueError as exc:
        raise FootprintError(str(exc)) from None
    day = today or dt.datetime.now(zone).date()
    first = day.replace(day=1)
    wanted = [] if month_only else [(f"Today ({day.isoformat()})", "daily", day)]
    wanted.append((f"This month ({day:%Y-%m})", "monthly", first))
    out = []
    source, close = _reader(home)
    try:
        for label, period, since in wanted:
            q = ReportQuery(period=period, since=since, until=day, tz=tz, clients=clients, settings=settings)
            out.append((label, build_report(source, q)))
    finally:
        close()
    return out


def _reader(home: Path) -> tuple[Any, Any]:
    """The ledger to report on: the local file through the standard library, or the
    server ledger (``$TOKENPRINT_DATABASE_URL``) through ``ledger.store``."""
    import os

    from ledger.paths import ledger_path

    if os.environ.get("TOKENPRINT_DATABASE_URL", "").strip():
        from ledger.store import open_store

        store = open_store(home)
        return store, store.dispose
    from ledger.report import SqliteReader

    reader = SqliteReader(ledger_path(home))
    return reader, reader.close


def run(*, month_only: bool = False, all_clients: bool = False, tz: str | None = None, home: str | None = None,
        as_json: bool = False, width: int | None = None) -> str:
    """What ``llm footprint`` prints (the import's summary line, then the tables)."""
    import shutil

    from hooks.backfill import summary
    from ledger.paths import ensure_home, resolve_home

    h = ensure_home(resolve_home(home))
    totals = import_new(h, llm.user_dir())
    clients = () if all_clients else (CLIENT,)
    got = reports(h, month_only=month_only, clients=clients, tz=tz)
    if as_json:
        import json

        r = totals.result
        data = {"import": {"files": totals.files, "read": totals.read, "new": r.new, "updated": r.updated,
                           "skipped": dict(totals.skips), "errors": list(totals.error_messages)},
                **{("month" if label.startswith("This month") else "today"): rep for label, rep in got}}
        return json.dumps(data, indent=1) + "\n"
    from ledger.textreport import no_usage, render_table, wrap

    cols = width or shutil.get_terminal_size().columns
    lines = [summary(CLIENT, totals), ""]
    for err in totals.error_messages:
        lines.append(f"  {err}")
    for label, rep in got:
        if rep["rows"]:
            lines += render_table(rep, cols, label=label)
        else:
            lines += [label, *(w for n in no_usage(rep) for w in wrap(n, cols))]
        lines.append("")
    return "\n".join(lines)
