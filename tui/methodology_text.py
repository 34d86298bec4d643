"""The methodology as Markdown for the dashboard: boundary, formulas and the
sources of every factor in use (``ledger.impact.describe``), or None when the
impact methodology is not installed."""

from __future__ import annotations

from typing import Any


def render(settings: dict[str, Any]) -> str | None:
    try:
        from ledger.impact import Settings
        from ledger.impact.describe import methodology_md
    except ImportError:
        return None
    return methodology_md(Settings.from_config(settings))
