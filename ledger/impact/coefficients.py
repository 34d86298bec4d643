"""Impact coefficients: for one model and one set of settings, a fixed low /
central / high vector per metric over the count fields, so that

    impact = sum(vector[bucket] * count[bucket])

Reports aggregate tokens in SQL and multiply once per (model, client) group;
:func:`impacts_for` is that product. Standard library only; cached per
(model, client, settings).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ledger.impact import formulas as fm
from ledger.impact import loading
from ledger.impact.models import TRAINING_HOST, ModelEntry, resolve_model
from ledger.impact.ranges import ZERO, Range
from ledger.impact.settings import Settings
from ledger.vocab import COUNT_FIELDS, TOKEN_BUCKETS

#: The three headline metrics, in report order.
METRICS: tuple[str, ...] = ("energy_wh", "co2e_g", "water_ml")
#: Detail lines, always present.
DETAIL_METRICS: tuple[str, ...] = ("water_onsite_ml", "water_offsite_ml", "co2e_embodied_g")
#: The optional, separately reported training line.
TRAINING_METRICS: tuple[str, ...] = ("energy_training_wh", "co2e_training_g", "water_training_ml")
GENERATED_BUCKETS: tuple[str, ...] = ("output_tokens", "reasoning_tokens")


def factor(name: str, host: str | None = None) -> Range:
    """A factor of factors.toml as a range; a ``[host.<host>]`` value overrides it."""
    data = loading.factors()
    spec = None
    if host is not None:
        spec = data.get("host", {}).get(host, {}).get(name)
    if spec is None:
        spec = data["factor"].get(name)
    if spec is None:
        raise KeyError(f"factors.toml has no factor {name!r} (host {host!r})")
    return Range.of(spec)


def host_spec(host: str) -> dict[str, Any]:
    hosts = loading.factors()["host"]
    return dict(hosts.get(host) or hosts["cloud"])


def zone(code: str | None) -> tuple[str, dict[str, Any], list[str]]:
    """The grids.toml zone for a region code or name; unknown -> World, with a warning."""
    zones = loading.grids()["zone"]
    wanted = (code or "World").strip()
    for key, z in zones.items():
        names = {key.lower(), str(z.get("name", "")).lower(), *(a.lower() for a in z.get("aliases", ()))}
        if wanted.lower() in names:
            return key, z, []
    return "World", zones["World"], [f"unknown region {wanted!r}: the World average grid is used"]


def zone_water(key: str) -> tuple[Range, str]:
    """Off-site water (L/kWh) of a zone, with the x0.5/x1.5 spread; World's when missing."""
    data = loading.grids()
    zones = data["zone"]
    used = key if "water" in zones[key] else "World"
    value = Range.of(zones[used]["water"]).central
    lo, hi = data["meta"]["water_spread"]
    return Range(value * lo, value, value * hi), used


def grid_for(entry: ModelEntry, settings: Settings) -> dict[str, Any]:
    """Where the model's electricity comes from and what it emits, with warnings."""
    warnings: list[str] = []
    spec = host_spec(entry.host)
    if entry.local:
        region = settings.user_region
    elif settings.grid_region.lower() != "auto":
        region = settings.grid_region
    else:
        region = spec.get("region", "World")
    key, z, w = zone(region)
    warnings += w
    intensity = Range.of(z["intensity"])
    basis = "location"
    if settings.grid_intensity_g_per_kwh is not None:
        intensity = Range.of(settings.grid_intensity_g_per_kwh)
        basis = "override"
    elif settings.basis == "market":
        market = spec.get("market")
        if market is not None and settings.grid_region.lower() == "auto" and not entry.local:
            intensity = Range.of(market)
            basis = "market"
        elif market is not None and not entry.local:
            warnings.append(
                f"{entry.host}'s market-based factor covers its own fleet, not grid.region {key}: "
                f"location-based {key} used"
            )
        else:
            warnings.append(
                f"no market-based factor for {entry.host if not entry.local else 'your grid'}: "
                f"location-based {key} used"
            )
    water, water_zone = zone_water(key)
    return {"zone": key, "zone_name": z.get("name", key), "intensity_g_per_kwh": intensity,
            "basis": basis, "water_l_per_kwh": water, "water_zone": water_zone, "warnings": warnings}


@dataclass(frozen=True)
class Coefficients:
    """Per-unit impacts of one model under one set of settings.

    ``per_unit[metric][field]`` is the impact of one token of a bucket (or of
    one request) as a :class:`Range`; ``price`` is USD per token per field.
    """

    model: ModelEntry
    settings: Settings
    per_unit: dict[str, dict[str, Range]]
    price: dict[str, float] | None
    context: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def metrics(self) -> tuple[str, ...]:
        return tuple(self.per_unit)

    @functools.cached_property
    def _ranges(self) -> tuple[tuple[str, tuple[Range, ...]], ...]:
        """``per_unit`` as ``(metric, ranges in COUNT_FIELDS order)`` pairs, for :meth:`apply`."""
        return tuple((m, tuple(per[f] for f in COUNT_FIELDS)) for m, per in self.per_unit.items())

    @property
    def vectors(self) -> dict[str, dict[str, tuple[float, ...]]]:
        """``{metric: {"low": (...), "central": (...), "high": (...)}}`` over ``COUNT_FIELDS``.

        Units: per token (or per request) in Wh, g and mL; for SQL-side products.
        """
        return {m: {end: self.vector(m, end) for end in ("low", "central", "high")} for m in self.per_unit}

    def vector(self, metric: str, end: str = "central") -> tuple[float, ...]:
        """The coefficients of ``metric`` at one end, in ``COUNT_FIELDS`` order."""
        i = ("low", "central", "high").index(end)
        return tuple(self.per_unit[metric][f][i] for f in COUNT_FIELDS)

    def apply(self, counts: Mapping[str, Any]) -> dict[str, Any]:
        """Impacts of the given counts: ``{"energy_wh": {"low", "central", "high"}, ...}``.

        Linear: the impact of a sum of counts is the sum of the impacts.
        Missing fields count as zero. ``cost_usd_estimated`` is the list price
        of the tokens (None when the table has no price for the model).
        """
        c = [float(counts.get(f) or 0) for f in COUNT_FIELDS]
        # The same sums in the same order as a loop over COUNT_FIELDS (so the same
        # floats), over the non-zero counts only and without a dict lookup per term:
        # a report applies this to every (day, client, model) group.
        nonzero = [(i, n) for i, n in enumerate(c) if n]
        out: dict[str, Any] = {}
        for metric, ranges in self._ranges:
            lo = ce = hi = 0.0
            for i, n in nonzero:
                r = ranges[i]
                lo += r.low * n
                ce += r.central * n
                hi += r.high * n
            out[metric] = {"low": lo, "central": ce, "high": hi}
        out["cost_usd_estimated"] = (
            None if self.price is None else sum(self.price[f] * n for f, n in zip(COUNT_FIELDS, c, strict=True))
        )
        return out


def _price_per_token(entry: ModelEntry) -> dict[str, float] | None:
    p = entry.price
    if not p or "input" not in p or "output" not in p:
        return None
    per = {
        "input_tokens": p["input"],
        "cache_write_tokens": p.get("cache_write", p["input"]),
        "cache_read_tokens": p.get("cache_read", p["input"]),
        "output_tokens": p["output"],
        "reasoning_tokens": p.get("reasoning", p["output"]),
    }
    out = {k: fm.cost_usd(v, 1) for k, v in per.items()}
    out["requests"] = 0.0
    return out


def _training_per_token(entry: ModelEntry, settings: Settings) -> tuple[dict[str, Range], dict[str, Any]]:
    """Training energy, CO2e and water per generated token (amortised), and what was assumed."""
    maker_host = TRAINING_HOST.get(entry.provider, entry.provider)
    if maker_host not in loading.factors()["host"] or maker_host == "local":
        maker_host = "cloud"
    tr = entry.training or {}
    power = factor("accel_power_w")  # hosted accelerators, whoever runs the model now
    if "gpu_hours" in tr:
        accel_j = fm.gpu_hours_accel_j(Range.of(tr["gpu_hours"]), power)
        how = f"{tr['gpu_hours']:.3g} disclosed GPU-hours at {power.central:g} W"
    else:
        tokens = Range.of(tr["tokens"]) if "tokens" in tr else factor("training_tokens")
        accel_j = fm.training_accel_j(entry.params_active, tokens, factor("j_per_flop"), factor("u_train"))
        how = f"6 x active parameters x {tokens.central:.3g} training tokens"
    it_j = fm.it_energy_j(accel_j, factor("host_share", maker_host), ZERO)
    energy_wh = fm.j_to_wh(fm.facility_energy_j(it_j, factor("pue", maker_host)))
    key, z, _ = zone(host_spec(maker_host).get("region", "World"))
    intensity = Range.of(z["intensity"])
    co2 = fm.operational_co2e_g(energy_wh, intensity) + fm.embodied_co2e_g(
        accel_j, power, factor("embodied_g_per_accel_hour"), ZERO
    )
    if "co2e_t" in tr:  # a disclosed total is the central value; our range must hold it
        d = float(tr["co2e_t"]) * 1e6
        co2 = Range(min(co2.low, d), d, max(co2.high, d))
    water_l, _ = zone_water(key)
    water = fm.water_onsite_ml(fm.j_to_wh(it_j), factor("wue", maker_host)) + fm.water_offsite_ml(energy_wh, water_l)
    lifetime = factor("lifetime", entry.host)
    per = {
        "energy_training_wh": fm.amortised(energy_wh, lifetime),
        "co2e_training_g": fm.amortised(co2, lifetime),
        "water_training_ml": fm.amortised(water, lifetime),
    }
    ctx = {"training_basis": how, "training_zone": key, "training_energy_wh": energy_wh,
           "training_co2e_g": co2, "lifetime_generated_tokens": lifetime}
    return per, ctx


def compute(
    entry: ModelEntry, settings: Settings, overrides: Mapping[str, Range] | None = None
) -> Coefficients:
    """The coefficients of ``entry`` under ``settings`` (uncached; see :func:`coefficients`).

    ``overrides`` replaces factors by name (calibration puts our estimate on a
    discloser's boundary this way, e.g. ``idle_share = 0``).
    """
    h = entry.host if entry.host in loading.factors()["host"] else "cloud"
    warnings = list(entry.warnings)
    over = dict(overrides or {})

    def f(name: str) -> Range:
        return over[name] if name in over else factor(name, h)

    params = fm.effective_params_b(entry.params_total, entry.params_active, f("moe_inactive_weight"))
    decode = fm.token_accel_j(params, f("j_per_flop"), f("u_decode"))
    prefill = fm.token_accel_j(params, f("j_per_flop"), f("u_prefill"))
    accel = fm.bucket_accel_j(decode, prefill, f("context_weight"), f("cache_write_extra"))
    accel["requests"] = ZERO
    host_share, idle, pue = f("host_share"), f("idle_share"), f("pue")
    it_j = {b: fm.it_energy_j(accel[b], host_share, idle) for b in TOKEN_BUCKETS}
    it_j["requests"] = f("request_wh") * fm.J_PER_WH
    energy_wh = {b: fm.j_to_wh(fm.facility_energy_j(it_j[b], pue)) for b in COUNT_FIELDS}
    it_wh = {b: fm.j_to_wh(it_j[b]) for b in COUNT_FIELDS}

    grid = grid_for(entry, settings)
    warnings += grid["warnings"]
    intensity = grid["intensity_g_per_kwh"]
    embodied = {
        b: fm.embodied_co2e_g(accel[b], f("accel_power_w"), f("embodied_g_per_accel_hour"), idle)
        for b in COUNT_FIELDS
    }
    onsite = {b: fm.water_onsite_ml(it_wh[b], f("wue")) for b in COUNT_FIELDS}
    offsite = {b: fm.water_offsite_ml(energy_wh[b], grid["water_l_per_kwh"]) for b in COUNT_FIELDS}
    per_unit: dict[str, dict[str, Range]] = {
        "energy_wh": energy_wh,
        "co2e_g": {b: fm.operational_co2e_g(energy_wh[b], intensity) + embodied[b] for b in COUNT_FIELDS},
        "water_ml": {b: onsite[b] + offsite[b] for b in COUNT_FIELDS},
        "water_onsite_ml": onsite,
        "water_offsite_ml": offsite,
        "co2e_embodied_g": embodied,
    }
    context: dict[str, Any] = {
        "host": h,
        **{k: v for k, v in grid.items() if k != "warnings"},
        "pue": pue,
        "wue_l_per_kwh": f("wue"),
        "effective_params_b": params,
        "decode_accel_j_per_token": decode,
        "prefill_accel_j_per_token": prefill,
    }
    if settings.include_training:
        per_token, tctx = _training_per_token(entry, settings)
        for metric, r in per_token.items():
            per_unit[metric] = {b: (r if b in GENERATED_BUCKETS else ZERO) for b in COUNT_FIELDS}
        context.update(tctx)
    return Coefficients(
        model=entry,
        settings=settings,
        per_unit=per_unit,
        price=_price_per_token(entry),
        context=context,
        warnings=tuple(dict.fromkeys(warnings)),
    )


@functools.lru_cache(maxsize=1024)
def _cached(model_id: str, client: str | None, settings: Settings) -> Coefficients:
    return compute(resolve_model(model_id, client), settings)


def coefficients(model_id: str, settings: Settings | None = None, client: str | None = None) -> Coefficients:
    """The cached coefficients of ``model_id`` (as ``client`` reported it) under ``settings``."""
    return _cached(model_id, client, settings if settings is not None else Settings())


def impacts_for(
    model_id: str,
    counts: Mapping[str, Any],
    settings: Settings | None = None,
    client: str | None = None,
) -> dict[str, Any]:
    """Impacts of ``counts`` (token buckets and requests) of ``model_id``.

    Returns ``{"energy_wh": {"low", "central", "high"}, "co2e_g": ..., "water_ml": ...}``
    plus ``water_onsite_ml``, ``water_offsite_ml``, ``co2e_embodied_g``, the
    training lines when enabled, and ``cost_usd_estimated``. Units: Wh, g, mL.
    """
    return coefficients(model_id, settings, client).apply(counts)


def clear_cache() -> None:
    _cached.cache_clear()
