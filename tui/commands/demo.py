"""``tokenprint demo``: write a realistic demo ledger to ``$TOKENPRINT_HOME/demo.db``."""

from __future__ import annotations

import time

import click

from tui.common import common, ctx_obj, fail


@click.command()
@click.option("--days", type=click.IntRange(1, 3650), default=90, show_default=True, help="Days of history.")
@click.option("--events", type=click.IntRange(1, 50_000_000), default=20_000, show_default=True, help="Number of events.")
@click.option("--seed", type=int, default=7, show_default=True, help="Random seed (same seed, same ledger).")
@common()
def demo(days: int, events: int, seed: int) -> None:
    """Write a demo ledger (several clients, models and projects) to demo.db."""
    from sqlalchemy.exc import OperationalError

    from ledger.demo import write_demo
    from ledger.files import write_error
    from ledger.paths import ledger_path

    path = ledger_path(ctx_obj().home_path(), demo=True)
    t0 = time.perf_counter()
    try:
        n = write_demo(path, events=events, days=days, seed=seed)
    except OSError as exc:  # the previous demo.db is left as it was, and no temporary file
        fail(write_error(exc, path), 1)
    except OperationalError as exc:  # SQLite's "database or disk is full"
        fail(f"cannot write {path}: {exc.orig}; free some space in {path.parent}, then run this again", 1)
    click.echo(f"wrote {n:,} demo events over {days} days to {path} in {time.perf_counter() - t0:.1f} s")
    click.echo("open it with: tokenprint --demo   (or: tokenprint report monthly --demo)")
