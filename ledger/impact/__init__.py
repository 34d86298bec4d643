"""tokenprint's impact methodology: tokens -> energy, CO2e and water, with ranges.

Standard library only (the hook and the status line call it on hot paths);
the data files load lazily on first use, and so does ``shrink`` (PEP 562
``__getattr__``: ``report`` and the status line never need it). The public API::

    from ledger.impact import (METHODOLOGY_VERSION, Settings, resolve_model,
                               coefficients, impacts_for, smaller_sibling,
                               low_carbon_zone, alternatives)

Formulas: ``formulas``; the model table: ``models``; per-model vectors:
``coefficients``; what would shrink it (smaller sibling, low-carbon grid):
``shrink``; calibration cases: ``calibration``. The method is written
out in docs/methodology.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# Imported here, not lazily: the function ``coefficients`` has the name of its module,
# which an import of ``ledger.impact.coefficients`` would otherwise leave in its place.
from ledger.impact.coefficients import METRICS, Coefficients, coefficients, impacts_for
from ledger.impact.models import ModelEntry, resolve_model
from ledger.impact.ranges import Range
from ledger.impact.settings import METHODOLOGY_VERSION, Settings

if TYPE_CHECKING:
    from ledger.impact.shrink import (
        Alternatives,
        alternatives,
        low_carbon_settings,
        low_carbon_zone,
        smaller_sibling,
    )

_LAZY = {"Alternatives", "alternatives", "low_carbon_settings", "low_carbon_zone", "smaller_sibling"}

__all__ = [
    "METHODOLOGY_VERSION",
    "METRICS",
    "Alternatives",
    "Coefficients",
    "ModelEntry",
    "Range",
    "Settings",
    "alternatives",
    "coefficients",
    "impacts_for",
    "low_carbon_settings",
    "low_carbon_zone",
    "resolve_model",
    "smaller_sibling",
]


def __getattr__(name: str) -> Any:
    """The names of ``ledger.impact.shrink``, imported on first use."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from ledger.impact import shrink

    return getattr(shrink, name)
