"""``tokenprint backup [FILE]`` and ``tokenprint restore FILE`` (``ledger.backup``).

``backup`` copies the live ledger now with SQLite's online backup API, to FILE or
to ``backups/ledger-YYYYMMDD-HHMMSS.db`` (then keeps the newest ``backup.keep``).
``restore`` checks FILE first (integrity, schema version), refuses a bad one in
one line, keeps the current file aside and replaces it while no writer holds it.
"""

from __future__ import annotations

from pathlib import Path

import click

from tui.common import common, ctx_obj, fail


def _local_ledger() -> Path:
    import os

    from ledger.paths import ledger_path

    if os.environ.get("TOKENPRINT_DATABASE_URL", "").strip():
        fail("backup and restore are for the local ledger file; back a server ledger up with its own "
             "tools (pg_dump), or unset $TOKENPRINT_DATABASE_URL")
    return ledger_path(ctx_obj().home_path())


@click.command()
@click.argument("file", required=False, type=click.Path(dir_okay=True, path_type=Path))
@common()
def backup(file: Path | None) -> None:
    """Back the ledger up now: to FILE, or to the backups folder (rotated)."""
    from ledger.backup import BackupError, keep_setting, rotate
    from ledger.backup import backup as run_backup

    home = ctx_obj().home_path()
    ledger = _local_ledger()
    try:
        path = run_backup(ledger, file, home=home)
    except BackupError as exc:
        fail(str(exc), 1)
    if file is None:
        rotate(home, keep_setting(home))
    click.echo(f"backed up {ledger} to {path} ({path.stat().st_size / 1e6:.1f} MB, integrity ok)")


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@common()
def restore(file: Path) -> None:
    """Replace the ledger by FILE (a backup, or a copy saved with sqlite3 .recover).

    FILE is checked first; the current ledger is kept aside as
    ledger.db.before-restore-YYYYMMDD-HHMMSS.
    """
    from ledger.backup import BackupError, BadFile
    from ledger.backup import restore as run_restore
    from ledger.spool import count

    home = ctx_obj().home_path()
    ledger = _local_ledger()
    try:
        aside = run_restore(ledger, file)
    except BackupError as exc:
        fail(str(exc), 2 if isinstance(exc, BadFile) else 1)
    kept = f"; the previous file is kept at {aside}" if aside.exists() else ""
    pending = count(home)
    spooled = (f"; {pending} spooled hook run{'s' if pending != 1 else ''} will be read at the next hook run"
               if pending else "")
    click.echo(f"restored {ledger} from {file}{kept}{spooled}. To read again what the clients "
               "logged since that backup: tokenprint import --all (and each chat export again: "
               "tokenprint import chatgpt-export FILE)")
