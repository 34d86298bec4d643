"""Reversible edits of a TOML config file (installer side only: never on the hook path).

The module imports the standard library only; ``tomlkit`` is imported when a file
is edited or read, so an adapter can declare a :class:`NotifyTarget` in ``INSTALL``
and still be imported by ``tokenprint-hook``.

:class:`NotifyTarget` points a top-level argv key (Codex's ``notify = ["prog",
"arg"]`` in ``config.toml``) at our hook. The rules are those of
``hooks.installer`` for JSON settings:

- ``tomlkit`` keeps every comment, blank line and the order of the file byte for
  byte; only the one key changes;
- a user's existing program is kept: our argv carries it as ``--then-argv '<JSON
  list>'``, and ``tokenprint-hook`` starts it first with the same payload
  (``hooks.entry``). Uninstall puts it back as it was;
- installing twice gives the same bytes (the second says ``already installed``);
- the first install into a file that holds nothing of ours saves its exact bytes
  (``hooks.installer.save_original``); uninstall writes them back when the file is
  still exactly what our install made of them, else removes our value only (and puts
  the user's previous program back), keeping the user's later edits;
- a file ``tomlkit`` cannot parse, or whose key is not a list of strings, is
  refused with a :class:`hooks.installer.SettingsError` (what, where, what to do)
  and left untouched;
- writes are atomic with a backup (``hooks.installer.write_atomic``), serialised
  by ``hooks.installer.edit_lock``, and redone once (then refused) when another
  program changes the file under us.
"""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hooks.targets import TargetStatus

if TYPE_CHECKING:
    from types import ModuleType


def _installer() -> ModuleType:
    """``hooks.installer``, imported when a file is edited (not when an adapter is)."""
    from hooks import installer

    return installer

#: The option of our hook that carries the program it replaced (a JSON list).
THEN_ARGV = "--then-argv"
_OUR_PROGRAMS = {"tokenprint-hook", "tokenprint-hook.exe"}


def is_our_argv(value: Any) -> bool:
    """An argv list we installed (its program is ``tokenprint-hook``), from any version."""
    return (
        isinstance(value, list)
        and bool(value)
        and isinstance(value[0], str)
        and os.path.basename(value[0]) in _OUR_PROGRAMS
    )


def then_argv_of(value: list[Any]) -> list[str] | None:
    """The previous program our argv carries (its ``--then-argv``), if any."""
    words = [w for w in value if isinstance(w, str)]
    if THEN_ARGV in words[1:]:
        i = words.index(THEN_ARGV, 1)
        if i + 1 < len(words):
            try:
                prev = json.loads(words[i + 1])
            except ValueError:
                return None
            if isinstance(prev, list) and prev and all(isinstance(w, str) for w in prev):
                return prev
    return None


def our_argv(argv: list[str], previous: list[str] | None) -> list[str]:
    """What the key is set to: our argv, and the previous program when there was one."""
    return list(argv) + ([THEN_ARGV, json.dumps(previous)] if previous else [])


@dataclass
class _Doc:
    path: Path
    raw: bytes | None
    doc: Any  # a tomlkit document


def _parse(path: Path, raw: bytes | None) -> _Doc:
    import tomlkit
    from tomlkit.exceptions import ParseError

    if raw is None:
        return _Doc(path, None, tomlkit.document())
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _installer().SettingsError(f"{path}: not UTF-8 (byte {exc.start}); left untouched") from None
    try:
        doc = tomlkit.parse(text)
    except ParseError as exc:
        raise _installer().SettingsError(
            f"{path}: not valid TOML at line {exc.line} column {exc.col}: {exc}; "
            "left untouched (fix the file, then run this again)"
        ) from None
    except Exception as exc:  # noqa: BLE001 - tomlkit raises others on odd input
        raise _installer().SettingsError(f"{path}: cannot be read as TOML ({exc}); left untouched") from None
    if tomlkit.dumps(doc) != text:  # tomlkit must give the very bytes back, or we do not edit
        raise _installer().SettingsError(
            f"{path}: tomlkit cannot keep this file's formatting exactly; left untouched "
            "(set the option by hand)"
        )
    return _Doc(path, raw, doc)


def _load(path: Path) -> _Doc:
    installer = _installer()
    try:
        raw = installer._read(path)
    except installer.SettingsError:
        raise
    except OSError as exc:
        raise _installer().SettingsError(f"{path}: cannot read: {exc.strerror}") from None
    return _parse(path, raw)


def _dump(d: _Doc) -> bytes:
    import tomlkit

    return tomlkit.dumps(d.doc).encode("utf-8")


def _original(home: Path, path: Path) -> bytes | None | bool:
    """The bytes saved before our first install (None: there was no file); False: none saved."""
    installer = _installer()
    try:
        blob = installer._snapshot_path(home, path, "original").read_bytes()
    except OSError:
        return False
    if blob == b"-":
        return None
    if blob[:1] == b"+":
        return blob[1:]
    return False


def _edit(home: Path, path: Path, edit: Callable[[_Doc], str]) -> str:
    installer = _installer()
    with installer.edit_lock(home):
        for _attempt in range(2):
            loaded = _load(path)
            try:
                return edit(loaded)
            except installer._Changed:
                continue
    raise installer.SettingsChanged(
        f"{path}: another program changed this file while tokenprint edited it, twice; "
        "left as that program wrote it (run this again once it is done)"
    )


@dataclass(frozen=True)
class NotifyTarget:
    """A top-level argv key of a TOML config (Codex's ``notify``) set to our hook.

    ``config_path(scope, env=, cwd=)`` names the file; ``applies_fn(env)`` says
    whether the target is wanted on this machine (Codex: only where hooks are not
    available)."""

    config_path: Callable[..., Path]
    applies_fn: Callable[[Mapping[str, str] | None], bool]
    key: str = "notify"
    scopes: tuple[str, ...] = ("user",)
    kind: str = "notify"
    #: When it is installed, in words (``describe``): e.g. only for an older client.
    when: str = ""

    def path(self, scope: str, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
        if scope not in self.scopes:
            raise ValueError(f"unknown scope {scope!r} for {self.key}; expected one of {', '.join(self.scopes)}")
        return self.config_path(scope, env=env, cwd=cwd)

    def applies(self, env: Mapping[str, str] | None = None) -> bool:
        return self.applies_fn(env)

    def _current(self, d: _Doc) -> Any:
        value = d.doc.get(self.key)
        if value is None:
            return None
        plain = value.unwrap() if hasattr(value, "unwrap") else value
        if not (isinstance(plain, list) and all(isinstance(w, str) for w in plain)):
            raise _installer().SettingsError(
                f"{d.path}: {self.key!r} is not a list of strings (such as "
                f'{self.key} = ["notify-send", "Codex"]); left untouched'
            )
        return plain

    def install(self, home: Path, scope: str, argv: list[str]) -> str:
        return _edit(home, self.path(scope), lambda d: self._install(home, d, argv))

    def _install(self, home: Path, d: _Doc, argv: list[str]) -> str:
        installer = _installer()
        current = self._current(d)
        ours = is_our_argv(current)
        previous = then_argv_of(current) if ours else current
        want = our_argv(argv, previous)
        if ours and current == want:
            return "already installed"
        self._set(d, want)
        if not ours:
            installer.save_original(home, installer.Loaded(d.path, {}, d.raw))
        try:
            installer.write_atomic(d.path, _dump(d), home, expected=d.raw)
        except BaseException:
            if not ours:
                try:
                    installer.forget_originals(home, d.path)
                except OSError:
                    pass
            raise
        return "installed" + (" (the previous notify program is still called, before ours)" if previous else "")

    def _set(self, d: _Doc, value: list[str] | None) -> None:
        import tomlkit

        if value is None:
            if self.key in d.doc:
                del d.doc[self.key]
            return
        array = tomlkit.array()
        array.extend(value)
        # An existing key is replaced in place (a comment after its value stays); a new
        # top-level key goes before the first table (tomlkit's rule), where TOML wants it.
        d.doc[self.key] = array

    def uninstall(self, home: Path, scope: str) -> str:
        return _edit(home, self.path(scope), lambda d: self._uninstall(home, d))

    def _uninstall(self, home: Path, d: _Doc) -> str:
        installer = _installer()
        if d.raw is None:
            return "nothing installed (no config file)"
        current = self._current(d)
        if not is_our_argv(current):
            installer.forget_originals(home, d.path)
            return "nothing installed"
        previous = then_argv_of(current)
        original = _original(home, d.path)
        content: bytes | None
        if not isinstance(original, bool) and self._replayed(original, current) == d.raw:
            content = original  # still exactly what our install made of it: the original back
            what = "removed the file we had created" if original is None else "restored the original content"
        else:
            self._set(d, previous)
            content = _dump(d)
            what = "removed ours" + (" (the previous notify program is back)" if previous else "")
        if content != d.raw:
            installer.write_atomic(d.path, content, home, expected=d.raw)
        installer.forget_originals(home, d.path)
        return what

    def _replayed(self, original: bytes | None, current: list[str]) -> bytes | None:
        """What our install of ``current`` made of ``original`` (None if it fails)."""
        installer = _installer()
        try:
            d = _parse(Path("original"), original)
            self._set(d, current)
            return _dump(d)
        except installer.SettingsError:
            return None

    def status(self, home: Path, scope: str) -> TargetStatus:
        installer = _installer()
        path = self.path(scope)
        try:
            current = self._current(_load(path))
        except installer.SettingsError as exc:
            return TargetStatus(path, scope, self.kind, [], [], [], problem=str(exc))
        if not is_our_argv(current):
            return TargetStatus(path, scope, self.kind, [], [], [])
        command = " ".join(shlex.quote(w) for w in current)
        notes = []
        previous = then_argv_of(current)
        if previous:
            notes.append(f"the previous notify program is still called first: {shlex.join(previous)}")
        return TargetStatus(path, scope, self.kind, [self.key], [], [command], notes=notes)

    def describe(self) -> str:
        """What an install puts there, in words."""
        return (f"{self.key} = [tokenprint-hook ...], a previous {self.key} program still called"
                + (f"; {self.when}" if self.when else ""))


@dataclass(frozen=True)
class McpServerTable:
    """Our MCP server as a TOML table, ``[mcp_servers.tokenprint]`` with ``command`` and
    ``args`` (Codex's ``config.toml``: what ``codex mcp add tokenprint -- tokenprint mcp``
    writes; ``codex-rs/core/src/config/types.rs``, ``McpServerConfig``).

    The rules of :class:`NotifyTarget`: tomlkit keeps every other byte; the first
    install into a file that holds nothing of ours saves its bytes, which uninstall
    writes back when the file is still what our install made of them, else only our
    table goes; a table of that name that is not ours (its program is not
    ``tokenprint``, its first argument not ``mcp``), a ``mcp_servers`` that is not a
    table, or a file tomlkit cannot keep exactly is refused and left untouched."""

    config_path: Callable[..., Path]
    scopes: tuple[str, ...] = ("user",)
    table: str = "mcp_servers"
    name: str = "tokenprint"
    kind: str = "mcp"

    def path(self, scope: str, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
        if scope not in self.scopes:
            raise ValueError(f"unknown scope {scope!r} for [{self.table}]; expected one of {', '.join(self.scopes)}")
        return self.config_path(scope, env=env, cwd=cwd)

    def applies(self, env: Mapping[str, str] | None = None) -> bool:
        return True

    def _current(self, d: _Doc) -> dict[str, Any] | None:
        """Our table's plain value (None: absent); refuses what is not ours."""
        servers = d.doc.get(self.table)
        if servers is None:
            return None
        if not isinstance(servers, dict):
            raise _installer().SettingsError(
                f"{d.path}: {self.table!r} is not a table (such as [{self.table}.{self.name}]); left untouched"
            )
        value = servers.get(self.name)
        if value is None:
            return None
        plain = value.unwrap() if hasattr(value, "unwrap") else value
        if not _installer().is_our_server(plain):
            raise _installer().SettingsError(
                f"{d.path}: an MCP server [{self.table}.{self.name}] that tokenprint did not write is there; "
                "left untouched (remove or rename that table, then run this again)"
            )
        return dict(plain)

    def _set(self, d: _Doc, argv: list[str] | None) -> None:
        import tomlkit

        servers = d.doc.get(self.table)
        if argv is None:
            if servers is not None and self.name in servers:
                del servers[self.name]
                if not servers:
                    del d.doc[self.table]
            return
        args = tomlkit.array()
        args.extend(argv[1:])
        if servers is not None and self.name in servers:  # ours: updated in place, the user's keys kept
            servers[self.name]["command"] = argv[0]
            servers[self.name]["args"] = args
            return
        entry = tomlkit.table()
        entry.add("command", argv[0])
        entry.add("args", args)
        if servers is None:
            servers = tomlkit.table(is_super_table=True)
            servers.add(self.name, entry)
            d.doc.add(self.table, servers)
        else:
            if list(d.doc.keys())[-1:] != [self.table]:
                entry.add(tomlkit.nl())  # a blank line before the table that follows, as the file's own
            servers[self.name] = entry

    def install(self, home: Path, scope: str, argv: list[str]) -> str:
        return _edit(home, self.path(scope), lambda d: self._install(home, d, argv))

    def _install(self, home: Path, d: _Doc, argv: list[str]) -> str:
        installer = _installer()
        current = self._current(d)
        if current is not None and current.get("command") == argv[0] and current.get("args") == argv[1:]:
            return "already installed"
        self._set(d, argv)
        fresh = current is None
        if fresh:
            installer.save_original(home, installer.Loaded(d.path, {}, d.raw))
        try:
            installer.write_atomic(d.path, _dump(d), home, expected=d.raw)
        except BaseException:
            if fresh:
                try:
                    installer.forget_originals(home, d.path)
                except OSError:
                    pass
            raise
        return "installed"

    def uninstall(self, home: Path, scope: str) -> str:
        return _edit(home, self.path(scope), lambda d: self._uninstall(home, d))

    def _uninstall(self, home: Path, d: _Doc) -> str:
        installer = _installer()
        if d.raw is None:
            return "nothing installed (no config file)"
        current = self._current(d)
        if current is None:
            installer.forget_originals(home, d.path)
            return "nothing installed"
        original = _original(home, d.path)
        argv = [current["command"], *current["args"]]
        content: bytes | None
        if not isinstance(original, bool) and self._replayed(original, argv) == d.raw:
            content = original
            what = "removed the file we had created" if original is None else "restored the original content"
        else:
            self._set(d, None)
            content = _dump(d)
            what = "removed ours"
        if content != d.raw:
            installer.write_atomic(d.path, content, home, expected=d.raw)
        installer.forget_originals(home, d.path)
        return what

    def _replayed(self, original: bytes | None, argv: list[str]) -> bytes | None:
        try:
            d = _parse(Path("original"), original)
            self._set(d, argv)
            return _dump(d)
        except _installer().SettingsError:
            return None

    def status(self, home: Path, scope: str) -> TargetStatus:
        installer = _installer()
        path = self.path(scope)
        try:
            current = self._current(_load(path))
        except installer.SettingsError as exc:
            return TargetStatus(path, scope, self.kind, [], [], [], problem=str(exc))
        if current is None:
            return TargetStatus(path, scope, self.kind, [], [], [])
        command = " ".join(shlex.quote(str(w)) for w in [current["command"], *current["args"]])
        return TargetStatus(path, scope, self.kind, [self.name], [], [command])

    def describe(self) -> str:
        return f"[{self.table}.{self.name}] command = tokenprint, args = [mcp, ...]"
