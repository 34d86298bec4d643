"""tokenprint's plugin API: third-party packages in the entry-point group ``tokenprint``.

Standard library only (a plugin client's hook and the report's model table load
plugins through it), and nothing happens at import. In the style of ``llm``'s
hookspecs: a plugin is a module (or object) named by an entry point of the group
``tokenprint``; its functions marked with :data:`hookimpl` are hooks, each of which
receives a ``register`` callback::

    # pyproject.toml of the plugin
    [project.entry-points.tokenprint]
    example = "tokenprint_example_client"

    # tokenprint_example_client/__init__.py
    from ledger.plugins import hookimpl

    @hookimpl
    def register_clients(register):
        register("example-client", "tokenprint_example_client.adapter")

    @hookimpl
    def register_models(register):
        register({"id": "example-7b", "provider": "example", ...})   # a models.toml row

    @hookimpl
    def register_factor_sets(register):
        register("examplecloud", {"host": {...}, "zone": {...}})    # factors/grids rows

The hooks (:data:`HOOKSPECS`) are called only when a command needs what they give:
``register_clients`` when a command looks up or lists clients (``hooks.plugins``;
never by ``tokenprint-hook <built-in client>``), ``register_models`` and
``register_factor_sets`` when the model table or the factors are first read
(``ledger.impact.plugin_data``). ``pluggy``'s ``HookimplMarker("tokenprint")`` marks
functions the same way (the attribute ``tokenprint_impl``), so a plugin written for
pluggy works too; pluggy itself is not needed (it is not standard library, and the
hook of a plugin client must stay so).

Discovery: ``importlib.metadata.entry_points(group="tokenprint")`` costs some 50 ms
(importing ``importlib.metadata`` and reading every distribution), more than a
report takes, so its result (names and targets only) is kept in the user cache
folder, named by ``sys.path`` and the modification times of its folders (installing
or removing a package changes its folder's): a change in the environment is read
again, an unchanged one costs a few ``stat()`` calls. ``$TOKENPRINT_LOAD_PLUGINS``
(as ``llm``'s ``LLM_LOAD_PLUGINS``): a comma-separated list of the plugins to load
(entry-point names); empty: none.

A plugin that does not import, raises in a hook, marks an unknown hook or
registers something invalid is a problem naming it (:func:`problems`);
never an exception to the caller: other plugins, and every built-in, go on.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Callable
from typing import Any

GROUP = "tokenprint"
LOAD_ENV = "TOKENPRINT_LOAD_PLUGINS"
#: The hooks a plugin may implement, each called with ``register`` (see the module doc).
HOOKSPECS: dict[str, str] = {
    "register_clients": "register(name, module): a client adapter module (dotted name or module)",
    "register_models": "register(row): a model-table row, as models.toml's [[model]]",
    "register_factor_sets": "register(name, {'host': {...}, 'zone': {...}}): new hosts and grid zones",
}
#: The attribute a marked function carries (pluggy's ``HookimplMarker("tokenprint")`` sets it too).
MARK = f"{GROUP}_impl"
CACHE_FORMAT = 1
CACHE_PREFIX = "plugins-"


def hookimpl(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Mark ``fn`` as a hook of this plugin (its name says which: :data:`HOOKSPECS`)."""
    setattr(fn, MARK, {})
    return fn


class EntryPoint:
    """One entry point of the group: ``name = "module[:attr]"``, from a distribution.
    (A plain class: a dataclass costs every command that reads the model table 1 ms.)"""

    __slots__ = ("name", "value", "dist", "version")

    def __init__(self, name: str, value: str, dist: str = "?", version: str = "?") -> None:
        self.name, self.value, self.dist, self.version = name, value, dist, version

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "value": self.value, "dist": self.dist, "version": self.version}

    @property
    def label(self) -> str:
        """``plugin 'example' (tokenprint-example-client 0.1.0)``: how messages name it."""
        return f"plugin {self.name!r} ({self.dist} {self.version})"

    def load(self) -> Any:
        module, _, attr = self.value.partition(":")
        obj: Any = importlib.import_module(module.strip())
        for part in attr.split("[")[0].strip().split(".") if attr.strip() else ():
            obj = getattr(obj, part)
        return obj


#: ``<plugin>: <what was left out, and why>``, each once, in the order met.
_PROBLEMS: list[str] = []
_LOADED: list[tuple[EntryPoint, Any]] | None = None


def problem(plugin: str, message: str) -> None:
    """Record a problem of ``plugin`` (its label), each one once."""
    text = f"{plugin}: {message}"
    if text not in _PROBLEMS:
        _PROBLEMS.append(text)


def problems() -> list[str]:
    """The problems met so far in this process (plugins that did not load, rows left out),
    each naming its plugin."""
    return list(_PROBLEMS)


_SAID: set[str] = set()


def unsaid() -> list[str]:
    """The problems not yet said in this process (a command prints them on stderr once,
    the hook logs them)."""
    new = [p for p in _PROBLEMS if p not in _SAID]
    _SAID.update(new)
    return new


# -- discovery ------------------------------------------------------------------------------


def _fingerprint() -> tuple[str, str]:
    """(what names this environment, what says it changed): ``sys.path`` and its folders' mtimes."""
    import zlib

    where = repr((sys.version, sys.prefix, sys.path))
    stamps = []
    for entry in sys.path:
        try:
            stamps.append(os.stat(entry or ".").st_mtime_ns)
        except OSError:
            stamps.append(-1)
    return f"{zlib.crc32(where.encode()):08x}", f"{zlib.crc32(repr(stamps).encode()):08x}"


def _scan() -> list[EntryPoint]:
    from importlib.metadata import entry_points

    out: list[EntryPoint] = []
    seen: set[str] = set()
    for ep in entry_points(group=GROUP):
        if ep.name in seen:  # the same distribution seen twice on sys.path: the first wins, as imports do
            continue
        seen.add(ep.name)
        dist = getattr(ep, "dist", None)
        out.append(EntryPoint(ep.name, ep.value, getattr(dist, "name", None) or "?",
                              getattr(dist, "version", None) or "?"))
    return sorted(out, key=lambda e: e.name)


def cache_dir() -> Any:
    """The user cache folder, as ``ledger.impact.loading.cache_dir()`` gives it (the same
    rule, kept here: importing ``ledger.impact`` would cost a plugin client's hook 40 ms;
    ``tests/plugins/test_plugin_api.py`` checks that both agree)."""
    from pathlib import Path

    try:
        if sys.platform == "win32":
            base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
            return Path(base) / "tokenprint" / "Cache"
        if sys.platform == "darwin":
            return Path.home() / "Library" / "Caches" / "tokenprint"
        xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
        return (Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache") / "tokenprint"
    except (RuntimeError, KeyError):  # no home folder
        return None


def entry_points() -> list[EntryPoint]:
    """The group's entry points (from the cache when the environment has not changed)."""
    folder = cache_dir()
    env, stamp = _fingerprint()
    path = folder / f"{CACHE_PREFIX}{CACHE_FORMAT}-{env}-{stamp}.json" if folder is not None else None
    if path is not None:
        try:
            with open(path, "rb") as fh:
                if not hasattr(os, "getuid") or os.fstat(fh.fileno()).st_uid == os.getuid():
                    return [EntryPoint(**e) for e in json.loads(fh.read())]
        except (OSError, ValueError, TypeError):
            pass
    found = _scan()
    if path is not None:
        _keep(path, [e.as_dict() for e in found], f"{CACHE_PREFIX}{CACHE_FORMAT}-{env}-")
    return found


def _keep(path: Any, data: Any, same_env: str) -> None:
    from ledger.files import PRIVATE_FILE, atomic_write, private_dir

    try:
        private_dir(path.parent)
        atomic_write(path, json.dumps(data).encode("utf-8"), PRIVATE_FILE, durable=False)
        for entry in os.scandir(path.parent):
            if entry.name != path.name and entry.name.startswith(same_env) and entry.name.endswith(".json"):
                os.unlink(entry.path)
    except OSError:
        pass


def loaded() -> list[tuple[EntryPoint, Any]]:
    """Every plugin that imports, as ``(entry point, plugin object)``, loaded once per
    process; one that does not import is a problem. ``$TOKENPRINT_LOAD_PLUGINS``
    restricts the list."""
    global _LOADED
    if _LOADED is not None:
        return _LOADED
    out: list[tuple[EntryPoint, Any]] = []
    wanted = os.environ.get(LOAD_ENV)
    if wanted is not None and not wanted.strip():
        _LOADED = out  # no plugin wanted: nothing is read
        return out
    try:
        eps = entry_points()
    except Exception as exc:  # noqa: BLE001 - a broken environment: no plugins, and say so
        problem("plugins", f"the entry points of group {GROUP!r} cannot be read: {type(exc).__name__}: {exc}")
        eps = []
    if wanted is not None:
        names = {w.strip() for w in wanted.split(",") if w.strip()}
        eps = [e for e in eps if e.name in names]
    for ep in eps:
        try:
            obj = ep.load()
        except BaseException as exc:  # noqa: BLE001 - SystemExit or a SyntaxError in a plugin too
            if isinstance(exc, KeyboardInterrupt):
                raise
            problem(ep.label, f"cannot be loaded ({ep.value}): {type(exc).__name__}: {exc}; "
                    f"left out (pip uninstall {ep.dist}, or set {LOAD_ENV} to the plugins to load)")
            continue
        for attr in dir(obj):
            fn = getattr(obj, attr, None)
            if callable(fn) and isinstance(getattr(fn, MARK, None), dict) and attr not in HOOKSPECS:
                problem(ep.label, f"{attr!r} is marked as a hook but tokenprint has no such hook "
                        f"(hooks: {', '.join(HOOKSPECS)}); ignored")
        out.append((ep, obj))
    _LOADED = out
    return out


def _impl(obj: Any, hook: str) -> Any:
    fn = getattr(obj, hook, None)
    return fn if callable(fn) and isinstance(getattr(fn, MARK, None), dict) else None


def implemented(hook: str) -> bool:
    """Whether a loaded plugin implements ``hook`` (no plugin: nothing else is read)."""
    return any(_impl(obj, hook) is not None for _ep, obj in loaded())


def call(hook: str, register_for: Callable[[EntryPoint], Callable[..., Any]]) -> None:
    """Call ``hook`` of every loaded plugin that implements it, with the ``register``
    that ``register_for(entry point)`` gives. What a plugin registered before raising
    is kept by the caller's ``register`` only if it wants (it sees the problem after)."""
    if hook not in HOOKSPECS:
        raise ValueError(f"unknown hook {hook!r}")
    for ep, obj in loaded():
        fn = _impl(obj, hook)
        if fn is None:
            continue
        register = register_for(ep)
        code = getattr(fn, "__code__", None)  # not inspect: it costs a plugin client's hook 10 ms
        params = list(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]) if code else ["register"]
        if params != ["register"]:
            problem(ep.label, f"its hook {hook} takes ({', '.join(params)}); expected (register): ignored")
            continue
        try:
            fn(register=register)
        except Exception as exc:  # noqa: BLE001 - a plugin's bug is its problem, not the command's
            problem(ep.label, f"its hook {hook} failed: {type(exc).__name__}: {exc}")


def reset() -> None:
    """Forget what was loaded (a test that installs a plugin in-process; not needed otherwise)."""
    global _LOADED
    _LOADED = None
    _PROBLEMS.clear()
    _SAID.clear()
