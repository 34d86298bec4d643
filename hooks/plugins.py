"""The clients that plugins add, beside the built-in ones: one registry for every command.

Standard library only: ``tokenprint-hook <plugin client>`` looks its client up here.

``hooks.ADAPTERS`` holds the built-in clients' lines (client -> adapter module);
``tokenprint-hook <built-in client>`` reads them as they are, and never scans an
entry point. Everything that lists or looks up clients (``import``, ``hooks``,
``doctor``, the hook of a client that is not built in) goes through :func:`clients`
or :func:`find`: the hook ``register_clients`` (:mod:`ledger.plugins`) of every
plugin is called, once per process, with the built-in clients registered first
through the same hook (:class:`Builtin`), as a third party's are. Each plugin
client that passes the checks is added to ``hooks.ADAPTERS``, so the shared
machinery that reads it (``hooks.sync``, ``hooks.backfill``, ``hooks.entry``)
treats a plugin client as it treats a built-in one.

A registration is refused, with a problem (``ledger.plugins.problems()``) naming the
plugin, when the name is not a client name (``[a-z0-9][a-z0-9._-]*``), is a
built-in client's or another plugin's (a plugin never replaces a client: the
first registration stands), or, when checked (:func:`clients` ``check=True``, what
the CLI lists), when the module does not import or lacks a declaration every
adapter has (:data:`REQUIRED`), or declares another ``CLIENT``.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

from ledger import plugins as api

#: What every adapter module declares (the rest is optional, as for built-in clients).
REQUIRED: tuple[str, ...] = ("CLIENT", "parse", "default_roots", "transcripts", "hook_paths")
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")

#: Client -> the plugin that registered it (``plugin 'x' (dist version)``); built-ins: ``built-in``.
ORIGIN: dict[str, str] = {}
_BUILTIN: dict[str, str] | None = None
_REGISTERED = False
_CHECKED: dict[str, bool] = {}


class Builtin:
    """The built-in clients' plugin: registers ``hooks.ADAPTERS``' own lines through the
    hook every plugin uses."""

    @staticmethod
    @api.hookimpl
    def register_clients(register: Any) -> None:
        for name, module in builtin().items():
            register(name, module)


def builtin() -> dict[str, str]:
    """The built-in clients (``hooks.ADAPTERS`` as written, before any plugin's)."""
    global _BUILTIN
    if _BUILTIN is None:
        from hooks import ADAPTERS

        _BUILTIN = {k: v for k, v in ADAPTERS.items() if k not in ORIGIN or ORIGIN[k] == "built-in"}
    return _BUILTIN


def _register_all() -> None:
    global _REGISTERED
    if _REGISTERED:
        return
    _REGISTERED = True
    from hooks import ADAPTERS

    def builtin_register(name: str, module: str) -> None:
        ORIGIN[name] = "built-in"

    Builtin.register_clients(builtin_register)

    def register_for(ep: api.EntryPoint) -> Any:
        def register(name: Any, module: Any) -> None:
            mod_name = module if isinstance(module, str) else getattr(module, "__name__", None)
            if not isinstance(name, str) or not _NAME.match(name):
                api.problem(ep.label, f"register_clients: {name!r} is not a client name "
                            "(lower-case letters, digits, '.', '_', '-'); ignored")
            elif not isinstance(mod_name, str) or not mod_name:
                api.problem(ep.label, f"register_clients: {name!r}: {module!r} is not a module "
                            "or a module's dotted name; ignored")
            elif name in ORIGIN:
                who = "a built-in client" if ORIGIN[name] == "built-in" else f"registered by {ORIGIN[name]}"
                api.problem(ep.label, f"register_clients: {name!r} is {who}; a plugin never replaces "
                            "a client: ignored")
            else:
                ORIGIN[name] = ep.label
                ADAPTERS[name] = mod_name
        return register

    api.call("register_clients", register_for)


def _check(name: str) -> bool:
    """Whether a plugin client's adapter imports and declares what every adapter does
    (once per process; a failure is a problem naming the plugin, and the client is
    taken out of ``hooks.ADAPTERS``)."""
    if name in _CHECKED:
        return _CHECKED[name]
    from hooks import ADAPTERS

    plugin = ORIGIN.get(name, "?")
    why = None
    try:
        mod = importlib.import_module(ADAPTERS[name])
    except BaseException as exc:  # noqa: BLE001 - a broken plugin never breaks the command
        if isinstance(exc, KeyboardInterrupt):
            raise
        why = f"the adapter {ADAPTERS[name]} of client {name!r} does not import: {type(exc).__name__}: {exc}"
    else:
        missing = [d for d in REQUIRED if not hasattr(mod, d)]
        if missing:
            why = f"the adapter {ADAPTERS[name]} of client {name!r} lacks {', '.join(missing)}"
        elif mod.CLIENT != name:
            why = f"the adapter {ADAPTERS[name]} declares CLIENT = {mod.CLIENT!r}, registered as {name!r}"
    _CHECKED[name] = why is None
    if why is not None:
        api.problem(plugin, f"{why}; client left out")
        ADAPTERS.pop(name, None)
    return why is None


def clients(check: bool = True) -> dict[str, str]:
    """Every client, sorted by name: client -> adapter module (built-in and plugins').

    ``check``: import each plugin client's adapter and leave out (with a problem) one
    that does not import or lacks a declaration. Built-in adapters are not imported."""
    from hooks import ADAPTERS

    builtin()
    _register_all()
    if check:
        for name in [n for n in ADAPTERS if ORIGIN.get(n) not in (None, "built-in")]:
            _check(name)
    return dict(sorted(ADAPTERS.items()))


def find(name: str) -> str | None:
    """The adapter module of client ``name``: a built-in one without loading any plugin,
    else a plugin's (checked), else None."""
    from hooks import ADAPTERS

    if name in builtin():
        return ADAPTERS[name]
    _register_all()
    if name in ADAPTERS and _check(name):
        return ADAPTERS[name]
    return None


def origin(name: str) -> str:
    """``built-in`` or the plugin that registered client ``name``."""
    clients(check=False)
    return ORIGIN.get(name, "built-in")


def problems() -> list[str]:
    """Every plugin problem met so far in this process, as messages that name the plugin."""
    return api.problems()

