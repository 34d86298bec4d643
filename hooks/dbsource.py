"""Sources that are not append-only files: SQLite databases (and folders of records).

Standard library only: the hook reads a client's database through this module on
every turn (``tokenprint-hook opencode``), and ``tokenprint import`` goes through
the very same code (``hooks.sync.Syncer`` dispatches here).

An adapter declares which of its sources are not line files, and reads them:

- ``source_kind(path) -> "lines" | "sqlite" | "tree" | "file"`` (no declaration:
  every source is a line file, read by ``hooks.tail``; ``file``: a regular file that
  is not appendable, such as a chat app's JSON or zip export, read whole by the
  adapter whenever its ``stat()`` changed);
- ``read_source(source: Source, state: dict, focus: dict) -> Iterator[Batch]``: the
  events of what changed since ``state`` (the adapter's own watermarks, as it
  returned them last time; ``{}``: read everything), one :class:`Batch` at a time,
  each with the state to store once its events are in the ledger. ``focus`` is what
  the hook payload narrowed the read to (e.g. ``{"session": "ses_..."}``), ``{}``
  for a full read. The part that turns rows into events is the adapter's pure
  function; the queries are the adapter's too (it knows the client's indexes);
- ``SHARES_READS = True``: its ``read_source`` may give part of a large read of a
  database to ``Source.helper`` (a :class:`Helper` process), when the caller allows
  one (``hooks.backfill``'s import, never the hook).

What this module guarantees, for every database source:

- it is opened **read only** (``file:...?mode=ro``, ``ledger.files.sqlite_read_uri``)
  with ``PRAGMA query_only``: nothing is ever written to it, no write lock is ever
  taken (no ``BEGIN IMMEDIATE``); in WAL mode a reader never blocks the writer and
  the writer never blocks it. Each batch is read in its own short read transaction;
- a database in rollback-journal mode that a writer holds locked is waited for at
  most :data:`BUSY_TIMEOUT_S`, then counted as an error (named in
  ``Totals.error_messages``) and read on the next run: never an exception;
- an unchanged database is skipped on two ``stat()`` calls (the file and its
  ``-wal``): the position's ``state["sig"]`` is the signature of both, taken
  before the read (so a write during the read makes the next run read again) and
  stored only with the last batch of a complete read. A missing ``-wal`` is part
  of the signature (-1), not an error;
- a database replaced by another file (another inode) is read again from the
  start (``state`` reset to ``{}``, counted in ``Totals.restarted``); the adapter
  does the same when its own watermarks say the content went back (a vacuum or a
  copy of an older file over it). Reading again is harmless: event ids are
  natural keys and the ledger's upsert is idempotent;
- the events of a batch and the position holding the new watermarks are committed
  in one transaction (``Syncer.flush``), so a process killed at any point loses
  nothing and doubles nothing.

A hook that knows what changed passes a *focus* inside the source name:
``with_focus(path, session="ses_1")`` gives ``path + '::focus{"session":"ses_1"}'``; the
position is the database's own (the focus never makes another row in ``sources``).
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from hooks.tail import Position
from ledger.events import Event

#: How long a read waits for a writer's lock (rollback-journal mode only; WAL
#: readers are never kept waiting by a writer).
BUSY_TIMEOUT_S = 0.25
#: Most events queued before a commit (a batch's bytes may say little: a folder's).
FLUSH_EVENTS = 50_000
#: What separates a source's path from the focus a hook gave it (a JSON object).
FOCUS_SEP = "::focus"

LINES, SQLITE, TREE, FILE = "lines", "sqlite", "tree", "file"
#: The kinds whose :func:`signature` says, on ``stat()`` alone, whether they changed.
SIGNED = (SQLITE, FILE)


@dataclass(slots=True)
class Source:
    """What the adapter's ``read_source`` reads: the path, and for a database its
    read-only connection (None for a folder)."""

    path: str
    kind: str
    conn: sqlite3.Connection | None = None
    #: The record decoder the caller chose: the adapter's ``fast_loads()`` in the
    #: backfill (``hooks.backfill.backfill_parser`` binds it to ``parse``), None in the
    #: hook (the standard library's).
    loads: Callable[[Any], Any] | None = None
    #: A process the adapter may give part of a large read (:class:`Helper`), or None
    #: (the hook; ``hooks.backfill``'s import allows one: ``Syncer.helpers``).
    helper: Helper | None = None


@dataclass(slots=True)
class Batch:
    """Events read from a source and the source's state after them."""

    events: list[Event]
    state: dict[str, Any]
    skips: dict[str, int] = field(default_factory=dict)
    #: Bytes of records read (for the import's progress and the hook's budget).
    nbytes: int = 0


def with_focus(path: str, **focus: str) -> str:
    """``path`` narrowed to ``focus`` (what a hook payload says changed)."""
    return path + FOCUS_SEP + json.dumps(focus, sort_keys=True, separators=(",", ":")) if focus else path


def split_focus(name: str) -> tuple[str, dict[str, str]]:
    """``(path, focus)`` of a source name made by :func:`with_focus`."""
    head, sep, tail = name.rpartition(FOCUS_SEP)
    if not sep or not tail.startswith("{"):
        return name, {}
    try:
        focus = json.loads(tail)
    except ValueError:
        return name, {}
    if not isinstance(focus, dict):
        return name, {}
    return head, {str(k): str(v) for k, v in focus.items()}


def kind_of(adapter: Any, path: str) -> str:
    """The kind of source ``path`` is for ``adapter`` (``lines`` without a declaration)."""
    fn = getattr(adapter, "source_kind", None)
    if fn is None:
        return LINES
    try:
        return str(fn(split_focus(path)[0]))
    except Exception:  # noqa: BLE001 - a broken declaration: read it as lines, as before
        return LINES


def _stat_or_none(path: str) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None


def signature(path: str, kind: str) -> list[int] | None:
    """What says a source changed, without opening it: for a database, the inode,
    size and mtime of the file and of its ``-wal`` (-1 when there is none, or when it
    is empty: a reader opening a WAL database creates an empty log, which holds
    nothing); for a whole file (``file``), its inode, size and mtime; None for kinds
    that must be walked to know (a folder)."""
    if kind not in SIGNED:
        return None
    st = os.stat(path)
    if kind == FILE:
        return [st.st_ino, st.st_size, st.st_mtime_ns]
    wal = _stat_or_none(path + "-wal")
    if wal is not None and wal.st_size == 0:
        wal = None
    return [
        st.st_ino,
        st.st_size,
        st.st_mtime_ns,
        wal.st_size if wal is not None else -1,
        wal.st_mtime_ns if wal is not None else -1,
    ]


def unchanged(pos: Position | None, path: str, kind: str) -> bool:
    """True when the source cannot have changed since ``pos`` (``stat()`` only)."""
    if pos is None:
        return False
    try:
        sig = signature(split_focus(path)[0], kind)
    except OSError:
        return False
    return sig is not None and pos.state.get("sig") == sig


def identity_of(st: os.stat_result) -> str:
    """``inode:device:db``; the first field is the inode, as ``hooks.tail`` expects."""
    return f"{st.st_ino}:{st.st_dev}:db"


def open_readonly(path: str, timeout: float = BUSY_TIMEOUT_S) -> sqlite3.Connection:
    """A read-only connection that can take no write lock (autocommit, ``query_only``)."""
    from ledger.files import sqlite_read_uri

    conn = sqlite3.connect(sqlite_read_uri(path), uri=True, timeout=timeout,
                           isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA query_only = ON")
    except BaseException:
        conn.close()
        raise
    return conn


def is_locked(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def sync_source(syncer: Any, name: str, pos: Position | None, kind: str, adapter: Any) -> None:
    """Read what changed in the database (or folder) ``name`` into ``syncer``'s queue
    (``hooks.sync.Syncer``); every failure is counted, never raised."""
    t = syncer.totals
    path, focus = split_focus(name)
    if focus or pos is None:
        # The position is the database's own: queued in this run, else stored.
        pos = syncer._positions.get(path) or syncer.backend.load_positions(syncer.client, [path]).get(path)
    try:
        st = os.stat(path)
        sig = signature(path, kind)
    except FileNotFoundError:
        t.missing += 1
        return
    except OSError as exc:
        syncer.failed(path, exc)
        return
    if sig is not None and pos is not None and pos.state.get("sig") == sig:
        t.unchanged += 1
        return
    if syncer.exhausted:
        return
    identity = identity_of(st)
    state: dict[str, Any] = {}
    skipped, reasons = 0, {}
    why = "new"
    if pos is not None and pos.identity:
        if pos.identity.split(":", 1)[0] != str(st.st_ino):
            why = "replaced"
        else:
            why = "update"
            state = dict(pos.state.get("read") or {})
            skipped, reasons = pos.skipped_lines, dict(pos.skip_reasons)
    if why == "replaced":
        t.restarted += 1
    read_source = adapter.read_source
    conn: sqlite3.Connection | None = None
    helper: Helper | None = None
    t.read += 1
    try:
        if kind == SQLITE:
            if syncer.helpers and not focus and getattr(adapter, "SHARES_READS", False):
                helper = Helper()  # before the database is opened (see Helper)
            conn = open_readonly(path)
        source = Source(path, kind, conn, _loads_of(syncer.parse), helper)
        batches = read_source(source, state, focus)
        last: Batch | None = None
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                break
            except sqlite3.Error:
                raise
            except OSError:
                raise
            except Exception as exc:  # noqa: BLE001 - the adapter raised: what it gave is kept
                syncer.adapter_failed(path, exc)
                return
            last = batch
            for reason, n in batch.skips.items():
                reasons[reason] = reasons.get(reason, 0) + n
                skipped += n
            _queue(syncer, path, batch, Position(identity, 0, -1, st.st_mtime_ns, skipped, dict(reasons),
                                                 {"read": batch.state, "last_read": why}))
            if syncer.exhausted:
                return  # the budget is spent: the rest (and the signature) next time
        final = last.state if last is not None else state
        done: dict[str, Any] = {"read": final, "last_read": why}
        if sig is not None and not focus:
            done["sig"] = sig  # a full read of what the signature describes: skip it until it changes
        _queue(syncer, path, Batch([], final), Position(identity, 0, st.st_size, st.st_mtime_ns, skipped,
                                                        dict(reasons), done))
    except sqlite3.Error as exc:
        t.errors += 1
        if is_locked(exc):
            what = (f"locked by a writer for more than {BUSY_TIMEOUT_S}s (a database in rollback-journal "
                    "mode being written): read on the next run")
        else:
            what = f"cannot be read as a database ({type(exc).__name__}: {exc})"
        t.error_messages.append(f"{path}: {what}")
    except OSError as exc:
        syncer.failed(path, exc)
    finally:
        if helper is not None:
            helper.close()
        if conn is not None:
            conn.close()


def _loads_of(parse: Any) -> Callable[[Any], Any] | None:
    """The ``loads=`` the backfill bound to the adapter's ``parse`` (``functools.partial``),
    else None: a database's records are decoded by the same decoder as a file's lines."""
    keywords = getattr(parse, "keywords", None)
    got = keywords.get("loads") if isinstance(keywords, dict) else None
    return got if callable(got) else None


def _queue(syncer: Any, path: str, batch: Batch, position: Position) -> None:
    """Queue a batch's events with the position that holds its state (one commit)."""
    # Committed as line files are, every ``flush_bytes`` of input (or FLUSH_EVENTS
    # events), not once per batch: each queued position holds the watermarks of all
    # the events queued before it, so one commit of many batches is as safe as many
    # commits, and a commit costs more than a batch's writes (22 commits took 0.3 s
    # of an opencode import). The callers flush at the end (and on a hook overrun).
    syncer.queue(path, batch.events, position, batch.nbytes, batch.skips, FLUSH_EVENTS)


class snapshot:  # noqa: N801 - used as ``with dbsource.snapshot(conn):``
    """One short read transaction (``BEGIN`` deferred: a WAL snapshot; never a write lock)."""

    def __init__(self, conn: sqlite3.Connection | None) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        if self.conn is not None and not self.conn.in_transaction:
            self.conn.execute("BEGIN")

    def __exit__(self, *exc: object) -> None:
        if self.conn is not None and self.conn.in_transaction:
            self.conn.execute("COMMIT")


def adapter_state(pos: Position | None) -> Mapping[str, Any]:
    """The adapter's part of a stored position (for tests and ``doctor``)."""
    return dict(pos.state.get("read") or {}) if pos is not None else {}


class Helper:
    """A forked process that can share a large read: :meth:`start` gives it a piece of
    work, :meth:`results` gives back, in order, what it yielded.

    Forked *before* the database is opened (``sync_source``, when ``Source.helpers``
    allows one): a SQLite connection, and SQLite's per-process state about a file's
    locks and WAL index, must never cross a fork (https://sqlite.org/howtocorrupt.html,
    2.6), so the child holds none of the database's and opens its own. It waits for
    its work on a pipe (an end of file without work: it exits), closes every other
    inherited file (so that a pipe of the importing process is not kept open by it),
    and writes what the work yields, pickled, to an unlinked temporary file (not a
    pipe: a full pipe would hold it up until this process reads, after its own part).
    What it gives is only ever a shortcut: when it fails in any way (an exception,
    killed, a file that cannot be read to the end), :meth:`results` gives less, and
    the caller does what is missing itself."""

    def __init__(self) -> None:
        import tempfile

        self.file = tempfile.TemporaryFile()
        self.started = False
        theirs, self._work = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the child: never returns
            code = 1
            try:
                os.close(self._work)
                keep = sorted((theirs, self.file.fileno()))
                os.closerange(3, keep[0])
                os.closerange(keep[0] + 1, keep[1])
                os.closerange(keep[1] + 1, _max_fd())
                code = _serve(theirs, self.file)
            except BaseException:  # noqa: BLE001, S110 - the parent does the work itself
                pass
            finally:
                os._exit(code)
        os.close(theirs)

    def start(self, work: Callable[..., Iterator[Any]], *args: Any) -> None:
        """Have the child run ``work(*args)`` (a module-level function and picklable
        arguments: the child has the code, not this process's objects since the fork)."""
        import pickle

        data = pickle.dumps((work, args), pickle.HIGHEST_PROTOCOL)
        try:
            with open(self._work, "wb", closefd=True) as pipe:
                pipe.write(data)
        except OSError:
            pass  # the child is gone: results() gives nothing
        self._work = -1
        self.started = True

    def results(self) -> Iterator[Any]:
        """What the work yielded, once the child is done, one item at a time."""
        import pickle

        try:
            _pid, status = os.waitpid(self.pid, 0)
        except ChildProcessError:
            status = -1
        self.pid = 0
        try:
            if status < 0 or not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
                return
            self.file.seek(0)
            while True:
                try:
                    item = pickle.load(self.file)
                except EOFError:
                    return
                except Exception:  # noqa: BLE001 - unreadable: the rest is done by the caller
                    return
                yield item
        finally:
            self.close()

    def close(self) -> None:
        """Stop the child (without work: it exits at the end of file) and drop its file."""
        if self._work >= 0:
            os.close(self._work)
            self._work = -1
        if self.pid:
            if self.started:
                import signal

                try:
                    os.kill(self.pid, signal.SIGKILL)
                except OSError:
                    pass
            try:
                os.waitpid(self.pid, 0)
            except OSError:
                pass
            self.pid = 0
        self.file.close()


def _serve(pipe: int, out: Any) -> int:
    """A :class:`Helper`'s child: read its work from ``pipe``, write what it yields."""
    import pickle

    chunks = []
    while True:
        got = os.read(pipe, 1 << 20)
        if not got:
            break
        chunks.append(got)
    if not chunks:
        return 0  # no work
    work, args = pickle.loads(b"".join(chunks))
    parent = os.getppid()
    for item in work(*args):
        if os.getppid() != parent:
            return 1  # the reader is gone (killed): so is what this was for
        pickle.dump(item, out, pickle.HIGHEST_PROTOCOL)
    out.flush()
    return 0


def _max_fd() -> int:
    try:
        return int(os.sysconf("SC_OPEN_MAX"))
    except (ValueError, OSError):
        return 1024
