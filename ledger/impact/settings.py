"""The user settings that change impacts, and the methodology version.

Standard library only. Settings come from ``tokenprint config`` (the flat dict
of :func:`ledger.config.load`); a change applies to all history because impacts
are computed from stored tokens when read. Every report states the version and
the settings it used (:meth:`Settings.as_dict`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

#: The version of the methodology (formulas + data files). Bump on any change
#: that moves a number; reports print it.
METHODOLOGY_VERSION = "2026.11"

BASES = ("location", "market")


@dataclass(frozen=True)
class Settings:
    """What the user chose; hashable, so coefficients cache per (model, settings).

    - ``user_region``: where the user lives: the grid of local models and the
      equivalents (a zone of grids.toml, e.g. ``FR``, ``US``, ``World``).
    - ``grid_region``: ``auto`` (each provider's own region) or a zone that
      replaces it for every hosted model.
    - ``grid_intensity_g_per_kwh``: a grid intensity (gCO2e/kWh) for every model.
    - ``basis``: ``location`` (default) or ``market`` (where the operator gives
      enough to derive one; otherwise location, with a warning, never silently).
    - ``include_training``: add the amortised training line.
    """

    user_region: str = "World"
    grid_region: str = "auto"
    grid_intensity_g_per_kwh: float | None = None
    basis: str = "location"
    include_training: bool = False

    def __post_init__(self) -> None:
        if self.basis not in BASES:
            raise ValueError(f"grid.basis: expected location or market, got {self.basis!r}")
        if self.grid_intensity_g_per_kwh is not None and not self.grid_intensity_g_per_kwh >= 0:
            raise ValueError("grid.intensity_g_per_kwh: expected a non-negative number")

    @classmethod
    def from_config(cls, flat: dict[str, Any] | None) -> Settings:
        """Settings from the flat dict of ``ledger.config.load(home)`` (missing keys: defaults)."""
        flat = flat or {}
        intensity = flat.get("grid.intensity_g_per_kwh")
        return cls(
            user_region=str(flat.get("user.region") or "World"),
            grid_region=str(flat.get("grid.region") or "auto"),
            grid_intensity_g_per_kwh=None if intensity in (None, "", "auto") else float(intensity),
            basis=str(flat.get("grid.basis") or "location"),
            include_training=_truthy(flat.get("impact.include_training", False)),
        )

    def with_region(self, region: str) -> Settings:
        """These settings with every model run in ``region`` (``estimate --region``)."""
        return replace(self, user_region=region, grid_region=region)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def as_config(self) -> dict[str, Any]:
        """The same settings under their ``tokenprint config`` names."""
        return {
            "user.region": self.user_region,
            "grid.region": self.grid_region,
            "grid.intensity_g_per_kwh": self.grid_intensity_g_per_kwh,
            "grid.basis": self.basis,
            "impact.include_training": self.include_training,
        }


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)
