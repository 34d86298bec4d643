"""tokenprint's impact methodology: tokens -> energy, CO2e and water, with ranges.

Standard library only (the hook and the status line call it on hot paths);
the data files load lazily on first use. The public API::

    from ledger.impact import (METHODOLOGY_VERSION, Settings, resolve_model,
                               coefficients, impacts_for, smaller_sibling,
                               low_carbon_zone, alternatives)

Formulas: ``formulas``; the model table: ``models``; per-model vectors:
``coefficients``; what would shrink it (smaller sibling, low-carbon grid):
``shrink``; calibration cases: ``calibration``. The method is written
out in docs/methodology.md.
"""

from __future__ import annotations

from ledger.impact.coefficients import METRICS, Coefficients, coefficients, impacts_for
from ledger.impact.models import ModelEntry, resolve_model
from ledger.impact.ranges import Range
from ledger.impact.settings import METHODOLOGY_VERSION, Settings
from ledger.impact.shrink import (
    Alternatives,
    alternatives,
    low_carbon_settings,
    low_carbon_zone,
    smaller_sibling,
)

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
