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
- every write goes to a temporary file in the same folder, is flushed to disk and
  renamed over the original (atomic), after copying the previous bytes to a
  timestamped backup in ``$TOKENPRINT_HOME/backups/``.

The shape is Claude Code's (``{"hooks": {"Stop": [{"hooks": [{"type": "command",
"command": ..., "timeout": ...}]}]}}``), which Gemini CLI and Codex's hooks.json share.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MARKER = "# tokenprint-managed"
_MARKER_RE = re.compile(r"#\s*tokenprint-managed\b")
_OUR_PROGRAMS = {"tokenprint-hook", "tokenprint-hook.exe"}
STATUSLINE_KEY = "statusLine"


class SettingsError(Exception):
    """A settings file we refuse to edit; the message says where and how to fix it."""


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


def has_ours(data: dict[str, Any]) -> bool:
    """Whether ``data`` holds anything we installed (a hook entry or the status line)."""
    return bool(installed_hooks(data)) or statusline_is_ours(data.get(STATUSLINE_KEY))


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


def _indent_of(text: str) -> int | str:
    m = re.search(r"^[{\[]\s*\n([ \t]+)\S", text, re.MULTILINE)
    if not m:
        return 2
    ws = m.group(1)
    return "\t" if ws.startswith("\t") else len(ws)


def parse(path: Path, raw: bytes | None) -> Loaded:
    """The settings in ``raw`` (None = no file = empty settings), read from ``path``.

    Raises :class:`SettingsError`."""
    if raw is None:
        return Loaded(path, {}, None)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{path}: not UTF-8 (byte {exc.start}); left untouched") from None
    if not text.strip():
        return Loaded(path, {}, raw)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SettingsError(
            f"{path}: not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}; "
            "left untouched (fix the file, then run this again)"
        ) from None
    if not isinstance(data, dict):
        raise SettingsError(
            f"{path}: the top level is a JSON {type(data).__name__}, expected an object; left untouched"
        )
    return Loaded(path, data, raw, _indent_of(text), text.endswith("\n"), "\r\n" in text)


def load(path: Path) -> Loaded:
    """Read ``path`` (absent = empty settings). Raises :class:`SettingsError`."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raw = None
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read: {exc.strerror}") from None
    return parse(path, raw)


def dumps(loaded: Loaded, data: dict[str, Any]) -> bytes:
    """``data`` serialised in the style of ``loaded`` (indent, final newline, CRLF)."""
    text = json.dumps(data, indent=loaded.indent, ensure_ascii=False)
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
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, content)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic(path: Path, content: bytes | None, home: Path) -> Path | None:
    """Replace ``path`` by ``content`` (None: delete it) atomically; returns the backup."""
    backup: Path | None = None
    mode = 0o644
    try:
        old = path.read_bytes()
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        old = None
    if old is not None:
        stamp = time.strftime("%Y%m%dT%H%M%S") + f"-{time.time_ns() % 1_000_000_000:09d}"
        backup = backup_dir(home) / f"{_key(path)}.{stamp}.bak"
        _write_private(backup, old)
    if content is None:
        path.unlink(missing_ok=True)
        return backup
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tokenprint-{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        try:
            os.write(fd, content)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return backup


# -- the original, for an exact uninstall ---------------------------------------------

#: The snapshot every install shares; older versions kept one per kind of entry
#: (still read, so an uninstall after an upgrade is exact too).
_SNAPSHOT = "original"
_OLD_SNAPSHOTS = ("hooks", "statusline")


def _snapshot_path(home: Path, path: Path, what: str) -> Path:
    return backup_dir(home) / f"{_key(path)}.{what}.original"


def save_original(home: Path, loaded: Loaded) -> None:
    """Keep the bytes of a file that holds nothing of ours, before we install into it."""
    # A leading byte says whether the file existed.
    blob = b"-" if loaded.raw is None else b"+" + loaded.raw
    _write_private(_snapshot_path(home, loaded.path, _SNAPSHOT), blob)
    for old in _OLD_SNAPSHOTS:
        _snapshot_path(home, loaded.path, old).unlink(missing_ok=True)


def originals(home: Path, path: Path) -> list[Loaded]:
    """The file as it was before we first installed into it (the snapshots we kept,
    newest kind first; unreadable ones are skipped)."""
    out = []
    for what in (_SNAPSHOT, *_OLD_SNAPSHOTS):
        try:
            blob = _snapshot_path(home, path, what).read_bytes()
        except OSError:
            continue
        try:
            out.append(parse(path, None if blob[:1] == b"-" else blob[1:]))
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
    if _canon(data) != _canon(target):
        return False
    if data == base.data:
        return base.raw  # nothing of ours remains: the original, byte for byte
    return dumps(base, data)


def _write_without(home: Path, loaded: Loaded, target: dict[str, Any], fallback: dict[str, Any]) -> str:
    """Write the settings as ``target`` says (the file minus what is uninstalled):
    rebuilt from the original when it can be, else ``fallback`` (``target`` with the
    containers we emptied pruned) in the file's own style."""
    left = has_ours(target)
    for base in originals(home, loaded.path):
        content = _replay(base, target)
        if content is False:
            continue
        assert not isinstance(content, bool)
        if content != loaded.raw:
            write_atomic(loaded.path, content, home)
        if left:
            return "removed our entries"
        forget_originals(home, loaded.path)
        return "removed the file we had created" if content is None else "restored the original content"
    content = dumps(loaded, fallback)
    if content != loaded.raw:
        write_atomic(loaded.path, content, home)
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
    home: Path, path: Path, events: list[str], command: str, timeout: int | None = 10
) -> str:
    """Add (or update) our hook entries in ``path``. Returns what was done."""
    loaded = load(path)
    _check_shape(loaded, events)
    new = with_hooks(loaded.data, events, command, timeout)
    if new == loaded.data and loaded.raw is not None:
        return "already installed"
    if not has_ours(loaded.data):
        save_original(home, loaded)
    write_atomic(path, dumps(loaded, new), home)
    return "installed"


def uninstall_hooks(home: Path, path: Path, events: list[str]) -> str:
    loaded = load(path)
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
    loaded = load(path)
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
    if not has_ours(loaded.data):
        save_original(home, loaded)
    write_atomic(path, dumps(loaded, new), home)
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
    loaded = load(path)
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
