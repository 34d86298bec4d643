"""Lazy, cached loading of the methodology's data files (``ledger/impact/data``).

Standard library only. Nothing is read at import time: each file is parsed on
first use and kept (codecarbon's pattern), so the hook and the status line pay
for the model table only when they ask for an impact.

Parsing the TOML is slow for a command line (``tomllib`` is pure Python: about
40 ms for the four files a report reads, more than the report's query), so the
parsed data is also kept on disk between runs, as JSON (which the standard
library reads in C) in the user cache folder (:func:`cache_dir`), one file per
data file, private (0600), named by the length and CRC-32 of the TOML's bytes:
a data file that changes (an upgrade, an edit) is simply parsed again, and a cache
that cannot be read, written or trusted (missing, damaged, not a table, a
read-only disk, no home folder) is never an error, only a parse. Only data that
JSON gives back exactly is cached (tables, arrays, strings, numbers, booleans;
a TOML date would not come back a date, so such a file is not cached).
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"

#: Bump when what the cache holds changes meaning (it is part of every cache name).
CACHE_FORMAT = 1
CACHE_PREFIX = "impact-data-"


class DataError(ValueError):
    """A data file that cannot be used; the message names the file and the row."""


def cache_dir(env: Mapping[str, str] | None = None) -> Path | None:
    """The user cache folder for tokenprint, as ``platformdirs.user_cache_dir("tokenprint",
    appauthor=False)`` (``$XDG_CACHE_HOME/tokenprint`` or ``~/.cache/tokenprint`` on
    Linux), or None when there is no home folder to put it in."""
    env = os.environ if env is None else env
    try:
        if sys.platform == "win32":
            base = env.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
            return Path(base) / "tokenprint" / "Cache"
        if sys.platform == "darwin":
            return Path.home() / "Library" / "Caches" / "tokenprint"
        xdg = env.get("XDG_CACHE_HOME", "").strip()
        return (Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache") / "tokenprint"
    except (RuntimeError, KeyError):  # no home folder
        return None


@functools.cache
def load(name: str) -> dict[str, Any]:
    """The parsed TOML data file ``data/<name>.toml``."""
    path = DATA_DIR / f"{name}.toml"
    raw = path.read_bytes()
    folder = cache_dir()
    cached = folder / _cache_name(name, raw) if folder is not None else None
    if cached is not None:
        data = _read_cache(cached)
        if data is not None:
            return data
    import tomllib

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: {exc}") from exc
    if cached is not None and _json_exact(data):
        _write_cache(cached, data, name)
    return data


def _cache_name(name: str, raw: bytes) -> str:
    """The cache file of ``data/<name>.toml`` whose bytes are ``raw``: named by their
    length and CRC-32 (``zlib``, not ``hashlib``: importing OpenSSL would cost more than
    this cache saves on some paths; the key only has to notice that a file changed)."""
    import zlib

    return f"{CACHE_PREFIX}{CACHE_FORMAT}-{name}-{len(raw)}-{zlib.crc32(raw):08x}.json"


def _is_cache_of(file_name: str, name: str) -> bool:
    """Whether ``file_name`` is a name :func:`_cache_name` gives ``data/<name>.toml``."""
    head = f"{CACHE_PREFIX}{CACHE_FORMAT}-{name}-"
    if not (file_name.startswith(head) and file_name.endswith(".json")):
        return False
    size, _, crc = file_name[len(head):-len(".json")].partition("-")
    return size.isdigit() and len(crc) == 8 and all(ch in "0123456789abcdef" for ch in crc)


def _read_cache(path: Path) -> dict[str, Any] | None:
    """The data in a cache file, or None (no such file, unreadable, damaged, or not
    written by this user: someone else's file in a shared cache folder is not trusted)."""
    try:
        with open(path, "rb") as fh:
            if hasattr(os, "getuid") and os.fstat(fh.fileno()).st_uid != os.getuid():
                return None
            data = json.loads(fh.read())
    except (OSError, ValueError):  # ValueError: not JSON, not UTF-8
        return None
    return data if isinstance(data, dict) else None


def _json_exact(value: Any) -> bool:
    """Whether ``json.loads(json.dumps(value))`` gives ``value`` back, types and all."""
    t = type(value)
    if t is dict:
        return all(type(k) is str and _json_exact(v) for k, v in value.items())
    if t is list:
        return all(_json_exact(v) for v in value)
    return t in (str, int, float, bool) or value is None


def _write_cache(path: Path, data: dict[str, Any], name: str) -> None:
    """Keep ``data`` in ``path`` (0600, atomically) and drop this file's older caches;
    any failure leaves things as they were (the next run parses again)."""
    from ledger.files import PRIVATE_FILE, atomic_write, private_dir

    try:
        private_dir(path.parent)
        atomic_write(path, json.dumps(data, separators=(",", ":")).encode("ascii"), PRIVATE_FILE, durable=False)
        for entry in os.scandir(path.parent):
            if entry.name != path.name and _is_cache_of(entry.name, name):
                os.unlink(entry.path)
    except OSError:
        pass


def factors() -> dict[str, Any]:
    return _with_plugins("factors")


def models() -> dict[str, Any]:
    return _with_plugins("models")


def grids() -> dict[str, Any]:
    return _with_plugins("grids")


def _with_plugins(name: str) -> dict[str, Any]:
    """``data/<name>.toml`` with the rows plugins add (``ledger.impact.plugin_data``:
    checked as the built-in rows are; a plugin adds, never replaces)."""
    from ledger.impact import plugin_data

    return plugin_data.merged(name, load(name))


def equivalents() -> dict[str, Any]:
    return load("equivalents")


def clear() -> None:
    """Forget every loaded file (tests that patch data call this)."""
    load.cache_clear()
    from ledger.impact import plugin_data

    plugin_data.clear()
