"""Reading a chat app's data export (ChatGPT, Claude.ai): streamed, one conversation at a time.

Backfill only (``ijson`` is imported when a file is read; the hook never reads an
export). An export is what the app hands out: the ``.zip`` as downloaded, or the
``conversations.json`` inside it, or the split ``conversations-NNN.json`` files of
newer exports. Each of them is a JSON array of conversations, hundreds of megabytes
for a long-time user: it is never loaded whole (``json.load``) but streamed with
``ijson`` (its C backend, ``yajl2_c``, when it is built), a zip member straight from
the zip, so memory holds one conversation at a time, whatever the export's size.

An export is not appendable: a source of kind ``file`` (``hooks.dbsource``), skipped
on its ``stat()`` signature while it is unchanged, read whole when it changed. Event
ids are the app's own conversation and message ids, so reading a later export of the
same account (a new file, holding all the old conversations too) adds only what is
new: the rest is the same events, unchanged in the ledger.

The adapters (``hooks.chatgpt_export``, ``hooks.claude_export``) give the pure
function from one decoded conversation to its events; :func:`read_export` does the
rest.
"""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, cast

from hooks.dbsource import Batch
from hooks.tail import Parsed, open_regular, walk
from ledger.events import Event, as_row

#: The name of an export's conversations file (``conversations.json``, ``conversations-007.json``).
CONVERSATIONS_RE = re.compile(r"^conversations(?:-\d+)?\.json$")
#: A batch of events is handed over every this many conversations (or BATCH_BYTES of input).
BATCH_CONVERSATIONS = 2000
BATCH_BYTES = 4 << 20

#: What a conversation becomes: its events, skips counted into the dict.
Convert = Callable[[Any, dict[str, int]], list[Event]]


def is_conversations(name: str) -> bool:
    return CONVERSATIONS_RE.match(name) is not None


def is_export_name(name: str) -> bool:
    """A file that may be an export: a conversations file, or a zip."""
    return is_conversations(name) or name.lower().endswith(".zip")


def transcripts(paths: list[Path]) -> list[str]:
    """The export files given: a file as is (whatever its name: the user named it), a
    folder's conversations files and zips (recursively), in order, each once."""
    out: list[str] = []
    for p in paths:
        if p.is_dir():
            out += walk(str(p), lambda _d, name: is_export_name(name))
        elif p.exists():
            out.append(str(p))
    return list(dict.fromkeys(out))


def _ijson() -> Any:
    import ijson

    try:
        return ijson.get_backend("yajl2_c")
    except Exception:  # noqa: BLE001 - not built here: the pure Python backend, slower
        return ijson


def _items(f: BinaryIO, skips: dict[str, int]) -> Iterator[Any]:
    """The elements of the JSON array in ``f``, one at a time. A document that is not
    an array, or breaks off (a truncated download), ends the stream with one skip."""
    import ijson

    backend = _ijson()
    try:
        yield from backend.items(f, "item", use_float=True)
    except ijson.JSONError:
        skips["invalid-json"] = skips.get("invalid-json", 0) + 1
    except (UnicodeDecodeError, ValueError):
        skips["undecodable"] = skips.get("undecodable", 0) + 1


def members(raw: BinaryIO, path: str) -> Iterator[BinaryIO]:
    """The conversations files of ``path`` (open as ``raw``): the zip's members named
    ``conversations.json`` or ``conversations-NNN.json`` (in any folder of it), in
    name order, each streamed from the zip; or the file itself."""
    head = raw.read(4)
    raw.seek(0)
    if head[:2] != b"PK":
        yield raw
        return
    import zipfile

    try:
        zf = zipfile.ZipFile(raw)
    except zipfile.BadZipFile as exc:
        raise OSError(f"not a valid zip file ({exc})") from None
    with zf:
        names = sorted(n for n in zf.namelist() if is_conversations(n.rsplit("/", 1)[-1]))
        if not names:
            raise OSError("a zip without conversations.json: not a chat export")
        for name in names:
            with zf.open(name) as member:
                yield member  # type: ignore[misc]


def read_export(path: str, convert: Convert) -> Iterator[Batch]:
    """The events of the export at ``path``, a batch every :data:`BATCH_CONVERSATIONS`
    conversations (or :data:`BATCH_BYTES` of the file). ``nbytes`` is the file's bytes
    (compressed, for a zip) read so far, so the batches add up to its size.

    Counting tokens is most of the work (tiktoken, about 10 MB of text a second on one
    CPU), and one export is one file, so a large one is read by :func:`shards` forked
    processes, each decoding the whole stream (ijson's C backend, over 100 MB/s) and
    converting every n-th conversation. Threads were tried first: twice as slow (the
    decoder and the counter hand the GIL back and forth at every message).
    """
    n = shards(path)
    if n <= 1:
        yield from _read_share(path, convert, 0, 1)
    else:
        yield from _read_sharded(path, convert, n)


#: An export smaller than this is read in one process (forking costs more than it saves).
SHARD_MIN_BYTES = 16 << 20
#: Most processes reading one export: each holds its own decoded conversations and
#: counters (about 60 MB), and each decodes the whole stream, so more buy less.
MAX_SHARDS = 3


def shards(path: str) -> int:
    """How many processes read the export at ``path``: one per CPU (``hooks.backfill.worker_count``,
    ``$TOKENPRINT_IMPORT_WORKERS``), one for a small file, and one inside a process that
    cannot have children (a reader process of ``tokenprint import``, reading one of
    several files: those already run in parallel)."""
    import multiprocessing

    try:
        size = os.stat(path).st_size
    except OSError:
        return 1
    if multiprocessing.current_process().daemon:
        return 1
    from hooks.backfill import worker_count

    return worker_count(MAX_SHARDS, size, SHARD_MIN_BYTES)


def _read_share(path: str, convert: Convert, k: int, n: int) -> Iterator[Batch]:
    """The batches of the conversations ``i`` with ``i % n == k`` (all of them for ``n`` 1).
    Skips of the stream itself (a broken document) are counted by share 0 only."""
    raw, st = open_regular(path)
    with raw:
        done = 0
        events: list[Event] = []
        skips: dict[str, int] = {}
        stream: dict[str, int] = {}  # skips of the stream itself
        count = 0

        def batch(final: bool = False) -> Batch:
            nonlocal done, events, skips, count
            if k == 0:
                for key, v in stream.items():
                    skips[key] = skips.get(key, 0) + v
            stream.clear()
            now = st.st_size if final else min(raw.tell(), st.st_size)
            out = Batch(events, {}, skips, max(0, now - done))
            done = max(done, now)
            events, skips, count = [], {}, 0
            return out

        i = -1
        for member in members(raw, path):
            for conv in _items(member, stream):
                i += 1
                if n > 1 and i % n != k:
                    continue
                count += 1
                if not isinstance(conv, dict):
                    skips["not-an-object"] = skips.get("not-an-object", 0) + 1
                    continue
                events += convert(conv, skips)
                if count >= BATCH_CONVERSATIONS or raw.tell() - done >= BATCH_BYTES * n:
                    yield batch()
        yield batch(final=True)


def _share_process(conn: Any, path: str, convert: Convert, k: int, n: int) -> None:
    """A forked reader of share ``k`` of ``n``: sends ``("batch", rows, skips, nbytes)``
    messages, then ``("end",)``; ``("error", text)`` when the file cannot be read."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the importing process's
    try:
        for b in _read_share(path, convert, k, n):
            conn.send(("batch", list(map(as_row, b.events)), b.skips, b.nbytes))
        conn.send(("end",))
    except OSError as exc:
        conn.send(("error", str(exc.strerror or exc)))
    except Exception as exc:  # noqa: BLE001 - the adapter failed: said, as in one process
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def _read_sharded(path: str, convert: Convert, n: int) -> Iterator[Batch]:
    """:func:`_read_share` in ``n`` forked processes, their batches yielded as they come.
    Each share's bytes are counted once in ``n`` (every process reads the whole file)."""
    import multiprocessing
    from multiprocessing.connection import wait

    from hooks import tokencount

    for name in (tokencount.O200K, tokencount.CL100K):
        tokencount.counter(name)  # loaded once here, shared by the forks (not once in each)
    ctx = multiprocessing.get_context("fork")
    procs: list[Any] = []
    conns: list[Any] = []
    for k in range(n):
        ours, theirs = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_share_process, args=(theirs, path, convert, k, n), daemon=True)
        proc.start()
        theirs.close()
        procs.append(proc)
        conns.append(ours)
    size = os.stat(path).st_size
    sent = 0
    share = [0.0] * n
    live: list[Any] = list(conns)
    try:
        while live:
            for c in wait(live):
                c = cast(Any, c)
                try:
                    msg: Any = c.recv()
                except EOFError:
                    raise OSError("a reader process stopped while reading it; what was read is kept, "
                                  "the rest is read on the next run") from None
                if msg[0] == "end":
                    live.remove(c)
                    continue
                if msg[0] == "error":
                    raise OSError(msg[1])
                _kind, rows, skips, nbytes = msg
                i = conns.index(c)
                share[i] += nbytes / n
                nb = max(0, min(int(sum(share)), size) - sent)
                sent += nb
                yield Batch([Event(*r) for r in rows], {}, skips, nb)
        yield Batch([], {}, {}, max(0, size - sent))
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
            proc.join(timeout=1.0)
        for c in conns:
            c.close()


def parse_document(data: bytes, at_eof: bool, convert: Convert) -> Parsed:
    """``parse`` for an export held in memory (tests, ``doctor``): a whole JSON array of
    conversations (a document cut short is read up to where it breaks). Consumes
    nothing before ``at_eof``: an export is one document, not lines."""
    if not at_eof:
        return Parsed([], 0)
    skips: dict[str, int] = {}
    events: list[Event] = []
    for conv in _items(io.BytesIO(data), skips):
        if not isinstance(conv, dict):
            skips["not-an-object"] = skips.get("not-an-object", 0) + 1
            continue
        events += convert(conv, skips)
    return Parsed(events, len(data), skips)


_WARNED: set[str] = set()


def warn_once(key: str, message: str) -> None:
    """Say ``message`` on stderr once per process (the import's summary follows)."""
    if key in _WARNED:
        return
    _WARNED.add(key)
    try:
        sys.stderr.write(f"tokenprint: {message}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def thread_sums(parents: dict[str, str | None], weight: Callable[[str], int]) -> tuple[dict[str, int], set[str]]:
    """For each node of a conversation tree (``parents``: node -> its parent, None or an
    id not in it for a root), the sum of ``weight`` over its ancestors (the thread before
    it), in one pass over the tree: each node is weighed once. Also the nodes that no
    root reaches (a cycle of parents): they have no thread."""
    children: dict[str | None, list[str]] = {}
    for node, parent in parents.items():
        key = parent if parent is not None and parent in parents and parent != node else None
        children.setdefault(key, []).append(node)
    before: dict[str, int] = {}
    stack = [(node, 0) for node in children.get(None, ())]
    while stack:
        node, total = stack.pop()
        if node in before:
            continue
        before[node] = total
        below = children.get(node)
        if below:
            after = total + weight(node)
            stack.extend((child, after) for child in below)
    return before, set(parents) - set(before)
