"""Model rows and factor sets from plugins, checked as the built-in data is, added to its tables.

Standard library only. Plugins (:mod:`ledger.plugins`) add through two hooks:

- ``register_models(register)``: ``register(row)``, a row of ``models.toml``'s
  ``[[model]]`` table (``id``, ``provider``, ``params`` with ``total`` (and
  ``active``), ``unit``, ``source`` and ``year``; optional ``family``, ``host``,
  ``aliases``, ``reasoning``, ``open_weights``, ``price`` with ``unit``, ``date``
  and ``source``, ``training`` with ``source`` and ``year``);
- ``register_factor_sets(register)``: ``register(name, {"host": {...}, "zone": {...}})``,
  new ``[host.*]`` tables of ``factors.toml`` (``region``, ``source``, ``pue``, ``wue``,
  ``lifetime``, and any factor they override for that host) and new ``[zone.*]``
  tables of ``grids.toml`` (``intensity`` in gCO2e/kWh, optional ``water`` in L/kWh).

Every number carries its unit, source and year, and its range is ordered and
non-negative (:func:`model_problems`, :func:`host_problems`, :func:`zone_problems`:
the built-in data passes the same checks, ``tests/plugins/test_plugin_api.py``).

**A plugin adds, it never replaces.** A row whose id or one of whose aliases is
already a built-in model's id or alias, a host or zone the data files already have,
or one another plugin registered first (plugins are called in the order of their
names) is left out with a problem naming the plugin: the built-in methodology, with
its sources, is what every report states, and a plugin cannot silently change it.
A plugin model may name a plugin host (factor sets are registered first), and a
plugin host a plugin zone.

Loaded once per process, when a data file's table is first read
(``ledger.impact.loading.models()``, ``factors()``, ``grids()``); a command that
never reads them never loads a plugin for them.
"""

from __future__ import annotations

import json
from typing import Any

from ledger import plugins as api

#: Table of each data file that plugins extend.
TABLES = {"models": "model", "factors": "host", "grids": "zone"}
NUMERIC = ("low", "central", "high", "value")
HOST_NEEDS = ("pue", "wue", "lifetime")
PRICE_FIELDS = ("input", "cache_write", "cache_read", "output")

_DATA: dict[str, Any] | None = None
_MERGED: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}


def _is_factor(spec: Any) -> bool:
    return isinstance(spec, dict) and any(k in spec for k in NUMERIC)


def factor_problems(spec: Any, where: str) -> list[str]:
    """A number of the methodology: a value or low/central/high, unit, source, year (int)."""
    from ledger.impact.ranges import Range

    if not isinstance(spec, dict):
        return [f"{where}: expected a table with value (or low/central/high), unit, source and year"]
    out = [f"{where}: no {k}" for k in ("unit", "source") if not (isinstance(spec.get(k), str) and spec[k].strip())]
    if not (isinstance(spec.get("year"), int) and not isinstance(spec.get("year"), bool)):
        out.append(f"{where}: no year (an integer)")
    try:
        Range.of(spec)
    except (TypeError, ValueError, KeyError) as exc:
        out.append(f"{where}: bad range ({exc})")
    return out


def _text(row: dict[str, Any], key: str, where: str, needed: bool = True) -> list[str]:
    value = row.get(key)
    if value is None and not needed:
        return []
    return [] if isinstance(value, str) and value.strip() else [f"{where}: {key} must be a non-empty string"]


def model_problems(row: Any, hosts: set[str]) -> list[str]:
    """What is wrong with a model row (empty: fine); ``hosts``: the hosts it may run on."""
    from ledger.impact.ranges import Range

    if not isinstance(row, dict):
        return [f"a model row must be a table, not {type(row).__name__}"]
    where = f"model {row.get('id')!r}"
    out = _text(row, "id", where) + _text(row, "provider", where) + _text(row, "family", where, needed=False)
    aliases = row.get("aliases", [])
    if not (isinstance(aliases, list) and all(isinstance(a, str) and a.strip() for a in aliases)):
        out.append(f"{where}: aliases must be a list of non-empty strings")
    host = row.get("host", row.get("provider"))
    if isinstance(host, str) and host not in hosts:
        out.append(f"{where}: host {host!r} is not a known host ({', '.join(sorted(hosts))}; "
                   "a factor set may add one)")
    for key in ("reasoning", "open_weights"):
        if key in row and not isinstance(row[key], bool):
            out.append(f"{where}: {key} must be true or false")
    params = row.get("params")
    if not isinstance(params, dict):
        return [*out, f"{where}: params must be a table (total, active, unit, source, year)"]
    for key in ("total", "active"):
        if key in params or key == "total":
            try:
                Range.of(params.get(key))
            except (TypeError, ValueError, KeyError) as exc:
                out.append(f"{where}: params.{key}: bad size in billions ({exc})")
    out += [f"{where}: params: no {k}" for k in ("unit", "source")
            if not (isinstance(params.get(k), str) and params[k].strip())]
    if not (isinstance(params.get("year"), int) and not isinstance(params.get("year"), bool)):
        out.append(f"{where}: params: no year (an integer)")
    price = row.get("price")
    if price is not None:
        if not isinstance(price, dict):
            out.append(f"{where}: price must be a table")
        else:
            for key in PRICE_FIELDS:
                v = price.get(key)
                if v is not None and (isinstance(v, bool) or not isinstance(v, int | float) or not v >= 0):
                    out.append(f"{where}: price.{key} must be a non-negative number")
            if not isinstance(price.get("input"), int | float) or not isinstance(price.get("output"), int | float):
                out.append(f"{where}: price needs input and output")
            out += [f"{where}: price: {k} missing" for k in ("unit", "date", "source") if not price.get(k)]
    training = row.get("training")
    if training is not None and not (isinstance(training, dict) and training.get("source")
                                     and isinstance(training.get("year"), int)):
        out.append(f"{where}: training needs a source and a year")
    return out


def host_problems(name: str, spec: Any, zones: set[str]) -> list[str]:
    """What is wrong with a ``[host.<name>]`` table (``zones``: the regions it may name)."""
    where = f"host {name!r}"
    if not isinstance(spec, dict):
        return [f"{where}: must be a table"]
    out = _text(spec, "source", where) + _text(spec, "region", where)
    region = spec.get("region")
    if isinstance(region, str) and region != "user" and region not in zones:
        out.append(f"{where}: region {region!r} is not a grid zone")
    for key in HOST_NEEDS:
        if key not in spec:
            out.append(f"{where}: no {key}")
    for key, value in spec.items():
        if key not in ("region", "source"):
            out += factor_problems(value, f"{where}.{key}")
    return out


def zone_problems(name: str, spec: Any) -> list[str]:
    """What is wrong with a ``[zone.<name>]`` table."""
    where = f"zone {name!r}"
    if not isinstance(spec, dict):
        return [f"{where}: must be a table"]
    out = factor_problems(spec.get("intensity"), f"{where}.intensity")
    if isinstance(spec.get("intensity"), dict) and spec["intensity"].get("unit") != "gCO2e/kWh":
        out.append(f"{where}.intensity: unit must be gCO2e/kWh")
    if "water" in spec:
        out += factor_problems(spec["water"], f"{where}.water")
        if isinstance(spec["water"], dict) and spec["water"].get("unit") != "L/kWh":
            out.append(f"{where}.water: unit must be L/kWh")
    aliases = spec.get("aliases", [])
    if not (isinstance(aliases, list) and all(isinstance(a, str) for a in aliases)):
        out.append(f"{where}: aliases must be a list of strings")
    return out


def _copy(value: Any) -> Any:
    """A plain-JSON copy (the plugin's objects are not kept; non-JSON data is refused)."""
    return json.loads(json.dumps(value, allow_nan=False))


def load() -> dict[str, Any]:
    """The plugins' rows, checked: ``{"model": [...], "host": {...}, "zone": {...}}``."""
    global _DATA
    if _DATA is not None:
        return _DATA
    from ledger.impact import loading

    data: dict[str, Any] = {"model": [], "host": {}, "zone": {}}
    _DATA = data  # set first: the checks below read the built-in tables, never this
    if not (api.implemented("register_models") or api.implemented("register_factor_sets")):
        return data  # no plugin adds data: no data file is read for the checks
    base_models = loading.load("models")["model"]
    hosts_of: dict[str, str] = {h: "the built-in factors" for h in loading.load("factors")["host"]}
    zones_of: dict[str, str] = {z: "the built-in grids" for z in loading.load("grids")["zone"]}
    names: dict[str, str] = {}
    for row in base_models:
        for key in (row["id"], *row.get("aliases", ())):
            names[key.lower()] = "a built-in model"

    def factor_register(ep: api.EntryPoint) -> Any:
        def register(name: Any, sets: Any) -> None:
            label = f"factor set {name!r}"
            try:
                sets = _copy(sets)
            except (TypeError, ValueError) as exc:
                api.problem(ep.label, f"{label}: not plain data ({exc}); ignored")
                return
            if not isinstance(sets, dict) or set(sets) - {"host", "zone"}:
                api.problem(ep.label, f"{label}: expected {{'host': {{...}}, 'zone': {{...}}}}; ignored")
                return
            for key, spec in (sets.get("zone") or {}).items():
                if key in zones_of:
                    api.problem(ep.label, f"{label}: zone {key!r} is already in {zones_of[key]}; a plugin "
                                "never replaces a zone: ignored")
                    continue
                bad = zone_problems(key, spec)
                if bad:
                    api.problem(ep.label, f"{label}: {'; '.join(bad)}; zone ignored")
                    continue
                zones_of[key] = ep.label
                data["zone"][key] = {**spec, "plugin": ep.label}
            for key, spec in (sets.get("host") or {}).items():
                if key in hosts_of:
                    api.problem(ep.label, f"{label}: host {key!r} is already in {hosts_of[key]}; a plugin "
                                "never replaces a host: ignored")
                    continue
                bad = host_problems(key, spec, set(zones_of))
                if bad:
                    api.problem(ep.label, f"{label}: {'; '.join(bad)}; host ignored")
                    continue
                hosts_of[key] = ep.label
                data["host"][key] = {**spec, "plugin": ep.label}
        return register

    def model_register(ep: api.EntryPoint) -> Any:
        def register(row: Any) -> None:
            try:
                row = _copy(row)
            except (TypeError, ValueError) as exc:
                api.problem(ep.label, f"model row: not plain data ({exc}); ignored")
                return
            bad = model_problems(row, set(hosts_of))
            if bad:
                api.problem(ep.label, f"{'; '.join(bad)}; row ignored")
                return
            keys = [k.lower() for k in (row["id"], *row.get("aliases", ()))]
            taken = [k for k in keys if k in names]
            if taken:
                api.problem(ep.label, f"model {row['id']!r}: {taken[0]!r} is already {names[taken[0]]} (id or "
                            "alias); a plugin row never replaces a model row: ignored")
                return
            for k in keys:
                names[k] = f"a model of {ep.label}"
            data["model"].append({**row, "plugin": ep.label})
        return register

    api.call("register_factor_sets", factor_register)
    api.call("register_models", model_register)
    return data


def merged(name: str, base: dict[str, Any]) -> dict[str, Any]:
    """``base`` (the parsed ``data/<name>.toml``) with the plugins' rows added."""
    table = TABLES.get(name)
    if table is None:
        return base
    cached = _MERGED.get(name)
    if cached is not None and cached[0] is base:
        return cached[1]
    extra = load()[table]
    if not extra:
        out = base
    elif isinstance(extra, list):
        out = {**base, table: [*base[table], *extra]}
    else:
        out = {**base, table: {**base[table], **extra}}
    _MERGED[name] = (base, out)
    return out


def clear() -> None:
    """Forget the plugins' rows (tests)."""
    global _DATA
    _DATA = None
    _MERGED.clear()
