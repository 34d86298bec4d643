"""``tokenprint import <client> [PATH ...]``: backfill from a client's own logs.

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


@click.command("import")
@click.argument("client")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal).")
@common()
def import_(client: str, paths: tuple[Path, ...], progress: bool | None) -> None:
    """Backfill CLIENT's history (default: its own locations; else each PATH:
    its home folder, any folder inside it, or a single file)."""
    from hooks import ADAPTERS

    if client not in ADAPTERS:
        fail(f"no importer for {client!r}; available: {', '.join(sorted(ADAPTERS))}")
    for p in paths:
        if not p.exists():
            fail(f"{p}: no such file or folder")
    from hooks.backfill import open_backend, run_import, summary
    from ledger import fastpath

    try:
        backend, close = open_backend(ctx_obj().home_path())
    except Exception as exc:  # sqlite3 errors, LedgerTooNew, a bad database URL
        fail(f"cannot open the ledger: {exc}", 1)
    show = sys.stderr.isatty() if progress is None else progress
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
        close()
    if not paths and totals.files == 0:
        click.echo(nothing_found(client), err=True)
    from ledger.names import terminal_safe

    for message in totals.error_messages[:20]:
        click.echo(f"tokenprint: {terminal_safe(message)}", err=True)
    click.echo(terminal_safe(summary(client, totals)))


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
