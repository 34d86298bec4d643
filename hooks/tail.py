"""Incremental reading of append-only log files, shared by every adapter.

Standard library only: runs inside ``tokenprint-hook`` on every turn.

The ledger remembers, for each source file, a :class:`Position`: how many bytes
were consumed, the file's size and mtime at that read, and an identity (inode,
plus a hash of the first bytes). With it:

- an unchanged file (same size, mtime and inode) is skipped on ``stat()`` alone,
  without opening it: the warm path does not grow with the logs;
- a grown file is read from the stored offset only;
- a file that shrank (truncated) or whose first bytes or inode changed (replaced,
  rotated) is read again from the start; ingestion is idempotent, so re-reading
  never double counts;
- so is a file whose last bytes before the stored offset changed (``rewritten``):
  truncated and regrown past the old size with the same inode and the same first
  bytes, which size and head alone cannot tell from an append. The position keeps
  a hash of the :data:`TAIL_BYTES` before its offset (``state["tail"]``), checked
  with one 4 KiB read before reading on;
- only regular files are opened, without blocking (:func:`open_regular`): a FIFO,
  socket or device named like a transcript is refused, even one swapped in after
  a ``stat()``;
- the adapter consumes complete lines only: a half-written last line stays for
  the next read. Large files are read in chunks, each committed with its
  position, so memory is bounded and a killed import resumes where it stopped.

An adapter provides ``parse(data: bytes, at_eof: bool) -> Parsed``: a pure
function from bytes (starting at a line boundary) to events, the number of bytes
it consumed, and the lines it skipped and why.

Two extensions, for every adapter that declares them:

- **adapter state** (the adapter module sets ``STATEFUL = True``): ``parse`` is
  called as ``parse(data, at_eof, state=<dict>)`` and may update that dict, which
  must stay JSON-serialisable, for the lines it consumed (e.g. Codex's last
  cumulative total and current model). It is stored with the position
  (``Position.state["adapter"]``), handed back on the next read of the same file,
  and reset to ``{}`` whenever the file is read again from its start (new,
  truncated, replaced, rewritten). A parse that consumes nothing must leave it as
  it was;
- **compressed sources** (a path ending in ``.zst``, :func:`compressed_steps`):
  not appendable, so such a file is read whole from its start, decompressed as a
  stream, whenever its ``stat()`` changed; the ``zstandard`` package is imported
  only then (backfill only: the hook never reads one). Without it the file is not
  read and counted with a message saying what to install.

:func:`steps_for` picks the reader for a path; ``hooks.sync`` calls it.
"""

from __future__ import annotations

import copy
import os
import stat
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from ledger.events import Event

try:  # hashlib's own blake2b, without loading OpenSSL (4 ms of every hook run)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - a Python built without it
    from hashlib import blake2b

#: How many leading bytes identify a file (with its inode).
HEAD_BYTES = 4096
#: How many bytes before the stored offset are hashed, to notice a rewrite.
TAIL_BYTES = 4096
#: Bytes read (and committed) at once: bounds memory on large files.
CHUNK_BYTES = 8 << 20


@dataclass(slots=True)
class Parsed:
    """What an adapter made of a block of bytes."""

    events: list[Event]
    consumed: int
    skips: dict[str, int] = field(default_factory=dict)


Parser = Callable[..., Parsed]


def is_stateful(parse: Parser) -> bool:
    """Whether ``parse`` takes the adapter state (its module declares ``STATEFUL = True``).

    Looks through ``functools.partial`` (the backfill binds a faster decoder)."""
    fn: Any = parse
    while hasattr(fn, "func"):
        fn = fn.func
    module = sys.modules.get(getattr(fn, "__module__", "") or "")
    return getattr(module, "STATEFUL", False) is True


@dataclass(slots=True)
class Position:
    """How far a source file was read (one row of the ``sources`` table)."""

    identity: str = ""
    offset: int = 0
    size: int = -1
    mtime_ns: int = 0
    skipped_lines: int = 0
    skip_reasons: dict[str, int] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)

    def fields(self) -> dict[str, Any]:
        """Keyword arguments of a position row (``ledger.fastpath.set_positions``, ``Store.set_position``)."""
        return {
            "identity": self.identity,
            "offset": self.offset,
            "size": self.size,
            "mtime_ns": self.mtime_ns,
            "skipped_lines": self.skipped_lines,
            "skip_reasons": self.skip_reasons,
            "state": self.state,
        }


def identity_of(st: os.stat_result, head: bytes) -> str:
    """``inode:length:hash`` of a file's first bytes (``head``)."""
    digest = blake2b(head, digest_size=8).hexdigest()
    return f"{st.st_ino}:{len(head)}:{digest}"


def tail_sig(last: bytes) -> str:
    """``length:hash`` of the bytes just before an offset (``state["tail"]``)."""
    return f"{len(last)}:{blake2b(last, digest_size=8).hexdigest()}"


class NotRegularFile(OSError):
    """A path that is not a regular file (FIFO, socket, device, folder): never read."""


_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a folder"),
)


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words."""
    for test, words in _KINDS:
        if test(mode):
            return words
    return "not a regular file"


#: ``open()`` flags: never block (a FIFO without a writer blocks a plain ``open``).
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def open_regular(path: str) -> tuple[BinaryIO, os.stat_result]:
    """Open ``path`` for reading if it is a regular file, with its ``fstat()``.

    The file is opened non-blocking and checked on the open descriptor, so a FIFO
    swapped in after an earlier ``stat()`` neither blocks nor is read. Raises
    :class:`NotRegularFile` (an ``OSError``) for anything but a regular file.
    """
    fd = os.open(path, _OPEN_FLAGS)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotRegularFile(f"{kind_of(st.st_mode)}, not a regular file: not read")
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb"), st


def files_in(folder: str, suffix: str) -> list[str]:
    """The regular files (or links to one: never a FIFO, which would block) directly in
    ``folder`` whose name ends with ``suffix``, sorted; [] when it cannot be listed. What a
    hook payload's session folder (subagent files) is looked up with."""
    found: list[str] = []
    try:
        with os.scandir(folder) as it:
            for entry in it:
                try:
                    if entry.name.endswith(suffix) and entry.is_file():
                        found.append(entry.path)
                except OSError:
                    continue
    except (OSError, ValueError):
        pass
    found.sort()
    return found


def walk(root: str, accept: Callable[[str, str], bool]) -> list[str]:
    """The files under ``root`` (recursively, links to folders not followed) whose
    ``accept(folder, name)`` is true and that are regular files (or links to one), sorted;
    what every adapter lists its sources with.

    A folder that cannot be listed for lack of permission is listed itself: reading it
    then fails, and the sync names it as unreadable (rather than passing over whatever
    it holds without a word). Other errors (a folder removed meanwhile, a loop) skip it.
    """
    stack = [root]
    found: list[str] = []
    while stack:
        d = stack.pop()
        try:
            with os.scandir(d) as it:
                for entry in it:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        elif accept(d, entry.name) and entry.is_file():
                            found.append(entry.path)
                    except OSError:
                        continue
        except PermissionError:
            if d != root:
                found.append(d)
        except OSError:
            continue
    found.sort()
    return found


def unchanged(pos: Position | None, st: os.stat_result) -> bool:
    """True when nothing can have been appended since ``pos`` (stat only)."""
    return (
        pos is not None
        and pos.size == st.st_size
        and pos.mtime_ns == st.st_mtime_ns
        and pos.identity.split(":", 1)[0] == str(st.st_ino)
    )


def resume_offset(pos: Position | None, st: os.stat_result, head: bytes) -> tuple[int, str]:
    """Where to start reading, and why: ``new``, ``append``, ``truncated`` or ``replaced``."""
    if pos is None or not pos.identity:
        return 0, "new"
    try:
        ino, n_text, digest = pos.identity.split(":", 2)
        n = int(n_text)
    except ValueError:
        return 0, "replaced"
    if ino != str(st.st_ino):
        return 0, "replaced"
    if st.st_size < pos.offset or (pos.size >= 0 and st.st_size < pos.size):
        return 0, "truncated"
    if n > len(head) or blake2b(head[:n], digest_size=8).hexdigest() != digest:
        return 0, "replaced"
    return pos.offset, "append"


def check_tail(f: BinaryIO, pos: Position, offset: int) -> tuple[bool, bytes]:
    """Whether the bytes before ``offset`` are still those ``pos`` hashed, and those bytes.

    A position written before the hash existed has nothing to compare: it is trusted
    (as its head and size were), and the hash is stored from this read on.
    """
    n = min(offset, TAIL_BYTES)
    f.seek(offset - n)
    last = f.read(n)
    expected = pos.state.get("tail")
    if not isinstance(expected, str):
        return len(last) == n, last
    return len(last) == n and tail_sig(last) == expected, last


@dataclass(slots=True)
class Step:
    """One parsed chunk of a file and the position after it."""

    parsed: Parsed
    position: Position
    nbytes: int


def read_steps(
    f: BinaryIO,
    st: os.stat_result,
    pos: Position | None,
    parse: Parser,
    *,
    chunk_bytes: int = CHUNK_BYTES,
    max_bytes: int | None = None,
    stateful: bool | None = None,
) -> Iterator[Step]:
    """Parse ``f`` from where ``pos`` left it, one chunk at a time.

    Each yielded step carries the position to store with its events (in the same
    transaction). The size recorded before the last chunk is -1, so a file left
    half read by a killed process is never taken for unchanged. Reads at most
    ``st.st_size`` bytes (what was there at ``stat()``), and stops after
    ``max_bytes`` (the rest is for the next call). ``stateful`` (default: what
    :func:`is_stateful` says) passes the adapter state in and stores it with the
    position.
    """
    if stateful is None:
        stateful = is_stateful(parse)
    size = st.st_size
    head = f.read(min(size, HEAD_BYTES))
    offset, why = resume_offset(pos, st, head)
    identity = identity_of(st, head)
    last = b""  # the TAIL_BYTES before ``offset``
    if offset > 0 and pos is not None:
        same, last = check_tail(f, pos, offset)
        if not same:
            offset, why, last = 0, "rewritten", b""
    if offset == 0 or pos is None:
        skipped, reasons = 0, {}
        state: dict[str, Any] = {}
    else:
        skipped, reasons, state = pos.skipped_lines, dict(pos.skip_reasons), dict(pos.state)
    kept = state.get("adapter")
    adapter: dict[str, Any] = copy.deepcopy(kept) if isinstance(kept, dict) and offset > 0 else {}
    state["last_read"] = why
    budget = max_bytes if max_bytes is not None else size
    want = chunk_bytes
    done = 0

    def position(size_seen: int) -> Position:
        state["tail"] = tail_sig(last)
        if stateful:
            state["adapter"] = copy.deepcopy(adapter)
        return Position(
            identity=identity,
            offset=offset,
            size=size_seen,
            mtime_ns=st.st_mtime_ns,
            skipped_lines=skipped,
            skip_reasons=dict(reasons),
            state=dict(state),
        )

    while offset < size and done < budget:
        f.seek(offset)
        data = f.read(min(want, size - offset))
        if not data:
            break
        at_eof = offset + len(data) >= size
        parsed = parse(data, at_eof, state=adapter) if stateful else parse(data, at_eof)
        if parsed.consumed == 0:
            if at_eof:
                break  # only an unterminated last line: leave it for next time
            want *= 2  # one line longer than a chunk: read more at once
            continue
        want = chunk_bytes
        used = parsed.consumed
        last = data[used - TAIL_BYTES : used] if used >= TAIL_BYTES else (last + data[:used])[-TAIL_BYTES:]
        offset += used
        done += used
        for reason, count in parsed.skips.items():
            reasons[reason] = reasons.get(reason, 0) + count
            skipped += count
        # At EOF whatever was not consumed is an unterminated last line: the read is complete.
        yield Step(parsed, position(size if at_eof else -1), parsed.consumed)
        if at_eof:
            return
    if offset < size and done >= budget:
        return  # stopped by the budget: the rest is for the next call
    # Nothing (more) to consume: record the stat so that the next call skips the file.
    yield Step(Parsed([], 0), position(size), 0)


# -- compressed sources ----------------------------------------------------------------

#: The suffix of a compressed source (zstd), read whole by :func:`compressed_steps`.
COMPRESSED_SUFFIX = ".zst"


class NoDecoder(OSError):
    """A compressed file that cannot be read here (the decoder package is missing)."""


class BadCompressed(OSError):
    """A compressed file whose stream is not valid (truncated, not zstd)."""


def _zstd() -> Any:
    try:
        import zstandard
    except ImportError:
        raise NoDecoder(
            "compressed with zstd (.zst), and the zstandard package is not installed: "
            "not read (install it, e.g. `pip install zstandard`, then import again)"
        ) from None
    return zstandard


def compressed_steps(
    f: BinaryIO,
    st: os.stat_result,
    pos: Position | None,
    parse: Parser,
    *,
    chunk_bytes: int = CHUNK_BYTES,
    max_bytes: int | None = None,  # noqa: ARG001 - read whole: a compressed file cannot resume
    stateful: bool | None = None,
) -> Iterator[Step]:
    """Parse a zstd-compressed file from its start (it is not appendable).

    Called only when its ``stat()`` changed (``hooks.sync`` skips an unchanged one).
    The position records the compressed file's identity, size and mtime, with the
    offset at its (compressed) size; the size is -1 until the last chunk, so a read
    cut short is read again whole. Each step's ``nbytes`` is the compressed bytes
    it covers (what ``import`` plans and shows). Raises :class:`NoDecoder` without
    the ``zstandard`` package and :class:`BadCompressed` on a damaged stream.
    """
    zstandard = _zstd()
    if stateful is None:
        stateful = is_stateful(parse)
    size = st.st_size
    head = f.read(min(size, HEAD_BYTES))
    identity = identity_of(st, head)
    f.seek(0)
    why = "new" if pos is None or not pos.identity else "replaced"
    skipped, reasons = 0, dict[str, int]()
    adapter: dict[str, Any] = {}
    raw_done = 0

    def position(size_seen: int) -> Position:
        state: dict[str, Any] = {"last_read": why, "compressed": True}
        if stateful:
            state["adapter"] = copy.deepcopy(adapter)
        return Position(identity, size, size_seen, st.st_mtime_ns, skipped, dict(reasons), state)

    try:
        reader = zstandard.ZstdDecompressor().stream_reader(f, read_across_frames=True)
        pending = b""
        eof = False
        want = chunk_bytes
        while True:
            while not eof and len(pending) < want:
                block = reader.read(want - len(pending))
                if not block:
                    eof = True
                    break
                pending += block
            if not pending:
                break
            parsed = parse(pending, eof, state=adapter) if stateful else parse(pending, eof)
            if parsed.consumed == 0:
                if eof:
                    break  # an unterminated last line that is not a record
                want *= 2
                continue
            want = chunk_bytes
            pending = pending[parsed.consumed :]
            for reason, count in parsed.skips.items():
                reasons[reason] = reasons.get(reason, 0) + count
                skipped += count
            raw_now = min(f.tell(), size)
            nbytes, raw_done = raw_now - raw_done, raw_now
            if eof and not pending:
                yield Step(parsed, position(size), nbytes + size - raw_done)
                return
            yield Step(parsed, position(-1), nbytes)
    except zstandard.ZstdError as exc:
        raise BadCompressed(f"not a valid zstd stream ({exc}): the rest of it is not read") from None
    yield Step(Parsed([], 0), position(size), size - raw_done)


def steps_for(
    path: str,
    f: BinaryIO,
    st: os.stat_result,
    pos: Position | None,
    parse: Parser,
    *,
    chunk_bytes: int = CHUNK_BYTES,
    max_bytes: int | None = None,
) -> Iterator[Step]:
    """The steps of reading ``path`` (open as ``f``, its fstat ``st``): a compressed
    file whole (:func:`compressed_steps`), any other from where ``pos`` left it
    (:func:`read_steps`)."""
    stateful = is_stateful(parse)
    reader = compressed_steps if path.endswith(COMPRESSED_SUFFIX) else read_steps
    return reader(f, st, pos, parse, chunk_bytes=chunk_bytes, max_bytes=max_bytes, stateful=stateful)
