"""Reversible edits of a client's JSON settings file (hooks, status line).

Standard library only. Follows pre-commit's installer, and goes further:

- every entry we add carries an ownership marker (a trailing shell comment
  ``# tokenprint-managed``), and :func:`is_ours` also recognises entries of older
  versions (any command whose program is ``tokenprint-hook``), so we can update
  or remove our own entries from any version and never touch anyone else's;
- installing twice gives the same bytes (an unchanged file is not even written);
- uninstalling gives the user's bytes back, in any order of hooks and status line
  installs and uninstalls: the first install into a file that holds nothing of
  ours keeps its exact bytes (one snapshot per file, shared by the hooks and the
  status line). Every uninstall rebuilds the file from that snapshot, replaying
  only the installs of ours that remain, and writes the result when it says
  exactly what the file minus the removed entries says; so when the last of ours
  goes, the original bytes come back. If the user edited the file in between
  (the replay says something else), the file is written without our entries, in
  its own indentation and line endings, with foreign hooks and unknown keys kept;
- a file that is not valid JSON, or whose ``hooks`` are not in the documented
  shape, is refused with the exact problem (line and column) and left untouched;
  so are ``NaN``/``Infinity`` literals (not JSON), nesting deeper than
  :data:`MAX_DEPTH` and a dangling symbolic link;
- numbers are written back as the very tokens the file holds (``1e999``, ``1.50``,
  a 5,000-digit integer): :class:`RawNumber` keeps the token, and :func:`dumps`
  writes it as is, never ``Infinity``;
- a symbolic link (``settings.json -> ~/dotfiles/claude/settings.json``, relative,
  or a chain) is edited through: the target's bytes change, the link stays; the
  backups and the saved original stay in ``$TOKENPRINT_HOME/backups/`` (0700),
  never beside the target, where the user's dotfiles repository would see them;
- every write goes to a temporary file in the target's folder, is flushed to disk
  and renamed over the target (atomic, ``ledger.files``), after copying the
  previous bytes to a timestamped 0600 backup in ``$TOKENPRINT_HOME/backups/``;
  the file keeps its own mode. Right before the rename the file is read again: if
  another program changed it since we read it, nothing is written, the edit is
  made once more on the new bytes, and refused if it changes again. Our own
  edits are serialised by a lock in ``backups/``. A write that fails (a full disk,
  a read-only folder) leaves the file, the backups and the saved original as they
  were, and no temporary file.

- a file in the ``jsonc`` dialect (JSON with comments: Gemini CLI's settings.json)
  is never re-serialised: :mod:`hooks.jsonc` edits its text in place, so every
  comment, blank line and formatting outside our entries survives install and
  uninstall byte for byte; an edit that would have to touch a comment is refused.

The shape is Claude Code's (``{"hooks": {"Stop": [{"hooks": [{"type": "command",
"command": ..., "timeout": ...}]}]}}``), which Gemini CLI and Codex's hooks.json share.

MCP servers (``tokenprint mcp``) go under ``"mcpServers": {"<name>": {"command": ...,
"args": ["mcp", ...]}}``, the key Claude Code's ``~/.claude.json`` and ``.mcp.json``
and Gemini CLI's ``settings.json`` share (what ``claude mcp add -s user`` and ``gemini
mcp add -s user`` write). An entry is ours when its program is ``tokenprint`` and its
first argument ``mcp`` (:func:`is_our_server`: no marker fits in a program path), with
the same rules: idempotent, exact uninstall through the shared snapshot, a foreign
server of the same name refused and left untouched.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import re
import shlex
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.files import PRIVATE_FILE, atomic_write, private_dir

MARKER = "# tokenprint-managed"
_MARKER_RE = re.compile(r"#\s*tokenprint-managed\b")
_OUR_PROGRAMS = {"tokenprint-hook", "tokenprint-hook.exe"}
STATUSLINE_KEY = "statusLine"
#: Where JSON settings keep MCP servers (Claude Code, Gemini CLI).
MCP_KEY = "mcpServers"
_OUR_SERVER_PROGRAMS = {"tokenprint", "tokenprint.exe"}


#: Deeper nesting than this is refused (no client's settings nest beyond a handful).
MAX_DEPTH = 64


class SettingsError(Exception):
    """A settings file we refuse to edit; the message says where and how to fix it."""


class SettingsChanged(SettingsError):
    """Another program changed the file while we edited it (twice): nothing written."""


class _Changed(Exception):
    """The file on disk is no longer the one we read (raised right before the rename)."""


class RawNumber(float):
    """A JSON number kept as the token the file holds, for the numbers a float or an
    int would not write back as they were (``1e999``, ``-1e999``, ``1.50``, ``-0``,
    integers too long for Python's int parser). Compares by token; its float value
    (``inf`` for ``1e999``) is there for readers such as ``cleanupPeriodDays``."""

    token: str

    def __new__(cls, token: str) -> RawNumber:
        try:
            value = float(token)
        except (ValueError, OverflowError):  # pragma: no cover - float() saturates to inf
            value = -math.inf if token.startswith("-") else math.inf
        obj = super().__new__(cls, value)
        obj.token = token
        return obj

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RawNumber) and self.token == other.token

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(("RawNumber", self.token))

    def __repr__(self) -> str:
        return f"RawNumber({self.token!r})"

    def __copy__(self) -> RawNumber:
        return self

    def __deepcopy__(self, _memo: Any) -> RawNumber:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (RawNumber, (self.token,))


def _parse_float(token: str) -> float:
    value = float(token)
    return value if math.isfinite(value) and float.__repr__(value) == token else RawNumber(token)


def _parse_int(token: str) -> int | float:
    try:
        value = int(token)
    except ValueError:  # longer than sys.get_int_max_str_digits()
        return RawNumber(token)
    return RawNumber(token) if token == "-0" else value  # the only int token str() changes


class _NotJson(Exception):
    def __init__(self, literal: str) -> None:
        super().__init__(literal)
        self.literal = literal


def _constant(literal: str) -> Any:
    raise _NotJson(literal)


_STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*"')


def _where_literal(text: str, literal: str) -> str:
    """``line L column C`` of the first ``literal`` outside a string, or ''."""
    spans = [m.span() for m in _STRING_RE.finditer(text)]
    for m in re.finditer(re.escape(literal), text):
        if not any(a <= m.start() < b for a, b in spans):
            line = text.count("\n", 0, m.start()) + 1
            col = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
            return f" at line {line} column {col}"
    return ""


def _depth(data: Any) -> int:
    """How deeply ``data`` nests (iteratively: a deep file must not exhaust the stack)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        node, d = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, d)
            if d > MAX_DEPTH:
                return d
            stack.extend((v, d + 1) for v in (node.values() if isinstance(node, dict) else node))
    return deepest


def is_ours(command: Any) -> bool:
    """A command we installed, from any version of tokenprint."""
    if not isinstance(command, str):
        return False
    if _MARKER_RE.search(command):
        return True
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    if not words:
        return False
    return os.path.basename(words[0]) in _OUR_PROGRAMS


def marked(command: str) -> str:
    return f"{command} {MARKER}"


def statusline_is_ours(value: Any) -> bool:
    """A ``statusLine`` object we installed (it carries the marker)."""
    command = value.get("command") if isinstance(value, dict) else None
    return isinstance(command, str) and bool(_MARKER_RE.search(command))


def is_our_server(entry: Any) -> bool:
    """An MCP server entry we installed: ``tokenprint mcp ...`` (any version, any path)."""
    if not isinstance(entry, dict):
        return False
    command, args = entry.get("command"), entry.get("args")
    return (isinstance(command, str) and os.path.basename(command) in _OUR_SERVER_PROGRAMS
            and isinstance(args, list) and args[:1] == ["mcp"])


def our_servers(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Name -> each MCP server entry of ours in ``data``."""
    servers = data.get(MCP_KEY)
    if not isinstance(servers, dict):
        return {}
    return {k: v for k, v in servers.items() if is_our_server(v)}


def has_ours(data: dict[str, Any]) -> bool:
    """Whether ``data`` holds anything we installed (a hook entry, the status line, an
    MCP server)."""
    return (bool(installed_hooks(data)) or statusline_is_ours(data.get(STATUSLINE_KEY))
            or bool(our_servers(data)))


# -- reading and writing ---------------------------------------------------------------


@dataclass
class Loaded:
    """A settings file as read: its data, its exact bytes (None if absent), its style."""

    path: Path
    data: dict[str, Any]
    raw: bytes | None
    indent: int | str = 2
    newline: bool = True
    crlf: bool = False
    #: ``json``, or ``jsonc`` (JSON with comments, edited by minimal text edits: ``hooks.jsonc``).
    dialect: str = "json"


def _indent_of(text: str) -> int | str:
    m = re.search(r"^[{\[]\s*\n([ \t]+)\S", text, re.MULTILINE)
    if not m:
        return 2
    ws = m.group(1)
    return "\t" if ws.startswith("\t") else len(ws)


DIALECTS = ("json", "jsonc")


def _check_dialect(dialect: str) -> None:
    if dialect not in DIALECTS:
        raise ValueError(f"unknown settings dialect {dialect!r}; expected one of {', '.join(DIALECTS)}")


def _parse_jsonc(path: Path, raw: bytes, text: str) -> Loaded:
    """A JSON-with-comments file (``hooks.jsonc``); refused as :func:`parse` refuses JSON."""
    from hooks import jsonc

    try:
        data = jsonc.parse(text, parse_float=_parse_float, parse_int=_parse_int).root.value
    except jsonc.JsoncError as exc:
        raise SettingsError(
            f"{path}: not valid JSON with comments: {exc}; left untouched (fix the file, then run this again)"
        ) from None
    if not isinstance(data, dict):
        raise SettingsError(
            f"{path}: the top level is a JSON {type(data).__name__}, expected an object; left untouched"
        )
    return Loaded(path, data, raw, _indent_of(text), text.endswith("\n"), "\r\n" in text, "jsonc")


def parse(path: Path, raw: bytes | None, dialect: str = "json") -> Loaded:
    """The settings in ``raw`` (None = no file = empty settings), read from ``path``.

    ``dialect``: ``json``, or ``jsonc`` (comments allowed, kept by every edit).
    Raises :class:`SettingsError`."""
    _check_dialect(dialect)
    if raw is None:
        return Loaded(path, {}, None, dialect=dialect)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{path}: not UTF-8 (byte {exc.start}); left untouched") from None
    if not text.strip():
        return Loaded(path, {}, raw, dialect=dialect)
    if dialect == "jsonc":
        return _parse_jsonc(path, raw, text)
    try:
        data = json.loads(text, parse_float=_parse_float, parse_int=_parse_int, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise SettingsError(
            f"{path}: not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}; "
            "left untouched (fix the file, then run this again)"
        ) from None
    except _NotJson as exc:
        raise SettingsError(
            f"{path}: not valid JSON{_where_literal(text, exc.literal)}: {exc.literal} is not a JSON "
            "value (write a number or a string); left untouched"
        ) from None
    except RecursionError:
        raise SettingsError(
            f"{path}: nested deeper than {MAX_DEPTH} levels; left untouched (is this a settings file?)"
        ) from None
    if _depth(data) > MAX_DEPTH:
        raise SettingsError(
            f"{path}: nested deeper than {MAX_DEPTH} levels; left untouched (is this a settings file?)"
        )
    if not isinstance(data, dict):
        raise SettingsError(
            f"{path}: the top level is a JSON {type(data).__name__}, expected an object; left untouched"
        )
    return Loaded(path, data, raw, _indent_of(text), text.endswith("\n"), "\r\n" in text)


def real_path(path: Path) -> Path:
    """The file ``path`` names: itself, or the end of its chain of symbolic links
    (relative ones resolved from their own folder). Raises :class:`SettingsError`
    for a link that leads nowhere."""
    if not os.path.islink(path):
        return path
    target = Path(os.path.realpath(path))
    if not os.path.exists(path):
        raise SettingsError(
            f"{path}: a symbolic link to {os.readlink(path)}, which does not exist (or links in a loop); "
            "left untouched (create the file it points to, or remove the link)"
        )
    return target


def _read(path: Path) -> bytes | None:
    try:
        return real_path(path).read_bytes()
    except FileNotFoundError:
        return None


def load(path: Path, dialect: str = "json") -> Loaded:
    """Read ``path`` through any symbolic link (absent = empty settings). Raises
    :class:`SettingsError`."""
    try:
        raw = _read(path)
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read: {exc.strerror}") from None
    return parse(path, raw, dialect)


def _encode(value: Any, indent: str, level: int, out: list[str]) -> None:
    """``json.dumps(value, indent=indent, ensure_ascii=False)``, with each
    :class:`RawNumber` written as its token."""
    if isinstance(value, RawNumber):
        out.append(value.token)
    elif value is True or value is False or value is None:
        out.append("true" if value is True else "false" if value is False else "null")
    elif isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} cannot be written as JSON")
        out.append(float.__repr__(value))
    elif isinstance(value, dict | list):
        if not value:
            out.append("{}" if isinstance(value, dict) else "[]")
            return
        inner = "\n" + indent * (level + 1)
        out.append("{" if isinstance(value, dict) else "[")
        items = value.items() if isinstance(value, dict) else ((None, v) for v in value)
        for i, (key, item) in enumerate(items):
            out.append(("," if i else "") + inner)
            if key is not None:
                out.append(json.dumps(key, ensure_ascii=False) + ": ")
            _encode(item, indent, level + 1, out)
        out.append("\n" + indent * level + ("}" if isinstance(value, dict) else "]"))
    else:
        raise TypeError(f"{type(value).__name__} is not JSON")


def _dumps_jsonc(loaded: Loaded, data: dict[str, Any]) -> bytes:
    """The file's own text edited into ``data`` by minimal text edits (``hooks.jsonc``):
    every byte outside the changed entries, comments included, is kept."""
    from hooks import jsonc

    assert loaded.raw is not None
    bom = loaded.raw.startswith(b"\xef\xbb\xbf")
    text = loaded.raw.decode("utf-8-sig")
    try:
        new = jsonc.update(text, data, parse_float=_parse_float, parse_int=_parse_int)
    except jsonc.JsoncError as exc:
        raise SettingsError(
            f"{loaded.path}: cannot be edited safely: {exc}; left untouched "
            "(add or remove the tokenprint hook entries by hand, or move that comment)"
        ) from None
    return (b"\xef\xbb\xbf" if bom else b"") + new.encode("utf-8")


def dumps(loaded: Loaded, data: dict[str, Any]) -> bytes:
    """``data`` serialised in the style of ``loaded`` (indent, final newline, CRLF);
    numbers as the tokens they were read from. A ``jsonc`` file with content is
    edited in place instead (:func:`_dumps_jsonc`)."""
    if loaded.dialect == "jsonc" and loaded.raw is not None and loaded.raw.decode("utf-8-sig").strip():
        return _dumps_jsonc(loaded, data)
    out: list[str] = []
    indent = loaded.indent if isinstance(loaded.indent, str) else " " * loaded.indent
    _encode(data, indent, 0, out)
    text = "".join(out)
    text += "\n" if loaded.newline else ""
    if loaded.crlf:
        text = text.replace("\n", "\r\n")  # JSON strings hold no raw newline
    return text.encode("utf-8")


def backup_dir(home: Path) -> Path:
    return home / "backups"


def _key(path: Path) -> str:
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
    return f"{path.name}.{digest}"


def _write_private(path: Path, content: bytes) -> None:
    """A file of ours in ``backups/``: 0600 in a 0700 folder, atomic, never partial."""
    private_dir(path.parent)
    atomic_write(path, content, PRIVATE_FILE)


#: Tests set this to run something (another program's write) right before the rename.
_before_replace_hook: Callable[[Path], None] | None = None

#: The mode of a settings file we create (an existing one keeps its own).
NEW_FILE_MODE = 0o644


def write_atomic(path: Path, content: bytes | None, home: Path, expected: Any = ...,
                 backup: bool = True) -> Path | None:
    """Replace the file ``path`` names (through symbolic links) by ``content`` (None:
    delete it) atomically, keeping its mode; returns the backup of its previous bytes
    (none with ``backup=False``: for a file that may hold a credential).

    With ``expected`` (the bytes we read, None for no file), nothing is written when
    the file no longer holds them right before the rename (raises ``_Changed``).
    Raises ``OSError`` (nothing changed, no temporary file, no new backup)."""
    real = real_path(path)
    old = _read(path)
    if expected is not ... and old != expected:
        raise _Changed
    try:
        mode = os.stat(real).st_mode & 0o7777
    except FileNotFoundError:
        mode = NEW_FILE_MODE & ~_umask()
    copy_path: Path | None = None
    if old is not None and backup:
        stamp = time.strftime("%Y%m%dT%H%M%S") + f"-{time.time_ns() % 1_000_000_000:09d}"
        copy_path = backup_dir(home) / f"{_key(path)}.{stamp}.bak"
        _write_private(copy_path, old)

    def still_ours(_tmp: Path | None = None) -> None:
        if _before_replace_hook is not None:
            _before_replace_hook(real)
        if expected is not ... and (real_path(path) != real or _read(path) != expected):
            raise _Changed

    try:
        if content is None:
            still_ours()
            real.unlink(missing_ok=True)
        else:
            real.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(real, content, mode, before_replace=still_ours)
    except BaseException:
        if copy_path is not None:
            copy_path.unlink(missing_ok=True)  # the file is as it was: its copy is not a backup
        raise
    return copy_path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def edit_lock(home: Path) -> Iterator[None]:
    """Serialise our own edits of settings files (two ``tokenprint hooks install`` at
    once). Clients do not lock their settings: the re-read before the rename covers
    them. A home where the lock cannot be made (read-only) is not locked: the write
    then fails there and says why."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    try:
        private_dir(backup_dir(home))
        fd = os.open(backup_dir(home) / ".edit.lock", os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
    except OSError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _edit(home: Path, path: Path, edit: Callable[[Loaded], str], dialect: str = "json") -> str:
    """Run ``edit`` on the file as read now; if another program changes the file before
    our write, run it once more on the new bytes, then refuse (never overwrite theirs)."""
    with edit_lock(home):
        for _attempt in range(2):
            loaded = load(path, dialect)
            try:
                return edit(loaded)
            except _Changed:
                continue
    raise SettingsChanged(
        f"{path}: another program changed this file while tokenprint edited it, twice; "
        "left as that program wrote it (run this again once it is done)"
    )


# -- the original, for an exact uninstall ---------------------------------------------

#: The snapshot every install shares; older versions kept one per kind of entry
#: (still read, so an uninstall after an upgrade is exact too).
_SNAPSHOT = "original"
_OLD_SNAPSHOTS = ("hooks", "statusline")


def _snapshot_path(home: Path, path: Path, what: str) -> Path:
    return backup_dir(home) / f"{_key(path)}.{what}.original"


def save_original(home: Path, loaded: Loaded) -> None:
    """Keep the bytes of a file that holds nothing of ours, before we install into it."""
    # A leading byte says whether the file existed: "-" alone is "there was no file"
    # (given back by deleting ours, never by writing 0 bytes); "+" then the bytes.
    blob = b"-" if loaded.raw is None else b"+" + loaded.raw
    _write_private(_snapshot_path(home, loaded.path, _SNAPSHOT), blob)
    for old in _OLD_SNAPSHOTS:
        _snapshot_path(home, loaded.path, old).unlink(missing_ok=True)


def _install(home: Path, loaded: Loaded, content: bytes) -> None:
    """Write ``content`` over a file we install into, saving its original first when it
    holds nothing of ours; a failed write leaves no saved original behind."""
    fresh = not has_ours(loaded.data)
    if fresh:
        save_original(home, loaded)
    try:
        write_atomic(loaded.path, content, home, expected=loaded.raw)
    except BaseException:
        if fresh:
            try:
                forget_originals(home, loaded.path)
            except OSError:
                pass
        raise


def originals(home: Path, path: Path, dialect: str = "json") -> list[Loaded]:
    """The file as it was before we first installed into it (the snapshots we kept,
    newest kind first; unreadable ones are skipped)."""
    out = []
    for what in (_SNAPSHOT, *_OLD_SNAPSHOTS):
        try:
            blob = _snapshot_path(home, path, what).read_bytes()
        except OSError:
            continue
        if blob != b"-" and blob[:1] != b"+":
            continue  # truncated (0 bytes) or not ours: never "restore" from it
        try:
            out.append(parse(path, None if blob == b"-" else blob[1:], dialect))
        except SettingsError:
            continue
    return out


def forget_originals(home: Path, path: Path) -> None:
    for what in (_SNAPSHOT, *_OLD_SNAPSHOTS):
        _snapshot_path(home, path, what).unlink(missing_ok=True)


def _canon(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` without empty hook groups, empty event lists and an empty ``hooks``:
    containers that mean nothing to the client (ours, emptied, or the user's)."""
    out = copy.deepcopy(data)
    if out.get(MCP_KEY) == {}:
        del out[MCP_KEY]
    hooks = out.get("hooks")
    if not isinstance(hooks, dict):
        return out
    for event in list(hooks):
        groups = hooks[event]
        if isinstance(groups, list):
            groups[:] = [g for g in groups if not (isinstance(g, dict) and g.get("hooks") == [])]
            if not groups:
                del hooks[event]
    if not hooks:
        del out["hooks"]
    return out


def _our_hook_entries(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Event -> the first entry of ours in it."""
    out: dict[str, dict[str, Any]] = {}
    hooks = data.get("hooks")
    for event, groups in (hooks.items() if isinstance(hooks, dict) else ()):
        for group in groups if isinstance(groups, list) else ():
            entries = group.get("hooks") if isinstance(group, dict) else None
            for h in entries if isinstance(entries, list) else ():
                if isinstance(h, dict) and is_ours(h.get("command")) and event not in out:
                    out[event] = h
    return out


def _replay(base: Loaded, target: dict[str, Any]) -> bytes | None | bool:
    """The bytes of ``base`` with the installs of ours that ``target`` holds replayed
    on them, when that says exactly what ``target`` says (None: no file); False when
    it does not (the user edited the file since)."""
    data = base.data
    for event, entry in _our_hook_entries(target).items():
        timeout = entry.get("timeout")
        data = with_hooks(data, [event], entry["command"], timeout if isinstance(timeout, int) else None)
    ours = target.get(STATUSLINE_KEY)
    if statusline_is_ours(ours):
        data = copy.deepcopy(data)
        data[STATUSLINE_KEY] = copy.deepcopy(ours)
    for name, server in our_servers(target).items():
        data = with_server(data, name, server)
    if _canon(data) != _canon(target):
        return False
    if data == base.data:
        return base.raw  # nothing of ours remains: the original, byte for byte
    return dumps(base, data)


def _replays_to(base: Loaded, loaded: Loaded) -> bool:
    """Whether ``loaded`` is exactly ``base`` with our entries replayed on it, byte for
    byte: for JSON with comments, equal data can still hide a comment the user added."""
    try:
        content = _replay(base, loaded.data)
    except SettingsError:
        return False
    return content == loaded.raw


def _write_without(home: Path, loaded: Loaded, target: dict[str, Any], fallback: dict[str, Any]) -> str:
    """Write the settings as ``target`` says (the file minus what is uninstalled):
    rebuilt from the original when it can be, else ``fallback`` (``target`` with the
    containers we emptied pruned) in the file's own style."""
    left = has_ours(target)
    for base in originals(home, loaded.path, loaded.dialect):
        if loaded.dialect == "jsonc" and not _replays_to(base, loaded):
            continue  # edited since (if only a comment): edit the file as it is now
        content = _replay(base, target)
        if content is False:
            continue
        assert not isinstance(content, bool)
        if content is None and os.path.islink(loaded.path):
            # the file we created is now a link (to the user's dotfiles): keep both,
            # without our entries
            break
        if content != loaded.raw:
            write_atomic(loaded.path, content, home, expected=loaded.raw)
        if left:
            return "removed our entries"
        forget_originals(home, loaded.path)
        return "removed the file we had created" if content is None else "restored the original content"
    content = dumps(loaded, fallback)
    if content != loaded.raw:
        write_atomic(loaded.path, content, home, expected=loaded.raw)
    if not left:
        forget_originals(home, loaded.path)
    return "removed our entries"


# -- hooks -----------------------------------------------------------------------------


def _check_shape(loaded: Loaded, events: list[str]) -> None:
    hooks = loaded.data.get("hooks")
    where = loaded.path
    if hooks is None:
        return
    if not isinstance(hooks, dict):
        raise SettingsError(
            f'{where}: "hooks" is a JSON {type(hooks).__name__}, expected an object '
            '(e.g. {"Stop": [...]}); left untouched'
        )
    for event in events:
        groups = hooks.get(event)
        if groups is None:
            continue
        if not isinstance(groups, list):
            raise SettingsError(
                f'{where}: "hooks.{event}" is a JSON {type(groups).__name__}, expected a list '
                "of matcher groups; left untouched"
            )
        for i, group in enumerate(groups):
            if not isinstance(group, dict) or not isinstance(group.get("hooks", []), list):
                raise SettingsError(
                    f'{where}: "hooks.{event}[{i}]" is not a matcher group '
                    '({"hooks": [{"type": "command", "command": "..."}]}); left untouched'
                )


def _without_ours(data: dict[str, Any], events: list[str], prune: bool) -> dict[str, Any]:
    out = copy.deepcopy(data)
    hooks = out.get("hooks")
    if not isinstance(hooks, dict):
        return out
    for event in list(hooks):
        groups = hooks.get(event)
        if not isinstance(groups, list):
            continue
        kept_groups = []
        for group in groups:
            if not isinstance(group, dict) or not isinstance(group.get("hooks"), list):
                kept_groups.append(group)
                continue
            entries = group["hooks"]
            kept = [h for h in entries if not (isinstance(h, dict) and is_ours(h.get("command")))]
            if len(kept) == len(entries):
                kept_groups.append(group)
            elif kept or not prune:
                kept_groups.append({**group, "hooks": kept})
        if len(kept_groups) == len(groups) and kept_groups == groups:
            continue
        if kept_groups or not prune:
            hooks[event] = kept_groups
        else:
            del hooks[event]
    if prune and not hooks and "hooks" in data and data["hooks"] != {}:
        del out["hooks"]
    return out


def our_group(command: str, timeout: int | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"type": "command", "command": command}
    if timeout is not None:
        entry["timeout"] = timeout
    return {"hooks": [entry]}


def with_hooks(
    data: dict[str, Any], events: list[str], command: str, timeout: int | None
) -> dict[str, Any]:
    """``data`` with exactly one entry of ours per event, set to ``command``.

    An entry of ours already in place is updated where it is (a later install does
    not move it); duplicates of ours are dropped; foreign entries are untouched.
    """
    out = copy.deepcopy(data)
    hooks = out.setdefault("hooks", {})
    for event in events:
        groups = hooks.setdefault(event, [])
        placed = False
        new_groups = []
        for group in groups:
            entries = group.get("hooks") if isinstance(group, dict) else None
            if not isinstance(entries, list):
                new_groups.append(group)
                continue
            new_entries = []
            for h in entries:
                if isinstance(h, dict) and is_ours(h.get("command")):
                    if placed:
                        continue
                    h = {**h, "type": "command", "command": command}
                    if timeout is not None:
                        h["timeout"] = timeout
                    placed = True
                new_entries.append(h)
            if new_entries or not entries:
                new_groups.append({**group, "hooks": new_entries})
        if not placed:
            new_groups.append(our_group(command, timeout))
        hooks[event] = new_groups
    return out


def installed_hooks(data: dict[str, Any]) -> dict[str, list[str]]:
    """Event -> our commands in it."""
    out: dict[str, list[str]] = {}
    hooks = data.get("hooks")
    if not isinstance(hooks, dict):
        return out
    for event, groups in hooks.items():
        if not isinstance(groups, list):
            continue
        for group in groups:
            entries = group.get("hooks") if isinstance(group, dict) else None
            for h in entries if isinstance(entries, list) else []:
                if isinstance(h, dict) and is_ours(h.get("command")):
                    out.setdefault(event, []).append(h["command"])
    return out


def install_hooks(
    home: Path, path: Path, events: list[str], command: str, timeout: int | None = 10,
    dialect: str = "json",
) -> str:
    """Add (or update) our hook entries in ``path``. Returns what was done.

    ``dialect="jsonc"``: a file with comments, edited by minimal text edits (every
    comment and blank line outside our entries kept byte for byte); one that cannot
    be edited so is refused (:class:`SettingsError`) and left untouched."""
    _check_dialect(dialect)
    return _edit(home, path, lambda loaded: _install_hooks(home, loaded, events, command, timeout), dialect)


def _install_hooks(home: Path, loaded: Loaded, events: list[str], command: str, timeout: int | None) -> str:
    _check_shape(loaded, events)
    new = with_hooks(loaded.data, events, command, timeout)
    if new == loaded.data and loaded.raw is not None:
        return "already installed"
    _install(home, loaded, dumps(loaded, new))
    return "installed"


def uninstall_hooks(home: Path, path: Path, events: list[str], dialect: str = "json") -> str:
    _check_dialect(dialect)
    return _edit(home, path, lambda loaded: _uninstall_hooks(home, loaded, events), dialect)


def _uninstall_hooks(home: Path, loaded: Loaded, events: list[str]) -> str:
    path = loaded.path
    if loaded.raw is None:
        return "nothing installed (no settings file)"
    _check_shape(loaded, events)
    if not installed_hooks(loaded.data):
        if not has_ours(loaded.data):
            forget_originals(home, path)
        return "nothing installed"
    target = _without_ours(loaded.data, events, prune=False)
    return _write_without(home, loaded, target, _without_ours(loaded.data, events, prune=True))


# -- status line -----------------------------------------------------------------------


def _then_of(command: str) -> str | None:
    """The previous status line command ours runs (its ``--then`` argument), if any."""
    try:
        words = shlex.split(command, comments=True)
    except ValueError:
        return None
    if "--then" in words[1:]:
        i = words.index("--then", 1)
        return words[i + 1] if i + 1 < len(words) else None
    return None


def install_statusline(
    home: Path, path: Path, make_command: Callable[[str | None], str]
) -> str:
    """Point ``statusLine`` at us; an existing command stays reachable through us
    (``make_command(previous_command)`` builds ours, e.g. with ``--then``)."""
    return _edit(home, path, lambda loaded: _install_statusline(home, loaded, make_command))


def _install_statusline(home: Path, loaded: Loaded, make_command: Callable[[str | None], str]) -> str:
    current = loaded.data.get(STATUSLINE_KEY)
    if current is not None and not isinstance(current, dict):
        raise SettingsError(
            f'{loaded.path}: "statusLine" is a JSON {type(current).__name__}, expected an '
            "object; left untouched"
        )
    previous: str | None = None
    if isinstance(current, dict) and statusline_is_ours(current):
        previous = _then_of(current["command"])
    elif isinstance(current, dict) and isinstance(current.get("command"), str):
        previous = current["command"]
    new = copy.deepcopy(loaded.data)
    entry = dict(current) if isinstance(current, dict) else {}
    entry.update({"type": "command", "command": make_command(previous)})
    entry.setdefault("padding", 0)
    new[STATUSLINE_KEY] = entry
    if new == loaded.data and loaded.raw is not None:
        return "already installed"
    _install(home, loaded, dumps(loaded, new))
    return "installed" + (" (the previous status line is shown after ours)" if previous else "")


def _previous_statusline(home: Path, path: Path, ours: dict[str, Any]) -> Any:
    """What ``statusLine`` was before ours replaced it (None: there was none): the
    original's when ours wraps its command, else rebuilt from ours' ``--then``."""
    previous = _then_of(ours["command"])
    for base in originals(home, path):
        before = base.data.get(STATUSLINE_KEY)
        command = before.get("command") if isinstance(before, dict) else None
        if (command if isinstance(command, str) else None) == previous:
            return copy.deepcopy(before)
    if previous is None:
        return None
    return {**ours, "command": previous}


def uninstall_statusline(home: Path, path: Path) -> str:
    return _edit(home, path, lambda loaded: _uninstall_statusline(home, loaded))


def _uninstall_statusline(home: Path, loaded: Loaded) -> str:
    path = loaded.path
    current = loaded.data.get(STATUSLINE_KEY)
    if not isinstance(current, dict) or not statusline_is_ours(current):
        if not has_ours(loaded.data):
            forget_originals(home, path)
        return "nothing installed"
    target = copy.deepcopy(loaded.data)
    before = _previous_statusline(home, path, current)
    if before is None:
        target.pop(STATUSLINE_KEY, None)
    else:
        target[STATUSLINE_KEY] = before
    return _write_without(home, loaded, target, target)


# -- MCP servers -----------------------------------------------------------------------


def check_servers(loaded: Loaded, name: str) -> None:
    """Refuse a file whose ``mcpServers`` is not an object, or that holds a server
    ``name`` that is not ours (:class:`SettingsError`)."""
    servers = loaded.data.get(MCP_KEY)
    if servers is None:
        return
    if not isinstance(servers, dict):
        raise SettingsError(
            f'{loaded.path}: "{MCP_KEY}" is a JSON {type(servers).__name__}, expected an object '
            '(e.g. {"name": {"command": "..."}}); left untouched'
        )
    if name in servers and not is_our_server(servers[name]):
        raise SettingsError(
            f'{loaded.path}: an MCP server named "{name}" that tokenprint did not write is there; '
            f'left untouched (remove or rename "{MCP_KEY}.{name}", then run this again)'
        )


def with_server(data: dict[str, Any], name: str, entry: dict[str, Any]) -> dict[str, Any]:
    """``data`` with server ``name`` set to ``entry`` (in place when it is there)."""
    out = copy.deepcopy(data)
    servers = out.get(MCP_KEY)
    if not isinstance(servers, dict):
        servers = out[MCP_KEY] = {}
    servers[name] = copy.deepcopy(entry)
    return out


#: Without copies: what our first install created (``file``, or the ``mcpServers`` key),
#: so that uninstall removes it again; a name, never the file's content.
_CREATED = "created"


def install_server(home: Path, path: Path, name: str, entry: dict[str, Any], dialect: str = "json",
                   copies: bool = True) -> str:
    """Add (or update) our MCP server ``name`` in ``path``. Returns what was done.

    ``copies=False``, for a file that may hold a credential (Claude Code's
    ``~/.claude.json`` keeps ``primaryApiKey`` after a Console login): no backup and
    no saved original; only what our install created is remembered (the file, or the
    ``mcpServers`` key), and uninstall removes our entry in the file's own style
    (byte for byte the original for a file written as ``JSON.stringify(data, null, 2)``)."""
    _check_dialect(dialect)
    return _edit(home, path, lambda loaded: _install_server(home, loaded, name, entry, copies), dialect)


def _install_server(home: Path, loaded: Loaded, name: str, entry: dict[str, Any], copies: bool) -> str:
    check_servers(loaded, name)
    new = with_server(loaded.data, name, entry)
    if new == loaded.data and loaded.raw is not None:
        return "already installed"
    content = dumps(loaded, new)
    if copies:
        _install(home, loaded, content)
        return "installed"
    created = _snapshot_path(home, loaded.path, _CREATED)
    fresh = not has_ours(loaded.data)
    if fresh:
        what = b"file" if loaded.raw is None else (b"key" if MCP_KEY not in loaded.data else b"")
        _write_private(created, what)
    try:
        write_atomic(loaded.path, content, home, expected=loaded.raw, backup=False)
    except BaseException:
        if fresh:
            created.unlink(missing_ok=True)
        raise
    return "installed"


def uninstall_server(home: Path, path: Path, name: str, dialect: str = "json", copies: bool = True) -> str:
    """Remove our MCP server ``name`` from ``path``, and only it (``copies``: as for
    :func:`install_server`)."""
    _check_dialect(dialect)
    return _edit(home, path, lambda loaded: _uninstall_server(home, loaded, name, copies), dialect)


def _uninstall_server(home: Path, loaded: Loaded, name: str, copies: bool) -> str:
    created = _snapshot_path(home, loaded.path, _CREATED)
    if loaded.raw is None:
        return "nothing installed (no settings file)"
    check_servers(loaded, name)
    if name not in our_servers(loaded.data):
        if not has_ours(loaded.data):
            forget_originals(home, loaded.path)
            created.unlink(missing_ok=True)
        return "nothing installed"
    target = copy.deepcopy(loaded.data)
    del target[MCP_KEY][name]
    fallback = copy.deepcopy(target)
    if fallback[MCP_KEY] == {}:
        del fallback[MCP_KEY]
    if copies:
        return _write_without(home, loaded, target, fallback)
    try:
        made = created.read_bytes()
    except OSError:
        made = b""
    left = has_ours(target)
    if not left and made in (b"file", b"key") and target[MCP_KEY] == {}:
        target = fallback
    content: bytes | None = dumps(loaded, target)
    what = "removed our entries"
    if not left and made == b"file" and target == {}:
        content, what = None, "removed the file we had created"
    write_atomic(loaded.path, content, home, expected=loaded.raw, backup=False)
    if not left:
        created.unlink(missing_ok=True)
    return what
