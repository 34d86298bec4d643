"""The JSON export: the ``report --json`` object of the range (daily rows per client
and model, totals) plus settings, methodology, equivalents and the rest of the
summary (docs/export.md). Keys are only ever added.

Every string (keys too) goes through ``ledger.names.terminal_safe``: a control
character in a name is ``?``, as the ledger stores it since names are neutralised
at the door, so ``jq -r`` never prints an escape sequence from an old ledger.
"""

from __future__ import annotations

import json
from typing import Any

from ledger.names import terminal_safe


def safe(value: Any) -> Any:
    """``value`` with every string in it (keys included) without control characters."""
    if isinstance(value, str):
        return terminal_safe(value)
    if isinstance(value, dict):
        return {terminal_safe(k) if isinstance(k, str) else k: safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [safe(v) for v in value]
    return value


def render(doc: dict[str, Any]) -> str:
    return json.dumps(safe(doc), indent=1, ensure_ascii=False) + "\n"
