"""``tokenprint export``: the monthly (or yearly, or any range) summary to forward.

Markdown to stdout by default; ``-o FILE`` writes a file (the format follows its
suffix unless ``--format`` says otherwise) into a folder that must exist: a
mistyped folder is an error, never created. An export of the demo ledger says
"demo data" in every format. ``--ledger PATH`` (repeatable,
``NAME=PATH`` to set the label; a database URL for a server ledger) combines
several people's ledgers into one team summary, counting an event found in two
ledgers once.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from tui.common import common, ctx_obj, date_option, fail, handles_errors, open_store

FORMAT_NAMES = ("md", "html", "csv", "json")
SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".csv": "csv", ".json": "json"}
GENERIC_STEMS = {"ledger", "demo", "tokenprint", "db"}


def ledger_labels(specs: tuple[str, ...]) -> list[tuple[str, str]]:
    """``[(label, path or URL)]`` for ``--ledger`` values (``PATH``, ``URL`` or ``NAME=...``).

    Without a name, the label is the file's stem, or its folder's name when the
    stem is generic (``ledger.db``, ``demo.db``); a database URL's database name;
    clashing labels get ``-2``, ``-3``.
    """
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for spec in specs:
        name, sep, raw = spec.partition("=")
        if not sep or not name or "/" in name or os.sep in name or (os.altsep and os.altsep in name):
            name, raw = "", spec
        if not name and "://" in raw:
            name = _url_label(raw)
        elif not name:
            path = Path(raw).expanduser()
            stem, parent = path.stem, path.resolve().parent.name
            name = parent if stem.lower() in GENERIC_STEMS and parent else stem
        label, n = name, 2
        while label in seen:
            label, n = f"{name}-{n}", n + 1
        seen.add(label)
        out.append((label, raw))
    return out


def _url_label(url: str) -> str:
    """A database URL's label: its database name, else its host, never its user or
    password (``postgresql://tp:PW@host:5432`` is ``host``)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        db = parts.path.strip("/").rsplit("/", 1)[-1]
        host = parts.hostname or ""
    except ValueError:
        return "server"
    return db or host or "server"


def _range(month: str | None, year: int | None, since: Any, until: Any, tz: str | None, first_day: Any) -> Any:
    from ledger.export.gather import last_complete_month, parse_month, resolve_range, year_range

    given = [name for name, v in (("--month", month), ("--year", year)) if v is not None]
    if since is not None or until is not None:
        given.append("--since/--until")
    if len(given) > 1:
        raise ValueError(f"give one of --month, --year or --since/--until, not {' and '.join(given)}")
    if month is not None:
        return parse_month(month)
    if year is not None:
        return year_range(year)
    if since is not None or until is not None:
        return resolve_range(since, until, tz, first_day=first_day)
    return last_complete_month(tz)


def generated_at() -> str | None:
    """``$SOURCE_DATE_EPOCH`` (reproducible output) as the generation time, if set."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw:
        return None
    try:
        return datetime.fromtimestamp(int(raw), tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
    except (ValueError, OverflowError, OSError):
        return None


@click.command()
@click.option("--month", metavar="YYYY-MM", help="One calendar month (default: the last complete month).")
@click.option("--year", type=click.IntRange(1970, 9999), metavar="YYYY", help="One calendar year.")
@click.option("--since", callback=date_option, metavar="DATE", help="First day (YYYY-MM-DD or YYYYMMDD).")
@click.option("--until", callback=date_option, metavar="DATE", help="Last day, inclusive (default: today).")
@click.option("--format", "-f", "fmt", type=click.Choice(FORMAT_NAMES), help="md (default), html, csv or json; "
              "with -o, the file's suffix when not given.")
@click.option("--output", "-o", metavar="FILE", help="Write to FILE (a folder: a file named after the period "
              "inside it; '-': stdout). The folder must exist.")
@click.option("--tz", metavar="ZONE", help="IANA time zone for days (default: local).")
@click.option("--ledger", "ledgers", multiple=True, metavar="[NAME=]PATH",
              help="A ledger file (or database URL) to include (repeatable: a team summary, each labelled "
              "NAME or by its file).")
@common(read=True)
@handles_errors
def export(month: str | None, year: int | None, since: Any, until: Any, fmt: str | None, output: str | None,
           tz: str | None, ledgers: tuple[str, ...]) -> None:
    """Write the summary of a month, a year or any range: md, html, csv or json."""
    from ledger.config import ConfigError, load
    from ledger.export.api import MissingFolder, export_text, output_path, write_atomic
    from ledger.store import StoreError
    from ledger.store import open_store as open_path

    to_stdout = output in (None, "-")
    if fmt is None:
        fmt = "md" if to_stdout else SUFFIXES.get(Path(str(output)).suffix.lower(), "md")
    try:
        settings = load(ctx_obj().home_path())
    except ConfigError as exc:
        fail(str(exc))

    stores: list[tuple[str, Any]] = []
    try:
        if ledgers:
            for label, raw in ledger_labels(ledgers):
                try:
                    if "://" in raw:  # a server ledger (PostgreSQL) or a sqlite:/// URL
                        stores.append((label, open_path(url=raw, migrate=False)))
                        continue
                    path = Path(raw).expanduser()
                    if not path.is_file():
                        fail(f"--ledger {path}: no such ledger file")
                    stores.append((label, open_path(path=path, migrate=False)))
                except StoreError as exc:
                    fail(f"--ledger {label}: {exc}")
        else:
            store = open_store()
            obj = ctx_obj()
            label = "demo" if obj.demo else (Path(store.path).parent.name if store.path else "server")
            stores.append((label or "ledger", store))
        try:
            from ledger.export.document import build_document  # noqa: F401  (import errors surface here)
            from ledger.export.gather import opened, query_first_day
            from ledger.timeutil import get_zone

            def first_day() -> Any:
                with opened(stores, 0, 0) as src:
                    return query_first_day(src, get_zone(tz)[1])

            rng = _range(month, year, since, until, tz, first_day)
            text = export_text(stores, fmt, rng, settings=settings, tz=tz, generated_at=generated_at())
        except ValueError as exc:
            fail(str(exc))
    finally:
        for _label, s in stores:
            s.dispose()

    if to_stdout:
        click.echo(text, nl=False)
        return
    target = output_path(str(output), rng, fmt)
    try:
        write_atomic(target, text)
    except MissingFolder as exc:
        fail(f"-o {output}: {exc}")
    except OSError as exc:
        from ledger.files import write_error

        fail(write_error(exc, target), 1)
    click.echo(f"wrote {target} ({rng.title}, {fmt})", err=True)
