"""Small helpers every adapter uses to read a client's record safely.

Standard library only: the hook imports it. They never raise on what a record
holds, except :func:`count`, whose ``ValueError`` the adapter turns into a counted
``bad-usage`` skip.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import Any

from ledger.events import LATEST_SKEW

#: How far ahead of the clock an instant may be, in ms (``ledger.events.LATEST_SKEW``).
LATEST_SKEW_MS: int = int(LATEST_SKEW.total_seconds() * 1000)


def skip(skips: dict[str, int], reason: str) -> None:
    """Count one record passed over, under its reason code."""
    skips[reason] = skips.get(reason, 0) + 1


def latest_ms() -> int:
    """The latest instant a record may carry (UTC epoch ms): the clock plus the skew."""
    return int(time.time() * 1000) + LATEST_SKEW_MS


def count(record: Mapping[str, Any], name: str) -> int:
    """``record[name]`` as a token count: absent or null is 0; a non-negative int, or a
    float that is one (``12.0``); anything else raises ``ValueError``."""
    value = record.get(name)
    if value is None:
        return 0
    if type(value) is int and value >= 0:
        return value
    if isinstance(value, float) and value >= 0 and value.is_integer():
        return int(value)
    raise ValueError(name)


def text(value: Any) -> str | None:
    """A short metadata string safe to store (a lone surrogate replaced), else None."""
    if type(value) is not str or not value:
        return None
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value


def resolve(value: Any) -> str | None:
    """A path (from a payload or the command line), resolved, or None when it cannot
    name a file (not a string, empty, a NUL byte, a surrogate the file system cannot
    encode)."""
    if not isinstance(value, str) or not value or "\0" in value:
        return None
    try:
        return os.path.realpath(os.path.expanduser(value))
    except (OSError, ValueError):
        return None


def decode(line: bytes, loads: Callable[[bytes], Any], skips: dict[str, int]) -> tuple[bool, Any]:
    """``(True, value)`` of one line, or ``(False, None)`` with its skip counted:
    ``invalid-json``, ``too-deep`` (nesting beyond the recursion limit) or
    ``undecodable`` (anything else the decoder raises)."""
    try:
        return True, loads(line)
    except ValueError:
        skip(skips, "invalid-json")
    except RecursionError:
        skip(skips, "too-deep")
    except Exception:  # noqa: BLE001 - whatever a line provokes, it is one skipped line
        skip(skips, "undecodable")
    return False, None
