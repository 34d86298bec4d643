"""Reversible edits of a client's JSON settings file (hooks, status line).

Standard library only. Follows pre-commit's installer, and goes further:

- every entry we add carries an ownership marker (a trailing shell comment
  ``# tokenprint-managed``), and :func:`is_ours` also recognises entries of older
  versions (any command whose program is ``tokenprint-hook``), so we can update
  or remove our own entries from any version and never touch anyone else's;
- installing twice gives the same bytes (an unchanged file is not even written);
- uninstalling removes only our entries; when nothing else changed since the
  install, the original bytes come back exactly (from a snapshot taken at the
  first install), else the file is written without our entries, in its own
  indentation, with foreign hooks and unknown keys untouched;
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


# -- reading and writing ---------------------------------------------------------------


@dataclass
class Loaded:
    """A settings file as read: its data, its exact bytes (None if absent), its style."""

    path: Path
    data: dict[str, Any]
    raw: bytes | None
    indent: int | str = 2
    newline: bool = True


def _indent_of(text: str) -> int | str:
    m = re.search(r"^[{\[]\s*\n([ \t]+)\S", text, re.MULTILINE)
    if not m:
        return 2
    ws = m.group(1)
    return "\t" if ws.startswith("\t") else len(ws)


def load(path: Path) -> Loaded:
    """Read ``path`` (absent = empty settings). Raises :class:`SettingsError`."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Loaded(path, {}, None)
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read: {exc.strerror}") from None
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
    return Loaded(path, data, raw, _indent_of(text), text.endswith("\n"))


def dumps(loaded: Loaded, data: dict[str, Any]) -> bytes:
    text = json.dumps(data, indent=loaded.indent, ensure_ascii=False)
    return (text + ("\n" if loaded.newline else "")).encode("utf-8")


def backup_dir(home: Path) -> Path:
    return home / "backups"


def _key(path: Path) -> str:
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
    return f"{path.name}.{digest}"


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
        bdir = backup_dir(home)
        bdir.mkdir(parents=True, exist_ok=True, mode=0o700)
        stamp = time.strftime("%Y%m%dT%H%M%S") + f"-{time.time_ns() % 1_000_000_000:09d}"
        backup = bdir / f"{_key(path)}.{stamp}.bak"
        backup.write_bytes(old)
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


def _snapshot_path(home: Path, path: Path, what: str) -> Path:
    return backup_dir(home) / f"{_key(path)}.{what}.original"


def save_original(home: Path, loaded: Loaded, what: str) -> None:
    """Keep the bytes as they were before our first install (once)."""
    snap = _snapshot_path(home, loaded.path, what)
    if snap.exists():
        return
    snap.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # A leading byte says whether the file existed.
    snap.write_bytes(b"-" if loaded.raw is None else b"+" + loaded.raw)


def original(home: Path, path: Path, what: str) -> tuple[bool, bytes | None] | None:
    """(existed, bytes) of the file before our first install, if we kept it."""
    try:
        blob = _snapshot_path(home, path, what).read_bytes()
    except OSError:
        return None
    if blob[:1] == b"-":
        return False, None
    return True, blob[1:]


def forget_original(home: Path, path: Path, what: str) -> None:
    _snapshot_path(home, path, what).unlink(missing_ok=True)


def restore_or_write(
    home: Path,
    loaded: Loaded,
    stripped: dict[str, Any],
    like: Callable[[Any], Any] | None,
    what: str,
) -> str:
    """Write the settings without our entries: the original bytes when they say the
    same. ``stripped`` is pruned of the containers we emptied; ``like(before)``
    prunes only those the original did not have (an original ``"hooks": {}``)."""
    snap = original(home, loaded.path, what)
    if snap is not None:
        existed, raw = snap
        if not existed and not stripped:
            write_atomic(loaded.path, None, home)
            forget_original(home, loaded.path, what)
            return "removed the file we had created"
        if existed and raw is not None:
            try:
                before = json.loads(raw.decode("utf-8-sig")) if raw.strip() else {}
            except (ValueError, UnicodeDecodeError):
                before = None
            if before == stripped or (like is not None and before == like(before)):
                if raw != loaded.raw:
                    write_atomic(loaded.path, raw, home)
                forget_original(home, loaded.path, what)
                return "restored the original content"
    content = dumps(loaded, stripped)
    if content != loaded.raw:
        write_atomic(loaded.path, content, home)
    forget_original(home, loaded.path, what)
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
    if not installed_hooks(loaded.data):
        save_original(home, loaded, "hooks")
    new = with_hooks(loaded.data, events, command, timeout)
    if new == loaded.data and loaded.raw is not None:
        return "already installed"
    write_atomic(path, dumps(loaded, new), home)
    return "installed"


def uninstall_hooks(home: Path, path: Path, events: list[str]) -> str:
    loaded = load(path)
    if loaded.raw is None:
        return "nothing installed (no settings file)"
    _check_shape(loaded, events)
    if not installed_hooks(loaded.data):
        forget_original(home, path, "hooks")
        return "nothing installed"
    stripped = _without_ours(loaded.data, events, prune=True)
    unpruned = _without_ours(loaded.data, events, prune=False)

    def like(before: Any) -> Any:
        return _prune_like(unpruned, before)

    return restore_or_write(home, loaded, stripped, like, "hooks")


def _prune_like(data: dict[str, Any], before: Any) -> dict[str, Any]:
    """``data`` without the empty hook lists and groups that ``before`` did not have."""
    out = copy.deepcopy(data)
    hooks = out.get("hooks")
    old = before.get("hooks") if isinstance(before, dict) else None
    old = old if isinstance(old, dict) else {}
    if isinstance(hooks, dict):
        for event in list(hooks):
            groups = hooks[event]
            if isinstance(groups, list):
                old_groups = old.get(event)
                n_old = len(old_groups) if isinstance(old_groups, list) else 0
                groups[:] = [g for i, g in enumerate(groups)
                             if not (isinstance(g, dict) and g.get("hooks") == [] and i >= n_old)]
                if not groups and event not in old:
                    del hooks[event]
        if not hooks and not (isinstance(before, dict) and "hooks" in before):
            del out["hooks"]
    return out


# -- status line -----------------------------------------------------------------------

STATUSLINE_KEY = "statusLine"


def statusline_is_ours(value: Any) -> bool:
    """A ``statusLine`` object we installed (it carries the marker)."""
    command = value.get("command") if isinstance(value, dict) else None
    return isinstance(command, str) and bool(_MARKER_RE.search(command))


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
    if statusline_is_ours(current):
        kept = original(home, path, "statusline")
        if kept is not None and kept[0] and kept[1] is not None:
            try:
                before = json.loads(kept[1].decode("utf-8-sig") or "{}").get(STATUSLINE_KEY)
            except (ValueError, AttributeError, UnicodeDecodeError):
                before = None
            if isinstance(before, dict) and isinstance(before.get("command"), str):
                previous = before["command"]
    else:
        save_original(home, loaded, "statusline")
        if isinstance(current, dict) and isinstance(current.get("command"), str):
            previous = current["command"]
    new = copy.deepcopy(loaded.data)
    entry = dict(current) if isinstance(current, dict) else {}
    entry.update({"type": "command", "command": make_command(previous)})
    entry.setdefault("padding", 0)
    new[STATUSLINE_KEY] = entry
    if new == loaded.data and loaded.raw is not None:
        return "already installed"
    write_atomic(path, dumps(loaded, new), home)
    return "installed" + (" (the previous status line is shown after ours)" if previous else "")


def uninstall_statusline(home: Path, path: Path) -> str:
    loaded = load(path)
    current = loaded.data.get(STATUSLINE_KEY)
    if not statusline_is_ours(current):
        forget_original(home, path, "statusline")
        return "nothing installed"
    kept = original(home, path, "statusline")
    before_value: Any = None
    if kept is not None and kept[0] and kept[1] is not None:
        try:
            before_value = (json.loads(kept[1].decode("utf-8-sig") or "{}")).get(STATUSLINE_KEY)
        except (ValueError, AttributeError, UnicodeDecodeError):
            before_value = None
    stripped = copy.deepcopy(loaded.data)
    if before_value is None:
        stripped.pop(STATUSLINE_KEY, None)
    else:
        stripped[STATUSLINE_KEY] = before_value
    return restore_or_write(home, loaded, stripped, None, "statusline")
