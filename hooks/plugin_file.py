"""A target that is a file of ours dropped in a client's folder (an opencode plugin).

Standard library only (adapters declare their targets at import, and the hook
imports adapters). It keeps the ``hooks.targets`` contract:

- install writes our file (the client's template from ``plugins/<client>/``, the
  hook command embedded as a JSON list on one line, and the ownership marker as its
  first line); twice gives the same bytes and says ``already installed``; a newer
  template or another command replaces it (``updated``);
- a file of the same name that is not ours (no marker) is refused with a
  :class:`~hooks.installer.SettingsError` saying what to do, and left untouched;
- uninstall removes our file and only ours (the folder and whatever else is in it,
  such as the user's own plugins, stay);
- status says installed, outdated (the file differs from what we would write for the
  command it holds) or missing;
- writes are atomic, with a backup of the bytes replaced (``hooks.installer.write_atomic``),
  under our edit lock.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the hook imports this module: hooks.targets only when a status is asked
    from hooks.targets import TargetStatus

#: The first line of every file of ours (any comment syntax around it).
MARKER = "tokenprint-managed"
#: The template's line that holds the hook command, as a JSON array of strings
#: (``const ARGV = ["tokenprint-hook", "opencode"] // tokenprint-argv``): the array
#: is replaced by the command being installed.
ARGV_TAG = "tokenprint-argv"


def is_ours(raw: bytes | None) -> bool:
    """The file's first line carries our marker."""
    if raw is None:
        return False
    first = raw.split(b"\n", 1)[0]
    return MARKER.encode() in first


def argv_of(raw: bytes) -> list[str] | None:
    """The hook command embedded in a file of ours (None when it cannot be found)."""
    for line in raw.decode("utf-8", "replace").splitlines():
        if ARGV_TAG in line and "[" in line:
            text = line[line.index("[") : line.rindex("]") + 1]
            try:
                value = json.loads(text)
            except ValueError:
                return None
            if isinstance(value, list) and all(isinstance(w, str) for w in value):
                return value
            return None
    return None


@dataclass(frozen=True)
class PluginFile:
    """Our file ``name`` in a folder of the client's (``plugin_path(scope, env, cwd)``)."""

    name: str
    template: Callable[[], str]
    plugin_path: Callable[..., Path]
    scopes: tuple[str, ...]
    kind: str = "plugin"
    comment: str = "//"

    def path(self, scope: str, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
        if scope not in self.scopes:
            raise ValueError(f"unknown scope {scope!r}; expected one of {', '.join(self.scopes)}")
        return self.plugin_path(scope, env=env, cwd=cwd)

    def render(self, argv: list[str]) -> bytes:
        """The bytes we write for the hook command ``argv``."""
        lines = self.template().splitlines(keepends=True)
        for i, line in enumerate(lines):
            if ARGV_TAG in line and "[" in line and "]" in line:
                a, b = line.index("["), line.rindex("]") + 1
                lines[i] = line[:a] + json.dumps(list(argv), ensure_ascii=False) + line[b:]
                break
        else:
            raise ValueError(f"the {self.name} template has no '{ARGV_TAG}' line")
        body = "".join(lines)
        head = (f"{self.comment} {MARKER}: written by `tokenprint hooks install`; "
                f"`tokenprint hooks uninstall` removes it (edits are replaced)\n")
        return (head + body).encode("utf-8")

    def _read(self, path: Path) -> bytes | None:
        from hooks.installer import _read

        return _read(path)

    def install(self, home: Path, scope: str, argv: list[str]) -> str:
        from hooks.installer import (
            SettingsChanged,
            SettingsError,
            _Changed,
            edit_lock,
            write_atomic,
        )

        path = self.path(scope)
        content = self.render(argv)
        with edit_lock(home):
            for _attempt in range(2):
                old = self._read(path)
                if old is not None and not is_ours(old):
                    raise SettingsError(
                        f"{path}: a file of this name is already there and is not tokenprint's "
                        f"(its first line has no '{MARKER}' marker); left untouched. Rename or remove "
                        "it, then run `tokenprint hooks install` again"
                    )
                if old == content:
                    return "already installed"
                try:
                    write_atomic(path, content, home, expected=old)
                except _Changed:
                    continue
                return "installed" if old is None else "updated"
        raise SettingsChanged(f"{path}: another program changed this file while tokenprint wrote it, twice; "
                              "left as that program wrote it (run this again once it is done)")

    def uninstall(self, home: Path, scope: str) -> str:
        from hooks.installer import SettingsError, _Changed, edit_lock, write_atomic

        path = self.path(scope)
        with edit_lock(home):
            old = self._read(path)
            if old is None:
                return "nothing installed"
            if not is_ours(old):
                raise SettingsError(f"{path}: not tokenprint's (no '{MARKER}' marker on its first line); "
                                    "left untouched")
            try:
                write_atomic(path, None, home, expected=old)
            except _Changed:
                raise SettingsError(f"{path}: changed while tokenprint removed it; left as it is now") from None
        return "removed our plugin"

    def status(self, home: Path, scope: str) -> TargetStatus:
        from hooks.targets import TargetStatus

        path = self.path(scope)
        try:
            raw = self._read(path)
        except OSError as exc:
            return TargetStatus(path, scope, self.kind, [], [], [], problem=f"{path}: {exc.strerror or exc}")
        if raw is None:
            return TargetStatus(path, scope, self.kind, [], [], [])
        if not is_ours(raw):
            return TargetStatus(path, scope, self.kind, [], [], [],
                                notes=[f"{path} is not tokenprint's (no marker): it is left alone"])
        argv = argv_of(raw)
        if argv is None:
            return TargetStatus(path, scope, self.kind, ["plugin"], [], [],
                                notes=["outdated: the hook command cannot be read; run `tokenprint hooks install`"])
        import shlex

        st = TargetStatus(path, scope, self.kind, ["plugin"], [], [shlex.join(argv)])
        try:
            expected = self.render(argv)
        except (OSError, ValueError):
            expected = raw
        if expected != raw:
            st.notes.append("outdated: it differs from what this version writes; run `tokenprint hooks install`")
        return st

    def applies(self, env: Mapping[str, str] | None = None) -> bool:
        return True

    def describe(self) -> str:
        return f"the {self.name} plugin"

    def state(self, home: Path, scope: str) -> str:
        """``installed``, ``outdated`` or ``missing`` (``foreign``: a file of that name not ours)."""
        st = self.status(home, scope)
        if not st.installed:
            return "foreign" if st.notes else "missing"
        return "outdated" if any(n.startswith("outdated") for n in st.notes) else "installed"
