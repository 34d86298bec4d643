"""``/footprint``: today's and this month's footprint per model, as ``tokenprint report`` prints it.

Standard library only: the Claude Code plugin runs it from its cache with a bare
``python3`` that has no packages (no click, rich, SQLAlchemy, tomlkit). It reads
the local ledger read-only through ``ledger.report.SqliteReader`` (the report's
own SQL), never writes, and never creates a missing ledger. Settings come from
``config.toml`` through ``ledger.config`` (``tomllib``); the text layout is
``ledger.textreport``, so it fits 80 columns like the report.

Run it as ``python3 -c 'import sys; sys.path.insert(0, ROOT); from hooks.footprint
import main; raise SystemExit(main())'`` (the plugin's ``scripts/footprint``).
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TextIO

from ledger.paths import ledger_path, resolve_home

#: Width when stdout is not a terminal and ``$COLUMNS`` is not set (a slash command's pane).
DEFAULT_WIDTH = 80


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="footprint", description=__doc__.split("\n", 1)[0] if __doc__ else None)
    p.add_argument("--home", metavar="DIR", help="Data folder (default: $TOKENPRINT_HOME or the user data dir).")
    p.add_argument("--tz", metavar="ZONE", help="IANA time zone of today and this month (default: local).")
    return p.parse_args(argv)


def _say(out: TextIO, text: str) -> None:
    out.write(text + "\n")


def footprint_text(home: Path, tz: str | None, today: date | None = None, width: int = DEFAULT_WIDTH) -> str:
    """Everything ``/footprint`` prints for the ledger in ``home``.

    Raises ``ValueError`` (bad time zone), ``ledger.config.ConfigError`` (broken
    config.toml) and ``sqlite3.Error`` (an unreadable ledger).
    """
    from ledger.config import load
    from ledger.report import ReportQuery, SqliteReader, build_report
    from ledger.textreport import footnotes, render_table, wrap
    from ledger.timeutil import get_zone, today_in

    zone_name, zone = get_zone(tz)
    day = today or today_in(zone)
    month_start = day.replace(day=1)
    path = ledger_path(home)
    empty = (f"No usage recorded yet in {path}: it appears after your next Claude Code turn "
             "(past ones: tokenprint import claude-code).")
    if not path.is_file():
        return empty + "\n"
    settings = load(home)
    reader = SqliteReader(path)
    try:
        if reader.schema_version() == 0:  # not a ledger yet (the hook creates it)
            return empty + "\n"
        with reader.snapshot():
            today_data = build_report(reader, ReportQuery(period="daily", since=day, until=day, tz=zone_name,
                                                          by="model", settings=settings))
            month_data = build_report(reader, ReportQuery(period="monthly", since=month_start, until=day,
                                                          tz=zone_name, by="model", settings=settings))
    finally:
        reader.close()
    if not month_data["rows"]:
        return f"No usage recorded this month (since {month_start}) in {path}.\n"
    month_name = datetime(day.year, day.month, 1).strftime("%B %Y")
    out: list[str] = []
    if today_data["rows"]:
        out += render_table(today_data, width, label=f"Today, {day.isoformat()}", notes=False)
    else:
        out.append(f"Today, {day.isoformat()}: no usage yet.")
    out.append("")
    out += render_table(month_data, width, label=f"This month, {month_name}", notes=False)
    notes = footnotes(month_data, json_hint="tokenprint report --json")
    if notes:
        out.append("")
        out += [line for n in notes for line in wrap(n, width)]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Print today's and this month's footprint; 0 on success, 2 on bad input, 1 when
    the ledger cannot be read (one line on stderr)."""
    args = parse_args(argv)
    from ledger.config import ConfigError

    home = resolve_home(args.home)
    width = shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
    try:
        text = footprint_text(home, args.tz, width=width)
    except ConfigError as exc:
        _say(sys.stderr, f"tokenprint: {exc}")
        return 2
    except ValueError as exc:
        _say(sys.stderr, f"tokenprint: {exc}")
        return 2
    except sqlite3.Error as exc:
        _say(sys.stderr, f"tokenprint: the ledger in {home} could not be read: {exc}")
        return 1
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
