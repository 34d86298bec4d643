"""Reading a chat app's data export (ChatGPT, Claude.ai): streamed, one conversation at a time.

Backfill only (``ijson`` is imported when a file is read; the hook never reads an
export). An export is what the app hands out: the ``.zip`` as downloaded, or the
``conversations.json`` inside it, or the split ``conversations-NNN.json`` files of
newer exports. Each of them is a JSON array of conversations, hundreds of megabytes
for a long-time user: it is never loaded whole (``json.load``) but streamed, a
window of it at a time (:func:`_items`: the standard library's decoder on one
conversation after another, ``ijson`` wherever the two could differ; in forked shares,
msgspec, each decoding only its own conversations: :func:`_own_items`), a zip member
straight from the zip, so memory holds a few conversations, whatever the export's size.

An export is not appendable: a source of kind ``file`` (``hooks.dbsource``), skipped
on its ``stat()`` signature while it is unchanged, read whole when it changed. Event
ids are the app's own conversation and message ids, so reading a later export of the
same account (a new file, holding all the old conversations too) adds only what is
new: the rest is the same events, unchanged in the ledger.

The adapters (``hooks.chatgpt_export``, ``hooks.claude_export``) give the pure
function from one decoded conversation to its events, in two steps (``prepare``: the
texts to count; :class:`Pending` ``finish``: the events from their counts) so that
tiktoken counts many conversations' texts in one call; :func:`read_export` does the rest.
"""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from hooks.dbsource import Batch
from hooks.tail import Parsed, open_regular, walk
from ledger.events import (
    EARLIEST_MS,
    MAX_TEXT_CHARS,
    MAX_TOKENS_PER_REQUEST,
    Event,
    as_row,
    problem,
)

if TYPE_CHECKING:
    from hooks.tokencount import Counter

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
    an array, or breaks off (a truncated download), ends the stream with one skip.

    Decoded by :func:`_fast_items` (the standard library's C decoder, twice as fast as
    ijson's ``yajl2_c`` on an export: 0.21 s against 0.37 to 0.48 s for 30 MB); where a
    document holds anything the two decode differently, or anything else than a
    well-formed array, ijson reads it from the start again and the elements already
    given are passed over: the elements, and the skips, are always ijson's."""
    import ijson

    done = 0
    if f.seekable():
        fast = _fast_items(f)
        try:
            for item in fast:
                done += 1
                yield item
            return
        except _Odd:
            pass
        f.seek(0)
    backend = _ijson()
    try:
        for k, item in enumerate(backend.items(f, "item", use_float=True)):
            if k >= done:
                yield item
    except ijson.JSONError:
        skips["invalid-json"] = skips.get("invalid-json", 0) + 1
    except (UnicodeDecodeError, ValueError):
        skips["undecodable"] = skips.get("undecodable", 0) + 1


class _Odd(Exception):
    """:func:`_fast_items` cannot vouch for what comes next: ijson reads it."""


def _int(text: str) -> int:
    if len(text) > 18:  # yajl refuses integers outside 64 bits ("integer overflow"): json does not
        raise _Odd
    return int(text)


_INF = (float("inf"), float("-inf"))


def _float(text: str) -> float:
    value = float(text)
    if value in _INF:  # 1e400: yajl refuses it ("numeric overflow"), json gives inf
        raise _Odd
    return value


def _constant(text: str) -> Any:
    raise _Odd  # NaN, Infinity: not JSON (yajl refuses them), json accepts them


#: A UTF-16 surrogate escape: a pair (``"\\ud83d\\ude00"``, decoded alike by json and
#: ijson), or a lone one (6 characters: json keeps it, ijson makes it ``?``). A false
#: alarm (an escaped backslash before ``ud800``) only sends the rest to ijson.
_SURROGATE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _lone_surrogate(text: str, start: int, end: int) -> bool:
    if text.find("\\u", start, end) < 0:  # no escape at all: most elements (a C scan)
        return False
    return any(len(m.group()) == 6 for m in _SURROGATE.finditer(text, start, end))


_SPACE = re.compile(r"[ \t\n\r]*")
#: Bytes read at a time by :func:`_fast_items`, and the largest element it holds whole
#: (a larger one, never seen in an export, is left to ijson, which streams it).
CHUNK_BYTES = 1 << 20
MAX_ITEM_BYTES = 32 << 20


def _fast_items(f: BinaryIO) -> Iterator[Any]:
    """The elements of a well-formed JSON array, decoded by ``json.JSONDecoder.raw_decode``
    from a window of the text (``CHUNK_BYTES`` at a time: memory holds an element or
    two). Raises :class:`_Odd` where ijson may decode differently: an integer over 64
    bits, a float overflow, NaN or Infinity, a lone surrogate escape, bytes that are
    not UTF-8, a document that is not a plain array, an element over ``MAX_ITEM_BYTES``,
    or anything that does not decode (ijson then says what the skip is)."""
    import codecs
    import json

    utf8 = codecs.getincrementaldecoder("utf-8")()
    decode = json.JSONDecoder(parse_int=_int, parse_float=_float, parse_constant=_constant).raw_decode
    space = _SPACE.match
    buf = ""
    i = 0
    eof = False

    def more() -> None:
        nonlocal buf, i, eof
        data = f.read(max(CHUNK_BYTES, len(buf) - i))  # the window doubles for a large element
        try:
            text = utf8.decode(data, final=not data)
        except UnicodeDecodeError:
            raise _Odd from None
        eof = not data
        buf = buf[i:] + text
        i = 0

    def skip_space() -> str:
        """The next character that is not white space ("" at the end of the document)."""
        nonlocal i
        while True:
            m = space(buf, i)  # always matches (``*``)
            i = m.end() if m is not None else i
            if i < len(buf) or eof:
                return buf[i] if i < len(buf) else ""
            more()

    if skip_space() != "[":
        raise _Odd
    i += 1
    if skip_space() == "]":
        i += 1
    else:
        while True:
            skip_space()
            while True:
                try:
                    item, end = decode(buf, i)
                except json.JSONDecodeError:
                    end = -1
                # a value near the window's end may go on: a number cut after "1", "1." or "1e+"
                # decodes as 1; past its last 3 characters it cannot (an element is followed
                # by a "," or a "]" anyway)
                if end != -1 and (end + 3 < len(buf) or eof):
                    break
                if eof or len(buf) - i > MAX_ITEM_BYTES:
                    raise _Odd  # not JSON, or too big to hold: ijson says what it is
                more()
            if _lone_surrogate(buf, i, end):
                raise _Odd
            i = end
            yield item
            c = skip_space()
            if c == ",":
                i += 1
                continue
            if c == "]":
                i += 1
                break
            raise _Odd
    if skip_space() != "":
        raise _Odd  # something after the array: ijson's error


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


def refused(ev: Event, latest_ms: int) -> str | None:
    """Why the ledger would refuse an export's event (its skip reason), or None: the
    ledger's limits inline, the full check (``ledger.events.problem``) only for an event
    that may break one (every answer of a 500 MB export comes through here)."""
    if (max(ev.input_tokens, ev.output_tokens, ev.reasoning_tokens) > MAX_TOKENS_PER_REQUEST
            or not EARLIEST_MS <= ev.ts_ms <= latest_ms or len(ev.event_id) > MAX_TEXT_CHARS
            or len(ev.model) > MAX_TEXT_CHARS or (ev.session is not None and len(ev.session) > MAX_TEXT_CHARS)):
        return problem(ev)
    return None


@dataclass(slots=True)
class Pending:
    """One conversation decoded, its tokens not counted yet (an adapter's ``prepare``).

    ``wants``: for each counter, the items to count, each a list of texts whose tokens
    are summed (a message's visible text, its reasoning...). ``finish(sums, skips)``:
    the conversation's events, given for each entry of ``wants`` the sum of each of its
    items, in order. Split in two so that the counting (most of the work) runs on many
    conversations at once (:func:`count_all`)."""

    wants: list[tuple[Counter, list[list[str]]]]
    finish: Callable[[list[list[int]], dict[str, int]], list[Event]]


#: What a conversation becomes first: a :class:`Pending`, or None (skips counted into the dict).
Prepare = Callable[[Any, dict[str, int]], "Pending | None"]


def count_all(pending: list[Pending]) -> list[list[list[int]]]:
    """The sums :attr:`Pending.finish` takes, for each conversation of ``pending``: all
    their texts of one counter counted in one call (``Counter.counts``)."""
    texts: dict[str, list[str]] = {}
    counters: dict[str, Counter] = {}
    for p in pending:
        for counter, items in p.wants:
            counters[counter.label] = counter
            flat = texts.setdefault(counter.label, [])
            for item in items:
                flat += item
    counted = {label: iter(counters[label].counts(flat)) for label, flat in texts.items()}
    out: list[list[list[int]]] = []
    for p in pending:
        sums: list[list[int]] = []
        for counter, items in p.wants:
            it = counted[counter.label]
            sums.append([sum(islice(it, len(item))) for item in items])
        out.append(sums)
    return out


def now(pending: Pending | None, skips: dict[str, int]) -> list[Event]:
    """The events of one prepared conversation, counted here (``conversation_events``)."""
    if pending is None:
        return []
    return pending.finish(count_all([pending])[0], skips)


#: Conversations are counted in groups of about this many texts (messages' parts; about
#: 1.4 MB of text in a generated export): one call of tiktoken each (``Counter.counts``).
GROUP_TEXTS = 2048
#: An export smaller than this is read in one process (forking costs more than it saves).
SHARD_MIN_BYTES = 16 << 20
#: Most processes reading one export: each holds its own decoded conversations and
#: counters (about 60 MB), and each skips over the whole stream, so more buy less.
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


def read_export(path: str, prepare: Prepare) -> Iterator[Batch]:
    """The events of the export at ``path``, a batch every :data:`BATCH_CONVERSATIONS`
    conversations (or :data:`BATCH_BYTES` of the file). ``nbytes`` is the file's bytes
    (compressed, for a zip) read so far, so the batches add up to its size.

    A large export is read by :func:`shards` forked processes, each converting every
    n-th conversation: ``prepare`` (its texts, its tree), then the tokens of
    :data:`GROUP_TEXTS` texts at once (tiktoken, about 15 MB of text a second on one
    CPU, half of the work), then :attr:`Pending.finish`. Each share finds where every
    conversation ends and decodes only its own (:func:`_own_items`, msgspec); where it
    cannot vouch for what comes next (an odd document; no msgspec), each share
    decodes the whole stream (:func:`_items`: exact, the standard library's decoder and
    ijson), the conversations already read passed over (``_read_sharded``).

    Measured on the 500 MB bench export, 2 CPUs, interleaved runs: shards each decoding
    the whole stream 25.1, 22.0, 21.2, 23.6 MB/s, 245 MB for all processes; one process
    decoding while threads counted (tiktoken releases the GIL) 19.6, 22.3, 22.1, 19.4
    MB/s, 150 MB: the decoding and converting thread was the bottleneck (the GIL).
    Threads counting message by message were twice as slow again (the GIL handed back
    and forth at every message). Shares decoding only their own conversations: the
    shares' CPU on the 100 MB export 9.5, 9.7, 9.9 s -> 7.5, 7.5, 7.9 s (interleaved, a
    loaded machine)."""
    n = shards(path)
    if n <= 1:
        yield from _read(path, prepare, 0, 1)
    else:
        yield from _read_sharded(path, prepare, n)


def _share_process(conn: Any, path: str, prepare: Prepare, k: int, n: int, after: list[int] | None) -> None:
    """A forked reader of share ``k`` of ``n``: sends ``("batch", rows, skips, nbytes, last)``
    messages, then ``("end",)``; ``("error", text)`` when the file cannot be read.
    ``after`` None: :func:`_read_own` (``("odd",)`` where it cannot vouch for the rest);
    else :func:`_read`, its own conversations up to ``after[k]`` passed over."""
    import gc
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the importing process's
    # The collector, in this process of its own: what was there at the fork (the importer's
    # modules, tiktoken's tables) is never looked at again, and a decoded conversation's
    # thousands of dicts and lists (no cycles) do not start a collection every 700: CPU of a
    # share of a 30 MB export 1.05/1.12 s -> 0.79/1.08 s, peak memory the same (66 MB).
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
    try:
        if after is None:
            try:
                for b, last in _read_own(path, prepare, k, n):
                    if b is None:
                        conn.send(("progress", last))
                    else:
                        conn.send(("batch", list(map(as_row, b.events)), b.skips, b.nbytes, last))
            except _Odd:
                conn.send(("odd",))
                return
        else:
            for b in _read(path, prepare, k, n, after[k]):
                conn.send(("batch", list(map(as_row, b.events)), b.skips, b.nbytes, -1))
        conn.send(("end",))
    except OSError as exc:
        conn.send(("error", str(exc.strerror or exc)))
    except Exception as exc:  # noqa: BLE001 - the adapter failed: said, as in one process
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def _fast_shards(path: str) -> bool:
    """Whether the shards may find their conversations themselves (:func:`_read_own`):
    msgspec is there (else the standard library and ijson read it: :func:`_read`)."""
    try:
        import msgspec  # noqa: F401
    except ImportError:
        return False
    return True


def _read_sharded(path: str, prepare: Prepare, n: int) -> Iterator[Batch]:
    """:func:`_read_own` (share ``k`` of ``n``) in ``n`` forked processes, their batches
    yielded as they come, a batch only once every other share has vouched for the
    conversations before its last (``last``: a share stopped by one it cannot vouch for,
    the conversations after it are not counted, as ijson ends the stream there).
    When a share cannot vouch for what comes next (``("odd",)``), all shares read again
    through :func:`_read` (each decoding the whole stream: exact, slower), the
    conversations already yielded passed over. Each share's bytes are counted once in ``n``."""
    import multiprocessing

    from hooks import tokencount

    for name in (tokencount.O200K, tokencount.CL100K):
        tokencount.counter(name)  # loaded once here, shared by the forks (not once in each)
    ctx = multiprocessing.get_context("fork")
    size = os.stat(path).st_size
    sent = 0
    yielded = [-1] * n  # per share: the last conversation whose events were yielded
    after: list[int] | None = None if _fast_shards(path) else list(yielded)
    while True:
        procs: list[Any] = []
        conns: list[Any] = []
        try:
            for k in range(n):
                ours, theirs = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_share_process, args=(theirs, path, prepare, k, n, after), daemon=True)
                proc.start()
                theirs.close()
                procs.append(proc)
                conns.append(ours)
            odd = False
            for i, batch, last in _gather(conns, n):
                if batch is None:
                    odd = True
                    break
                batch.nbytes = max(0, min(int(sent + batch.nbytes), size) - sent)  # (``_gather``: share/n)
                sent += batch.nbytes
                if after is None:
                    yielded[i] = last
                yield batch
        finally:
            for proc in procs:
                if proc.is_alive():
                    proc.terminate()
                proc.join(timeout=1.0)
            for c in conns:
                c.close()
        if not odd:
            break
        after = list(yielded)  # read again, exactly, what was not yielded
    yield Batch([], {}, {}, max(0, size - sent))


_DONE = 1 << 62
#: Batches of one share held at most (``_gather``); then it waits for the others.
#: (2, with progress said only in batches: the 100 MB export read 1.2x slower than
#: without holding, a share waiting for the other at every drift.)
HOLD = 4


def _gather(conns: list[Any], n: int) -> Iterator[tuple[int, Batch | None, int]]:
    """The shares' batches ``(share, batch, last)``, ``nbytes`` already divided by ``n``; a
    batch is held until every other share has passed its ``last`` (a batch of :func:`_read`
    has ``last`` -1: yielded at once); a share's ``("progress", i)`` says it has passed
    ``i`` between its batches. ``(share, None, -1)``: a share said ``("odd",)``."""
    from collections import deque
    from multiprocessing.connection import wait

    progress = [-1] * len(conns)
    held: list[deque[tuple[int, Batch]]] = [deque() for _ in conns]
    live: list[Any] = list(conns)
    frac = [0.0] * len(conns)
    while live:
        # a share whose batches wait is not read from until they go (its pipe fills, and it
        # waits): memory holds a few batches, however far one share would run ahead. The
        # share that is furthest behind has none waiting: there is always one to read.
        ready = [c for c in live if len(held[conns.index(c)]) < HOLD] or live
        for c in wait(ready):
            c = cast(Any, c)
            i = conns.index(c)
            try:
                msg: Any = c.recv()
            except EOFError:
                raise OSError("a reader process stopped while reading it; what was read is kept, "
                              "the rest is read on the next run") from None
            if msg[0] == "odd":
                yield i, None, -1
                return
            if msg[0] == "error":
                raise OSError(msg[1])
            if msg[0] == "end":
                live.remove(c)
                progress[i] = _DONE
            elif msg[0] == "progress":
                progress[i] = max(progress[i], msg[1])
            else:
                _kind, rows, skips, nbytes, last = msg
                frac[i] += nbytes / n
                whole = int(frac[i])
                frac[i] -= whole
                progress[i] = max(progress[i], last)
                held[i].append((last, Batch([Event(*r) for r in rows], {}, skips, whole)))
            for j, queue in enumerate(held):
                others = min((p for q, p in enumerate(progress) if q != j), default=_DONE)
                while queue and queue[0][0] <= others:
                    last, b = queue.popleft()
                    yield j, b, last
    for j, queue in enumerate(held):  # every share ended: nothing left to vouch for
        while queue:
            last, b = queue.popleft()
            yield j, b, last


_WS = b" \t\n\r"
#: Digits as "0", anything else as "x": a run of 19 zeros is a number :func:`_int` refuses
#: (or digits in a text: that conversation is decoded by the standard library's decoder).
_DIGITS = bytes(ord("0") if 48 <= c <= 57 else ord("x") for c in range(256))
_LONG = b"0" * 19
#: Where msgspec says a value is followed by more: "trailing characters (byte N)", N the
#: offending byte's index plus one (checked on a probe before it is relied on: :func:`_ends`).
_TRAILING = re.compile(r"trailing characters \(byte (\d+)\)")


def _ends(skip: Callable[[Any], Any], decode_error: type[Exception]) -> Callable[[memoryview], int | None]:
    """``end(view)``: where the JSON value at the start of ``view`` ends, when something
    follows it; else None: ``view`` ends inside it or right after it (a number may go
    on), or it is not JSON (a value cut at the window's end is not JSON either: ``nu``,
    ``1.``; more is read, up to the end of the document). :class:`_Odd` when this
    msgspec words its errors otherwise."""

    def end(view: memoryview) -> int | None:
        try:
            skip(view)
        except decode_error as exc:
            m = _TRAILING.search(str(exc))
            if m is not None:
                return int(m.group(1)) - 1
        return None

    probe = memoryview(b'{"a": [1, "]"]} \n,{')
    if end(probe) != 17 or end(probe[:12]) is not None:
        raise _Odd
    return end


def _own_items(f: BinaryIO, k: int, n: int, first: int = 0) -> Iterator[tuple[int, Any]]:
    """``(i, element)`` for the elements of the JSON array in ``f``, numbered from
    ``first``, with ``i % n == k``, the others passed over without decoding them;
    ``(i, _OTHER)`` every 32 of those, so that the reader knows how far it is; last,
    ``(first + the number of elements, _END)``. Raises :class:`_Odd` where it cannot
    vouch that the elements are those of :func:`_items`.

    Where an element ends is msgspec's to say: skipping one JSON value builds nothing
    (about 1 GB/s here) and its error names the byte after the value. Ours are decoded
    by msgspec (twice as fast as the standard library's decoder; it refuses NaN,
    Infinity, a float overflow, a lone surrogate and bytes that are not UTF-8, and those
    go to the standard library's decoder, :func:`_exact`, as does an element with a run
    of 19 digits: an integer over 64 bits is :func:`_int`'s). The other shares'
    elements are only skipped: their owner checks the rest, and ``_read_sharded`` holds
    a batch back until every share has passed its last element."""
    import msgspec

    end_of = _ends(msgspec.json.Decoder(msgspec.Raw).decode, msgspec.DecodeError)
    decode = msgspec.json.Decoder().decode
    decode_error = msgspec.DecodeError
    buf = b""
    pos = 0
    eof = False

    def more() -> None:
        nonlocal buf, pos, eof
        data = f.read(max(CHUNK_BYTES, len(buf) - pos))  # the window doubles for a large element
        eof = not data
        buf, pos = buf[pos:] + data, 0

    def skip_space() -> int:
        """The next byte that is not white space (-1 at the end of the document)."""
        nonlocal pos
        while True:
            pos = _lstrip(buf, pos)
            if pos < len(buf) or eof:
                return buf[pos] if pos < len(buf) else -1
            more()

    if skip_space() != ord("["):
        raise _Odd
    pos += 1
    if skip_space() == ord("]"):
        raise _Odd  # an empty array: :func:`_read` reads it
    i = first - 1
    while True:
        i += 1
        while True:
            end = end_of(memoryview(buf)[pos:])
            if end is not None:
                end += pos
                break
            if eof or len(buf) - pos > MAX_ITEM_BYTES:
                raise _Odd  # not JSON, cut short, or too big to hold: ijson says what it is
            more()
        after = buf[end]  # "," or "]" (what trails the value: not white space)
        value = _rstrip(buf, end, pos)
        if i % n == k:
            piece = buf[pos:value]
            if piece.translate(_DIGITS).find(_LONG) >= 0:
                item = _exact(piece)
            else:
                try:
                    item = decode(piece)
                except decode_error:
                    item = _exact(piece)  # NaN, 1e400, not UTF-8...: as the standard library's decoder
            yield i, item
        elif i % 32 == 0:
            yield i, _OTHER
        pos = end + 1
        if after == ord("]"):
            if skip_space() != -1:
                raise _Odd  # something after the array: ijson's error
            yield i + 1, _END
            return
        if after != ord(","):
            raise _Odd


def _lstrip(buf: bytes, pos: int) -> int:
    while pos < len(buf) and buf[pos] in _WS_BYTES:
        pos += 1
    return pos


_WS_BYTES = frozenset(_WS)


def _rstrip(buf: bytes, end: int, lo: int) -> int:
    """``end`` moved back over white space (not below ``lo``)."""
    while end > lo and buf[end - 1] in _WS_BYTES:
        end -= 1
    return end


_OTHER = object()
_END = object()


def _exact(data: bytes) -> Any:
    """One element decoded as :func:`_fast_items` decodes it (:class:`_Odd` where it does)."""
    import json

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise _Odd from None
    decoder = json.JSONDecoder(parse_int=_int, parse_float=_float, parse_constant=_constant)
    try:
        item, end = decoder.raw_decode(text)
    except json.JSONDecodeError:
        raise _Odd from None
    if end != len(text) or _lone_surrogate(text, 0, end):
        raise _Odd
    return item


class _Collector:
    """What a reader of conversations (:func:`_read_own`, :func:`_read`) holds between
    two batches: the events, skips and conversations counted so far, and the prepared
    conversations whose texts wait to be counted in one tiktoken call."""

    def __init__(self, raw: Any, size: int, prepare: Prepare, n: int) -> None:
        self.raw, self.size, self.prepare, self.n = raw, size, prepare, n
        self.done = 0
        self.events: list[Event] = []
        self.skips: dict[str, int] = {}
        self.count = 0
        self.group: list[Pending] = []
        self.texts = 0

    def far(self) -> bool:
        """Whether this share has read ``BATCH_BYTES`` since the last batch (``tell`` is a
        system call: asked every 32 conversations, not after each)."""
        return bool(self.raw.tell() - self.done >= BATCH_BYTES * self.n)

    def add(self, conv: Any) -> bool:
        """Take one conversation of this share; whether a batch is due."""
        self.count += 1
        if not isinstance(conv, dict):
            self.skips["not-an-object"] = self.skips.get("not-an-object", 0) + 1
            return False
        p = self.prepare(conv, self.skips)
        if p is not None:
            self.group.append(p)
            for _counter, items in p.wants:
                self.texts += sum(map(len, items))
            if self.texts >= GROUP_TEXTS:
                self.finish()
        return self.count >= BATCH_CONVERSATIONS or (self.count % 32 == 0 and self.far())

    def finish(self) -> None:
        """Count the waiting conversations' texts and make their events."""
        for p, sums in zip(self.group, count_all(self.group), strict=True):
            self.events.extend(p.finish(sums, self.skips))
        self.group, self.texts = [], 0

    def batch(self, final: bool = False) -> Batch:
        """What was collected since the last batch (the waiting texts counted first)."""
        self.finish()
        now_at = self.size if final else min(self.raw.tell(), self.size)
        out = Batch(self.events, {}, self.skips, max(0, now_at - self.done))
        self.done = max(self.done, now_at)
        self.events, self.skips, self.count = [], {}, 0
        return out


def _read_own(path: str, prepare: Prepare, k: int, n: int) -> Iterator[tuple[Batch | None, int]]:
    """:func:`_read` of share ``k`` of ``n`` through :func:`_own_items` (the other shares'
    conversations not decoded), each batch with the last element it has passed; between
    them ``(None, i)`` every 32 elements of other shares: its own before ``i`` are decoded
    (``_gather`` lets the other shares' batches go that far without waiting for a batch)."""
    raw, st = open_regular(path)
    with raw:
        c = _Collector(raw, st.st_size, prepare, n)
        last = -1
        first = 0
        for member in members(raw, path):
            for i, conv in _own_items(member, k, n, first):
                if conv is _END:
                    first = i
                    continue
                last = i
                if conv is _OTHER:
                    yield (c.batch(), last) if c.far() else (None, last)
                    continue
                if c.add(conv):
                    yield c.batch(), last
        yield c.batch(final=True), _DONE


def _read(path: str, prepare: Prepare, k: int, n: int, after: int = -1) -> Iterator[Batch]:
    """The batches of the conversations ``i`` with ``i % n == k`` (all of them for ``n`` 1),
    but those up to ``after`` (already read). Skips of the stream itself (a broken
    document) are counted by share 0 only."""
    raw, st = open_regular(path)
    with raw:
        c = _Collector(raw, st.st_size, prepare, n)
        stream: dict[str, int] = {}  # skips of the stream itself

        def batch(final: bool = False) -> Batch:
            c.finish()  # its skips first, then the stream's (the order they had)
            if k == 0:
                for key, v in stream.items():
                    c.skips[key] = c.skips.get(key, 0) + v
            stream.clear()
            return c.batch(final)

        i = -1
        for member in members(raw, path):
            for conv in _items(member, stream):
                i += 1
                if n > 1 and i % n != k or i <= after:
                    continue
                if c.add(conv):
                    yield batch()
        yield batch(final=True)


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
