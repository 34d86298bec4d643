"""``tokenprint-hook <client> [<event>] [--home DIR]``: what a client runs on each turn.

Standard library only, and it must stay so: this runs on every turn of the
user's client (``tests/hooks/test_import_hygiene.py`` checks ``sys.modules``).

It reads the client's payload (stdin, or the last argv argument for clients that
pass it there), ingests what is new in the files the payload names, and exits 0
whatever happens: a locked, missing or corrupt ledger, a garbage payload or a
full disk is written to ``$TOKENPRINT_HOME/logs/hook.log``, never to the user's
screen. When the ledger is busy it waits at most :data:`BUSY_TIMEOUT_S` and
leaves the work for the next event (positions are not advanced, nothing is lost).
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


def run(argv: list[str]) -> dict[str, Any]:
    """Do the work; raises on trouble (``main`` turns everything into a log line)."""
    from hooks import ADAPTERS, hooklog
    from hooks.sync import FastBackend, Syncer
    from ledger import fastpath
    from ledger.paths import ensure_home, ledger_path, resolve_home

    client, event, home_arg, rest = _parse_argv(argv)
    home = resolve_home(home_arg)
    info: dict[str, Any] = {"event": event, "ok": False}
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
    if not paths:
        info["ok"] = problem is None
        hooklog.record_run(home, client, info)
        return info
    conn = fastpath.open_ledger(ledger_path(home), timeout=BUSY_TIMEOUT_S)
    try:
        backend = FastBackend(conn)
        syncer = Syncer(backend, client, adapter.parse, max_bytes=MAX_BYTES_PER_RUN)
        positions = backend.load_positions(client, paths)
        for path in paths:
            syncer.sync(path, positions.get(path))
        syncer.flush()
    finally:
        conn.close()
    t = syncer.totals
    info.update(
        ok=True,
        new=t.result.new,
        updated=t.result.updated,
        bytes=t.bytes,
        skipped=t.skipped_lines,
        left=syncer.exhausted,
    )
    for message in t.error_messages:
        hooklog.log(home, client, message)
    hooklog.record_run(home, client, info)
    return info


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
        from hooks import ADAPTERS

        try:
            sys.stdout.write(USAGE.format(clients=", ".join(sorted(ADAPTERS))))
            sys.stdout.flush()
        except (OSError, ValueError, AttributeError):
            pass  # no usable stdout (closed pipe, pythonw): still exit 0
        return 0
    started = time.monotonic()
    try:
        run(args)
    except BaseException as exc:  # noqa: BLE001 - the hook must never fail the client
        try:
            from hooks import hooklog
            from ledger import fastpath
            from ledger.paths import resolve_home

            _client, _event, home_arg, _rest = _parse_argv(args)
            home = resolve_home(home_arg)
            client = _client or "?"
            if isinstance(exc, fastpath.LedgerBusy):
                what = "ledger busy: left for the next event"
            else:
                what = f"{type(exc).__name__}: {exc}"
            hooklog.log(home, client, f"{what} ({time.monotonic() - started:.3f}s)")
            hooklog.record_run(home, client, {"ok": False, "error": what})
        except BaseException:  # noqa: BLE001
            pass
    return 0


if __name__ == "__main__":  # pragma: no cover
    os._exit(main())
