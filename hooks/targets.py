"""What ``tokenprint hooks install|uninstall|status`` edits for a client: its targets.

Standard library only (the adapters that declare targets are imported by the hook).

Every adapter module declares ``INSTALL: tuple[Target, ...]``, the files that
``hooks install <client>`` edits, in order, and ``present(env=None) -> bool``
(whether the client is on this machine, for ``hooks install --all``). The CLI
(``tui.commands.hooks_cmd``) and ``tokenprint doctor`` (``hooks.doctor``) are
generic over them: a new client costs its module, never a change here.

A target's contract (each one keeps it; ``tests/hooks/test_targets.py`` checks
:class:`JsonHooks`):

- byte-idempotent install: installing twice gives the same bytes, and the second
  install says ``already installed``;
- exact uninstall: when nothing of ours remains the user's original bytes come
  back (``hooks.installer``'s saved original);
- foreign entries are kept; a file the target cannot understand is refused with
  a :class:`hooks.installer.SettingsError` saying what, where and what to do, and
  left untouched;
- writes are atomic, with a backup in ``$TOKENPRINT_HOME/backups`` (through
  ``hooks.installer``; never by hand).

``argv`` is the hook command as a list of words (``[".../tokenprint-hook",
"codex", "--home", "/x"]``): a JSON hooks target joins it with ``shlex.quote`` and
appends the ownership marker (:func:`hooks.installer.marked`); a TOML ``notify``
target uses the list; a plugin file embeds it.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable


@dataclass
class TargetStatus:
    """What of ours one target holds in one scope."""

    path: Path
    scope: str
    kind: str
    #: What of ours is there (hook events, ``"notify"``, ``"plugin"``).
    installed: list[str]
    #: What of ours should be there and is not (empty when nothing is installed).
    missing: list[str]
    #: Our command lines (their program must be an executable file).
    commands: list[str]
    #: The file cannot be understood (the :class:`~hooks.installer.SettingsError` text).
    problem: str | None = None
    #: Things the user should know (e.g. Codex: not yet trusted, and how to trust it).
    notes: list[str] = field(default_factory=list)


@runtime_checkable
class Target(Protocol):
    """One file (per scope) that ``hooks install`` edits for a client."""

    @property
    def kind(self) -> str:
        """What it is, shown to the user: ``hooks``, ``notify``, ``plugin``, ..."""
        ...

    @property
    def scopes(self) -> tuple[str, ...]:
        """The scopes it supports, e.g. ``("user", "project")``."""
        ...

    def path(self, scope: str, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
        """The file it edits in ``scope``."""
        ...

    def install(self, home: Path, scope: str, argv: list[str]) -> str:
        """Install ours (``installed``, ``already installed``, ...). Raises
        :class:`~hooks.installer.SettingsError` for a file it refuses, ``OSError``
        for one it cannot write."""
        ...

    def uninstall(self, home: Path, scope: str) -> str:
        """Remove ours, and only ours (``nothing installed``, ``restored the
        original content``, ``removed our entries``, ...)."""
        ...

    def status(self, home: Path, scope: str) -> TargetStatus:
        """What of ours is there; never raises for a file it cannot read (``problem``)."""
        ...

    def applies(self, env: Mapping[str, str] | None = None) -> bool:
        """False: skip this target on this machine (e.g. a fallback only for an old client)."""
        ...


def hook_command(argv: list[str]) -> str:
    """``argv`` as one shell command line, with the ownership marker."""
    from hooks.installer import marked

    return marked(" ".join(shlex.quote(w) for w in argv))


#: ``(scope, path, status) -> notes``: what a client adds to a target's status.
NotesFn = Callable[[str, Path, TargetStatus], list[str]]


@dataclass(frozen=True)
class JsonHooks:
    """Hook entries in a JSON (or JSON with comments) settings file of Claude Code's
    shape (``{"hooks": {"Stop": [{"hooks": [{"type": "command", ...}]}]}}``), which
    Codex's ``hooks.json`` and Gemini CLI's ``settings.json`` share; edited through
    :mod:`hooks.installer`.

    ``timeout`` is written as the client reads it (seconds for Claude Code and
    Codex, milliseconds for Gemini CLI); None writes none. ``dialect`` is handed
    to the installer when it is not plain ``"json"`` (``"jsonc"``: comments and
    trailing commas, kept byte for byte). ``notes`` adds a client's own notes to
    :meth:`status`.
    """

    events: tuple[str, ...]
    settings_path: Callable[..., Path]
    scopes: tuple[str, ...]
    timeout: int | None = 10
    dialect: str = "json"
    kind: str = "hooks"
    notes: NotesFn | None = None

    def _kw(self, fn: Callable[..., Any], path: Path) -> dict[str, Any]:
        """``dialect=`` for the installer's ``fn`` when not plain JSON; a SettingsError
        when this installer cannot read that dialect."""
        if self.dialect == "json":
            return {}
        import inspect

        if "dialect" not in inspect.signature(fn).parameters:
            from hooks.installer import SettingsError

            raise SettingsError(f"{path}: the {self.dialect} dialect is not supported by this tokenprint's "
                                "installer; left untouched (upgrade tokenprint)")
        return {"dialect": self.dialect}

    def path(self, scope: str, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
        if scope not in self.scopes:
            raise ValueError(f"unknown scope {scope!r}; expected one of {', '.join(self.scopes)}")
        return self.settings_path(scope, env=env, cwd=cwd)

    def install(self, home: Path, scope: str, argv: list[str]) -> str:
        from hooks.installer import install_hooks

        path = self.path(scope)
        return install_hooks(home, path, list(self.events), hook_command(argv), self.timeout,
                             **self._kw(install_hooks, path))

    def uninstall(self, home: Path, scope: str) -> str:
        from hooks.installer import uninstall_hooks

        path = self.path(scope)
        return uninstall_hooks(home, path, list(self.events), **self._kw(uninstall_hooks, path))

    def status(self, home: Path, scope: str) -> TargetStatus:
        from hooks.installer import (
            STATUSLINE_KEY,
            SettingsError,
            _check_shape,
            installed_hooks,
            load,
            statusline_is_ours,
        )

        path = self.path(scope)
        if not os.path.lexists(path):
            return TargetStatus(path, scope, self.kind, [], [], [])
        try:
            loaded = load(path, **self._kw(load, path))
            _check_shape(loaded, list(self.events))  # what install would refuse, status says
            data = loaded.data
        except SettingsError as exc:
            return TargetStatus(path, scope, self.kind, [], [], [], problem=str(exc))
        ours = installed_hooks(data)
        installed = [e for e in self.events if e in ours] + sorted(e for e in ours if e not in self.events)
        missing = [e for e in self.events if e not in ours] if ours else []
        commands = list(dict.fromkeys(c for e in installed for c in ours[e]))
        st = TargetStatus(path, scope, self.kind, installed, missing, commands)
        if statusline_is_ours(data.get(STATUSLINE_KEY)):
            st.notes.append(f"status line installed in {path} (tokenprint statusline --uninstall removes it)")
        if self.notes is not None:
            st.notes = list(self.notes(scope, path, st))
        return st

    def applies(self, env: Mapping[str, str] | None = None) -> bool:
        return True

    def describe(self) -> str:
        """What an install puts there, in words (``Stop, SubagentStop``)."""
        return ", ".join(self.events)


#: The name our MCP server is registered under in every client.
MCP_SERVER_NAME = "tokenprint"


def server_command(argv: list[str]) -> str:
    """An MCP server's argv as one shell line (what ``status`` shows)."""
    return " ".join(shlex.quote(w) for w in argv)


@dataclass(frozen=True)
class JsonMcpServer:
    """Our MCP server (``tokenprint mcp``) under ``"mcpServers"`` in a JSON (or JSON with
    comments) settings file: Claude Code's ``~/.claude.json`` / ``.mcp.json``, Gemini
    CLI's ``settings.json``; edited through :mod:`hooks.installer` (``install_server``).

    ``argv`` of :meth:`install` is the server command (``[".../tokenprint", "mcp",
    "--home", "/x"]``): the entry is ``{**extra, "command": argv[0], "args": argv[1:],
    **extra_after}`` in the key order the client's own ``mcp add`` writes (Claude
    Code: ``type`` first, ``env`` last). ``copies=False``: the file is never copied
    into ``$TOKENPRINT_HOME/backups`` (it may hold a credential)."""

    settings_path: Callable[..., Path]
    scopes: tuple[str, ...]
    dialect: str = "json"
    extra: tuple[tuple[str, Any], ...] = ()
    extra_after: tuple[tuple[str, Any], ...] = ()
    name: str = MCP_SERVER_NAME
    kind: str = "mcp"
    #: False for a file that may hold a credential: no backup, no saved original
    #: (``hooks.installer.install_server``).
    copies: bool = True

    def path(self, scope: str, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
        if scope not in self.scopes:
            raise ValueError(f"unknown scope {scope!r}; expected one of {', '.join(self.scopes)}")
        return self.settings_path(scope, env=env, cwd=cwd)

    def entry(self, argv: list[str]) -> dict[str, Any]:
        import copy

        return {**copy.deepcopy(dict(self.extra)), "command": argv[0], "args": list(argv[1:]),
                **copy.deepcopy(dict(self.extra_after))}

    def install(self, home: Path, scope: str, argv: list[str]) -> str:
        from hooks.installer import install_server

        return install_server(home, self.path(scope), self.name, self.entry(argv), self.dialect, self.copies)

    def uninstall(self, home: Path, scope: str) -> str:
        from hooks.installer import uninstall_server

        return uninstall_server(home, self.path(scope), self.name, self.dialect, self.copies)

    def status(self, home: Path, scope: str) -> TargetStatus:
        from hooks.installer import SettingsError, check_servers, load, our_servers

        path = self.path(scope)
        if not os.path.lexists(path):
            return TargetStatus(path, scope, self.kind, [], [], [])
        try:
            loaded = load(path, self.dialect)
            check_servers(loaded, self.name)
        except SettingsError as exc:
            return TargetStatus(path, scope, self.kind, [], [], [], problem=str(exc))
        ours = our_servers(loaded.data).get(self.name)
        if ours is None:
            return TargetStatus(path, scope, self.kind, [], [], [])
        argv = [ours["command"], *(a for a in ours["args"] if isinstance(a, str))]
        return TargetStatus(path, scope, self.kind, [self.name], [], [server_command(argv)])

    def applies(self, env: Mapping[str, str] | None = None) -> bool:
        return True

    def describe(self) -> str:
        return f'"mcpServers": {{"{self.name}": tokenprint mcp}}'
