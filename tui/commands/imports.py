"""``tokenprint import <client> [PATH ...]`` and ``tokenprint import --all``: backfill
from a client's own logs (``--all``: every client found at its default locations).

Idempotent: running it twice changes nothing. A progress bar on a terminal (on
stderr), and always one summary line on stdout: files, new events, updated events,
skipped lines and why.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Any

import click

from tui.common import common, ctx_obj, fail
from tui.plugins import ClientsHelp
from tui.plugins import clients as known_clients


@click.command("import", cls=ClientsHelp)
@click.argument("client", required=False)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--all", "all_", is_flag=True,
              help="Every client found at its default locations, one summary line each.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal).")
@common()
def import_(client: str | None, paths: tuple[Path, ...], all_: bool, progress: bool | None) -> None:
    """Backfill CLIENT's history (default: its own locations; else each PATH:
    its home folder, any folder inside it, or a single file), or with --all every
    client found at its default locations."""
    ADAPTERS = known_clients()  # built-in and plugins' clients (tui.plugins), problems on stderr

    if all_:
        if client is not None:
            fail("--all reads every client's default locations: name no client (or drop --all "
                 "to import one client, or paths)")
        clients = sorted(ADAPTERS)
    elif client is None:
        fail(f"name a client, or --all for every client found here; available: {', '.join(sorted(ADAPTERS))}")
    else:
        if client not in ADAPTERS:
            fail(f"no importer for {client!r}; available: {', '.join(sorted(ADAPTERS))}")
        clients = [client]
    for p in paths:
        if not p.exists():
            fail(f"{p}: no such file or folder")
    from hooks.backfill import open_backend

    try:
        backend, close = open_backend(ctx_obj().home_path())
    except Exception as exc:  # sqlite3 errors, LedgerTooNew, a bad database URL
        fail(f"cannot open the ledger: {exc}", 1)
    show = sys.stderr.isatty() if progress is None else progress
    try:
        if not all_:
            _import_one(backend, clients[0], paths, show, quiet_if_none=False)
            return
        found = []
        for name in clients:
            if _import_one(backend, name, (), show, quiet_if_none=True):
                found.append(name)
        absent = [c for c in clients if c not in found]
        if not found:
            click.echo("no client's data found at its default locations; import one with a PATH: "
                       "tokenprint import CLIENT PATH", err=True)
        elif absent:
            click.echo(f"nothing found for: {', '.join(absent)}", err=True)
    finally:
        close()


def _import_one(backend: Any, client: str, paths: tuple[Path, ...], show: bool, quiet_if_none: bool) -> bool:
    """Import one client; print its summary line (and its errors on stderr). False,
    and nothing printed, when ``quiet_if_none`` and no source of it was found."""
    from hooks.backfill import run_import, summary
    from ledger import fastpath
    from ledger.names import terminal_safe

    bar: Any = None
    task: Any = None

    def on_plan(plan: Any) -> None:
        nonlocal bar, task
        if not show or plan.todo_bytes <= 0:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        bar = Progress(
            TextColumn(f"importing {client}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        bar.start()
        task = bar.add_task("import", total=plan.todo_bytes)

    def on_bytes(n: int) -> None:
        if bar is not None:
            bar.advance(task, n)

    try:
        totals = run_import(backend, client, list(paths) or None, on_plan=on_plan, on_bytes=on_bytes)
    except (sqlite3.Error, fastpath.LedgerBusy) as exc:
        fail(f"the ledger could not be used: {exc} (is the file readable and the disk not full?)", 1)
    finally:
        if bar is not None:
            bar.stop()
    if not paths and totals.files == 0 and not totals.error_messages:
        if quiet_if_none:
            return False
        click.echo(nothing_found(client), err=True)
    for message in totals.error_messages[:20]:
        click.echo(f"tokenprint: {terminal_safe(message)}", err=True)
    click.echo(terminal_safe(summary(client, totals)))
    return True


def nothing_found(client: str) -> str:
    """``codex: no rollouts found in ~/.codex/sessions or ~/.codex/archived_sessions``:
    the adapter's noun for its sources (``SOURCE_NOUN``, default ``transcripts``) and
    where it looked (``search_roots()``, else ``default_roots()``)."""
    import importlib

    from hooks import ADAPTERS
    from hooks.doctor import source_noun
    from tui.commands.hooks_cmd import search_roots, shown

    mod = importlib.import_module(ADAPTERS[client])
    roots = [shown(Path(p)) for p in search_roots(mod)]
    where = " or ".join(roots) if roots else "the default locations"
    return f"{client}: no {source_noun(mod)[1]} found in {where}"
