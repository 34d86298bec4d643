"""Lazy, cached loading of the methodology's data files (``ledger/impact/data``).

Standard library only. Nothing is read at import time: each file is parsed on
first use and kept (codecarbon's pattern), so the hook and the status line pay
for the model table only when they ask for an impact.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"


class DataError(ValueError):
    """A data file that cannot be used; the message names the file and the row."""


@functools.cache
def load(name: str) -> dict[str, Any]:
    """The parsed TOML data file ``data/<name>.toml``."""
    path = DATA_DIR / f"{name}.toml"
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"{path}: {exc}") from exc


def factors() -> dict[str, Any]:
    return load("factors")


def models() -> dict[str, Any]:
    return load("models")


def grids() -> dict[str, Any]:
    return load("grids")


def equivalents() -> dict[str, Any]:
    return load("equivalents")


def clear() -> None:
    """Forget every loaded file (tests that patch data call this)."""
    load.cache_clear()
