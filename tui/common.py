"""Options and helpers every command shares: ``--home``, ``--demo``, errors.

``--home`` and ``--demo`` work before or after the subcommand: the group stores
them in the context object and each command's own option overrides it.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


class Ctx:
    """What the group resolved: the home folder and whether to read the demo ledger."""

    def __init__(self) -> None:
        self.home: str | None = None
        self.demo: bool = False

    def home_path(self) -> Path:
        from ledger.files import write_error
        from ledger.paths import ensure_home, resolve_home

        home = resolve_home(self.home)
        try:
            return ensure_home(home)
        except OSError as exc:  # cannot be created (a read-only parent, a file in the way)
            fail(write_error(exc, home, "create the data folder"))


def _current_home() -> Path | None:
    """The data folder of the command being run, if there is one."""
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_object(Ctx) if ctx is not None else None
    if obj is None:
        return None
    from ledger.paths import resolve_home

    return resolve_home(obj.home)


def _set_home(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value:
        ctx.ensure_object(Ctx).home = value
    return value


def _set_demo(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    if value:
        ctx.ensure_object(Ctx).demo = True
    return value


home_option = click.option(
    "--home",
    metavar="DIR",
    expose_value=False,
    callback=_set_home,
    is_eager=True,
    help="Data folder (default: $TOKENPRINT_HOME or the user data dir).",
)
demo_option = click.option(
    "--demo",
    is_flag=True,
    expose_value=False,
    callback=_set_demo,
    is_eager=True,
    help="Read demo.db instead of ledger.db.",
)


def common(read: bool = False) -> Callable[[F], F]:
    """Add ``--home`` (and ``--demo`` for reading commands) to a command."""

    def deco(f: F) -> F:
        f = home_option(f)
        if read:
            f = demo_option(f)
        return f

    return deco


def date_option(_ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    """Click callback: ``YYYY-MM-DD`` or ``YYYYMMDD`` to a ``date`` (None stays None)."""
    if value is None:
        return None
    from ledger.timeutil import parse_date

    try:
        return parse_date(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param=param) from None


def ctx_obj() -> Ctx:
    return click.get_current_context().ensure_object(Ctx)


def fail(message: str, code: int = 2) -> NoReturn:
    """Exit with a one-line reason on stderr (exit 2: bad input).

    The message may quote a file path, a model name or a driver's error: it is
    shown on one line, without control characters (``ledger.names.terminal_safe``)
    and without credentials (``ledger.redact.redact_text``: a database URL's
    password, a DSN's ``password=``)."""
    from ledger.names import terminal_safe
    from ledger.redact import redact_text

    safe = terminal_safe(redact_text(message).replace("\t", " "), newline=" ")
    click.echo(f"tokenprint: {safe}", err=True)
    sys.exit(code)


def open_store(*, demo: bool | None = None, migrate: bool = True) -> Any:
    """The ledger chosen by ``--home``/``--demo``/``$TOKENPRINT_DATABASE_URL``."""
    from ledger.store import StoreError
    from ledger.store import open_store as _open

    obj = ctx_obj()
    use_demo = obj.demo if demo is None else demo
    try:
        return _open(obj.home_path(), demo=use_demo, migrate=migrate)
    except StoreError as exc:
        fail(str(exc))
    except Exception as exc:
        ledger_failed(exc)


def ledger_failed(exc: BaseException, path: Path | None = None) -> NoReturn:
    """Exit 1 with one line for a ledger that cannot be used: damaged (what to restore;
    ``path``, the SQLite file, is marked so that no writer uses it), busy (try again),
    or another database error; anything else is raised again."""
    import sqlite3

    from ledger.fastpath import BUSY_MESSAGE, LedgerCorrupt, corrupt_from, is_busy, is_corruption

    if isinstance(exc, LedgerCorrupt):
        fail(str(exc), 1)
    if is_corruption(exc) and path is not None:
        fail(str(corrupt_from(path, exc)), 1)
    if is_corruption(exc):
        fail(f"the ledger is damaged ({getattr(exc, 'orig', None) or exc}); run `tokenprint doctor`", 1)
    if is_busy(exc):
        fail(BUSY_MESSAGE, 1)
    orig = getattr(exc, "orig", None) or exc
    if isinstance(orig, sqlite3.Error):
        from ledger.files import unwritable_reason

        folder = path.parent if path is not None else _current_home()
        why = unwritable_reason(folder) if folder is not None else None
        fail(f"the ledger could not be used: {orig} ({why or 'is the file readable and the disk not full?'})", 1)
    from sqlalchemy.exc import DBAPIError

    if isinstance(exc, DBAPIError):  # a server ledger: unreachable, refused, not a ledger (one line, redacted)
        first = (str(orig).strip().splitlines() or [""])[0]
        fail(f"the ledger could not be used: {first} (is the server running, the URL right, the ledger there?)", 1)
    raise exc


def handles_errors(f: F) -> F:
    """Turn ledger errors into a one-line message instead of a traceback."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import sqlite3

        from ledger.fastpath import LedgerBusy, LedgerCorrupt

        try:
            return f(*args, **kwargs)
        except (LedgerCorrupt, LedgerBusy, sqlite3.DatabaseError) as exc:
            ledger_failed(exc)
        except Exception as exc:
            if type(exc).__module__.startswith("sqlalchemy"):
                ledger_failed(exc)  # a database error through SQLAlchemy (re-raised otherwise)
            raise

    return wrapper  # type: ignore[return-value]
