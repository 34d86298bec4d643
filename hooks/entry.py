"""``tokenprint-hook <client> [<event>] [--home DIR]``: what a client runs on each turn.

Standard library only, and it must stay so: this runs on every turn of the
user's client (``tests/hooks/test_import_hygiene.py`` checks ``sys.modules``).

It reads the client's payload (stdin, or the last argv argument for clients that
pass it there), ingests what is new in the files the payload names, and exits 0
whatever happens: a locked, missing or corrupt ledger, a garbage payload or a
full disk is written to ``$TOKENPRINT_HOME/logs/hook.log``, never to the user's
screen. When the ledger is busy it waits at most :data:`BUSY_TIMEOUT_S`; busy,
damaged or not verifiable in time, the run goes to the spool (``ledger.spool``:
the files it names; positions are not advanced, nothing is lost) and the next
healthy run reads them. The whole run stays within :data:`BUDGET_S` (a soft
deadline that commits what was read, a watchdog that exits 0 at the budget).
Words it does not know (such as the ``#`` ownership marker that some shells pass
through) are ignored. ``-h``/``--help`` prints the usage (a person typed it).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
from typing import Any

#: How long the hook may wait for a lock before leaving the work for later.
BUSY_TIMEOUT_S = 0.3
#: The hook's hard wall-time budget from the start of ``main`` (seconds; the
#: interpreter's start-up, some 30 ms, comes before). Claude Code kills a hook at its
#: ``timeout`` (10 s by default in our install): this stays well below. At
#: ``SOFT_SHARE`` of it the run stops reading, commits what it read and spools the
#: rest; at the full budget a watchdog thread exits 0 whatever blocks.
BUDGET_S = 2.0
SOFT_SHARE = 0.75
BUDGET_ENV = "TOKENPRINT_HOOK_BUDGET"
#: Most bytes of transcript read in one run; the rest waits for the next event.
MAX_BYTES_PER_RUN = 48 << 20
#: Largest payload read from stdin.
MAX_PAYLOAD_BYTES = 8 << 20


def _parse_argv(argv: list[str]) -> tuple[str | None, str | None, str | None, list[str]]:
    client = event = home = None
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--home" and i + 1 < len(argv):
            home = argv[i + 1]
            i += 2
            continue
        if arg == THEN_ARGV and i + 1 < len(argv):
            i += 2  # the program ours replaced (see _chain): not a word of ours
            continue
        if arg.startswith("#"):
            break  # a shell comment passed through (e.g. by cmd.exe): the rest is ours too
        if arg.startswith("--home="):
            home = arg.split("=", 1)[1]
        elif arg.startswith("-"):
            pass
        elif client is None:
            client = arg
        elif event is None and not arg.startswith("{"):
            event = arg
        else:
            rest.append(arg)
        i += 1
    return client, event, home, rest


#: ``--then-argv '<JSON list>'``: the program our entry replaced in the client's config
#: (e.g. Codex's ``notify``); it is started first with the same last argument.
THEN_ARGV = "--then-argv"


def _chain(argv: list[str]) -> str | None:
    """Start the program of ``--then-argv`` (if any) with the payload word appended,
    detached: a new session, no terminal, standard streams on /dev/null, never waited
    on (as the client would have started it). Returns a problem to log, or None."""
    words: list[str] = []
    for i, arg in enumerate(argv):
        if arg.startswith("#"):
            break
        if arg == THEN_ARGV and i + 1 < len(argv):
            try:
                value = json.loads(argv[i + 1])
            except ValueError:
                return f"{THEN_ARGV} is not a JSON list: the previous program was not started"
            if not (isinstance(value, list) and value and all(isinstance(w, str) for w in value)):
                return f"{THEN_ARGV} is not a list of strings: the previous program was not started"
            words = value
            break
    if not words:
        return None
    last = argv[-1] if argv else ""
    if last.lstrip().startswith("{"):
        words = [*words, last]
    import subprocess

    try:
        subprocess.Popen(
            words,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
        )
    except (OSError, ValueError) as exc:
        return f"cannot start the previous program {words[0]!r}: {exc}"
    return None


def _read_payload(rest: list[str]) -> tuple[Any, str | None]:
    """The payload object (stdin first, else a JSON last argv) and an error, if any."""
    raw = b""
    try:
        if sys.stdin is not None and not sys.stdin.isatty():
            raw = sys.stdin.buffer.read(MAX_PAYLOAD_BYTES)
    except (OSError, ValueError, AttributeError):
        raw = b""
    if not raw.strip() and rest and rest[-1].lstrip().startswith("{"):
        raw = rest[-1].encode("utf-8", "surrogateescape")
    if not raw.strip():
        return {}, "empty payload"
    try:
        payload = json.loads(raw)
    except ValueError as exc:
        return {}, f"payload is not JSON ({exc})"
    if not isinstance(payload, dict):
        return {}, f"payload is a JSON {type(payload).__name__}, expected an object"
    return payload, None


class HookOverrun(BaseException):
    """The run reached its soft deadline (a BaseException: nothing on the way swallows it)."""


def budget_s() -> float:
    """The wall-time budget: :data:`BUDGET_S`, or ``$TOKENPRINT_HOOK_BUDGET`` if smaller (tests)."""
    try:
        value = float(os.environ.get(BUDGET_ENV, "") or BUDGET_S)
    except ValueError:
        return BUDGET_S
    return value if 0 < value < BUDGET_S else BUDGET_S


def _on_alarm(_signum: int, _frame: Any) -> None:
    raise HookOverrun()


def _arm(seconds: float) -> bool:
    """Raise ``HookOverrun`` in the main thread after ``seconds`` (POSIX; False elsewhere)."""
    import signal

    if not hasattr(signal, "setitimer"):  # pragma: no cover - Windows: the watchdog alone
        return False
    try:
        signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))
    except (ValueError, OSError):  # not the main thread (tests calling main in a thread)
        return False
    return True


def _disarm() -> None:
    import signal

    if hasattr(signal, "setitimer"):
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
        except (ValueError, OSError):
            pass


def _watchdog(seconds: float, home_hint: list[str]) -> Any:
    """The hard stop: whatever blocks (a read on a hung mount, a C call that ignores
    signals), the process exits 0 at ``seconds``. SQLite is safe against this as against
    a power cut: a transaction in flight is rolled back by the next opener."""
    import threading

    def fire() -> None:
        try:
            from hooks import hooklog
            from ledger.paths import resolve_home

            client, _event, home_arg, _rest = _parse_argv(home_hint)
            hooklog.log(resolve_home(home_arg), client or "?", f"hard time budget of {seconds:.1f}s reached: exited")
        finally:
            os._exit(0)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    return timer


def _short(exc: BaseException) -> str:
    from ledger import fastpath

    if isinstance(exc, fastpath.LedgerCorrupt):
        return f"ledger damaged (DatabaseError: {exc.detail}): work kept in the spool; run `tokenprint doctor`"
    if isinstance(exc, fastpath.LedgerBusy):
        return f"ledger busy for more than {BUSY_TIMEOUT_S}s: work kept in the spool for the next run"
    if isinstance(exc, fastpath.LedgerUnverified):
        return "ledger not verified within the time budget: work kept in the spool, checked in the background"
    return f"{type(exc).__name__}: {exc}"


def run(argv: list[str], started: float | None = None) -> dict[str, Any]:
    """Do the work; raises only on the unexpected (``main`` turns it into a log line).

    Within :func:`budget_s`: when the soft deadline passes, what was read is committed,
    the rest of the run is spooled, and the overrun is logged.
    """
    from hooks import ADAPTERS, hooklog
    from ledger import fastpath, spool
    from ledger.paths import ensure_home, ledger_path, resolve_home

    started = time.monotonic() if started is None else started
    budget = budget_s()
    soft = started + budget * SOFT_SHARE
    chained = _chain(argv)  # the user's own program first, whatever happens to ours
    client, event, home_arg, rest = _parse_argv(argv)
    home = resolve_home(home_arg)
    info: dict[str, Any] = {"event": event, "ok": False}
    if chained:
        hooklog.log(ensure_home(home), str(client), chained)
    if client is not None and client not in ADAPTERS:  # a plugin's client: only now are plugins loaded
        from hooks import plugins

        plugins.find(client)
        for message in plugins.api.unsaid():
            hooklog.log(ensure_home(home), client, message)
    if client is None or client not in ADAPTERS:
        hooklog.log(ensure_home(home), str(client), f"unknown client {client!r}; known: {sorted(ADAPTERS)}")
        return info
    ensure_home(home)
    payload, problem = _read_payload(rest)
    info["event"] = event or payload.get("hook_event_name")
    if problem:
        hooklog.log(home, client, problem)
    adapter = importlib.import_module(ADAPTERS[client])
    paths: list[str] = adapter.hook_paths(payload)
    info["files"] = len(paths)
    queued = spool.pending(home) if os.path.isdir(spool.spool_dir(home)) else []
    if not paths and not queued:
        info["ok"] = problem is None
        hooklog.record_run(home, client, info)
        return info
    ledger = ledger_path(home)
    totals: list[Any] = []
    done_entries: list[spool.Entry] = []
    current_done = False
    try:
        conn = fastpath.open_ledger(ledger, timeout=BUSY_TIMEOUT_S, deadline=soft)
    except HookOverrun:
        _disarm()
        _keep(home, client, paths, None, info, reason="overrun")
        return info
    except (fastpath.LedgerCorrupt, fastpath.LedgerBusy, fastpath.LedgerUnverified) as exc:
        _keep(home, client, paths, exc, info)
        if isinstance(exc, fastpath.LedgerUnverified):
            _daily(home, force=True)
        return info
    try:
        # This run's files first, then the spooled runs (grouped by client: one pass each).
        by_client: dict[str, list[str]] = {client: list(paths)}
        for entry in queued:
            if entry.client in ADAPTERS:
                by_client.setdefault(entry.client, []).extend(entry.paths)
        for name, names in by_client.items():
            mod = adapter if name == client else importlib.import_module(ADAPTERS[name])
            totals.append(_sync(conn, name, mod, list(dict.fromkeys(names))))
            if name == client:
                current_done = True
        done_entries = [e for e in queued if e.client in by_client]
    except HookOverrun:
        _disarm()
        info["overrun"] = True
        hooklog.log(home, client, f"time budget ({budget * SOFT_SHARE:.2f}s of {budget:.1f}s) reached: "
                    "committed what was read, the rest kept in the spool")
        _keep(home, client, paths, None, info, reason="overrun")
        for entry in queued:  # one of them may be the cause: dropped after a few tries
            spool.retry_later(entry)
    except Exception as exc:
        if fastpath.is_corruption(exc) or isinstance(exc, fastpath.LedgerBusy):
            if not isinstance(exc, fastpath.LedgerBusy):
                exc = fastpath.corrupt_from(ledger, exc)
            if current_done:
                paths = []  # committed: only the spooled runs are left (they stay spooled)
            _keep(home, client, paths, exc, info)
            return info
        raise
    finally:
        _disarm()
        conn.close()
    for entry in done_entries:
        spool.done(entry)
    new = sum(t.result.new for t in totals)
    info.update(
        ok=not info.get("overrun"),
        new=new,
        updated=sum(t.result.updated for t in totals),
        bytes=sum(t.bytes for t in totals),
        skipped=sum(t.skipped_lines for t in totals),
        spooled_in=len(done_entries),
    )
    if info.get("overrun"):
        info["error"] = "time budget reached: the rest is read on the next run"
    for t in totals:
        for message in t.error_messages:
            hooklog.log(home, client, message)
    hooklog.record_run(home, client, info)
    _daily(home)
    return info


def _sync(conn: Any, client: str, adapter: Any, paths: list[str]) -> Any:
    """Read what is new in ``paths`` and commit it; on ``HookOverrun``, what was read
    so far is committed before the overrun goes on up."""
    from hooks.sync import FastBackend, Syncer

    backend = FastBackend(conn)
    syncer = Syncer(backend, client, adapter.parse, max_bytes=MAX_BYTES_PER_RUN)
    positions = backend.load_positions(client, paths)
    try:
        for path in paths:
            syncer.sync(path, positions.get(path))
    except HookOverrun:
        _disarm()
        syncer.flush()  # what was read, with its positions (bounded by the busy timeout)
        raise
    syncer.flush()
    return syncer.totals


def _keep(home: Any, client: str, paths: list[str], exc: BaseException | None, info: dict[str, Any],
          reason: str | None = None) -> None:
    """Spool this run and record why (never raises)."""
    from hooks import hooklog
    from ledger import spool

    what = _short(exc) if exc is not None else "time budget reached"
    try:
        if spool.put(home, client, paths, reason or type(exc).__name__) is None and paths:
            what += f"; the spool is full ({spool.MAX_ENTRIES} runs): run `tokenprint import {client}`"
    except (OSError, ValueError) as err:
        what += f"; could not spool the run ({err})"
    hooklog.log(home, client, what)
    info.update(ok=False, error=what, spooled=bool(paths))
    hooklog.record_run(home, client, info)


def _daily(home: Any, force: bool = False) -> None:
    """Start the daily backup in the background when it is due (one ``stat()``)."""
    try:
        from ledger import backup

        if force:
            os.utime(backup.private_dir(backup.backups_dir(home)), (0, 0))
        backup.maybe_spawn(home)
    except Exception as exc:  # noqa: BLE001
        from hooks import hooklog

        hooklog.log(home, "backup", f"cannot start the daily backup: {exc}")


USAGE = """\
usage: tokenprint-hook <client> [<event>] [--home DIR] < payload.json

What a client's hook runs on each turn: reads the hook payload (JSON on stdin, or
as the last argument), records what is new in the files it names into the ledger
at DIR/ledger.db (default: $TOKENPRINT_HOME, else the user data folder), and exits
0 without printing whatever happens; problems go to DIR/logs/hook.log.

clients: {clients}
install it into a client: tokenprint hooks install <client>
"""


def _wants_help(args: list[str]) -> bool:
    """``-h`` or ``--help`` among the words (before a passed-through ``#`` marker)."""
    for arg in args:
        if arg.startswith("#"):
            return False
        if arg in ("-h", "--help"):
            return True
    return False


def main(argv: list[str] | None = None) -> int:
    """Console entry point: always returns 0, never prints (except for ``--help``)."""
    args = sys.argv[1:] if argv is None else argv
    if _wants_help(args):
        from hooks import clients

        try:
            sys.stdout.write(USAGE.format(clients=", ".join(clients())))
            sys.stdout.flush()
        except (OSError, ValueError, AttributeError):
            pass  # no usable stdout (closed pipe, pythonw): still exit 0
        return 0
    started = time.monotonic()
    budget = budget_s()
    watchdog = None
    try:
        watchdog = _watchdog(budget, args)
        _arm(budget * SOFT_SHARE)
        run(args, started)
    except BaseException as exc:  # noqa: BLE001 - the hook must never fail the client
        _disarm()
        try:
            from hooks import hooklog
            from ledger.paths import resolve_home

            _client, _event, home_arg, _rest = _parse_argv(args)
            home = resolve_home(home_arg)
            client = _client or "?"
            what = _short(exc) if not isinstance(exc, HookOverrun) else "time budget reached"
            hooklog.log(home, client, f"{what} ({time.monotonic() - started:.3f}s)")
            hooklog.record_run(home, client, {"ok": False, "error": what})
        except BaseException:  # noqa: BLE001
            pass
    finally:
        _disarm()
        if watchdog is not None:
            watchdog.cancel()
    return 0


if __name__ == "__main__":  # pragma: no cover
    os._exit(main())
