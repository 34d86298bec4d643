"""The parts of an export that read the impact methodology: equivalents, what would
shrink the footprint, factor sources, the boundary, unknown models.

Everything here degrades to empty when ``ledger.impact`` is not installed, so the
token parts of an export never depend on it.
"""

from __future__ import annotations

from typing import Any

Rows = list[dict[str, Any]]


def equivalents(totals: dict[str, Any], settings: dict[str, Any]) -> list[dict[str, Any]]:
    return []


def shrink(groups: Rows, settings: dict[str, Any]) -> list[dict[str, Any]]:
    return []


def sources(groups: Rows, settings: dict[str, Any], meta: dict[str, Any]) -> list[dict[str, Any]]:
    return []


def boundary(settings: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    return {}


def unknown_models(groups: Rows, settings: dict[str, Any]) -> list[dict[str, Any]]:
    return []
