"""User settings in ``$TOKENPRINT_HOME/config.toml``: known keys, types, defaults.

Reading uses the standard library (``tomllib``); writing uses tomlkit so the
user's comments and layout survive ``tokenprint config set``. Every setting
changes how history is *read* (impacts are computed from stored tokens), never
what is stored.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.paths import CONFIG_FILE


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Key:
    name: str
    parse: Callable[[str], Any]
    default: Any
    help: str
    choices: tuple[str, ...] | None = None


def _bool(text: str) -> bool:
    low = text.strip().lower()
    if low in {"1", "true", "yes", "on"}:
        return True
    if low in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"expected true or false, got {text!r}")


def _nonneg_float(text: str) -> float:
    value = float(text)
    if value < 0 or value != value:
        raise ValueError(f"expected a non-negative number, got {text!r}")
    return value


def _opt_nonneg_float(text: str) -> float | None:
    return None if text.strip().lower() in {"", "none", "auto"} else _nonneg_float(text)


def _str(text: str) -> str:
    return text.strip()


#: Every known key. Other modules may add keys with :func:`register`.
KEYS: dict[str, Key] = {}


def register(key: Key) -> None:
    KEYS[key.name] = key


for _k in (
    Key("user.region", _str, "World", "Where you live: picks the car, grid and per-person figures of the equivalents (e.g. FR, US, GB, World)."),
    Key("grid.region", _str, "auto", "Grid of the data centres: 'auto' uses each provider's default region, or a zone such as US, FR, SE."),
    Key("grid.intensity_g_per_kwh", _opt_nonneg_float, None, "Override the grid intensity (gCO2e/kWh) for every model; 'auto' to clear."),
    Key("grid.basis", _str, "location", "Carbon accounting basis: location or market.", ("location", "market")),
    Key("impact.include_training", _bool, False, "Add the amortised training share as a separate line."),
    Key("budget.monthly_kg", _opt_nonneg_float, None, "Monthly CO2e budget in kg ('none' to clear)."),
):
    register(_k)


def config_path(home: Path) -> Path:
    return home / CONFIG_FILE


def load(home: Path) -> dict[str, Any]:
    """The settings as a flat dict of dotted keys (defaults filled in).

    A file that is not valid TOML raises ``ConfigError`` naming the file and line.
    """
    path = config_path(home)
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}; fix or delete the file") from exc
    flat: dict[str, Any] = {}

    def walk(prefix: str, node: dict[str, Any]) -> None:
        for k, v in node.items():
            name = f"{prefix}{k}"
            if isinstance(v, dict):
                walk(name + ".", v)
            else:
                flat[name] = v

    walk("", data)
    out = {name: key.default for name, key in KEYS.items()}
    out.update(flat)
    return out


def parse_value(name: str, value: str) -> Any:
    key = KEYS.get(name)
    if key is None:
        known = ", ".join(sorted(KEYS))
        raise ConfigError(f"unknown setting {name!r}; known settings: {known}")
    try:
        parsed = key.parse(value)
    except ValueError as exc:
        raise ConfigError(f"{name}: {exc}") from None
    if key.choices and parsed not in key.choices:
        raise ConfigError(f"{name}: expected one of {', '.join(key.choices)}, got {value!r}")
    return parsed


def set_value(home: Path, name: str, value: str) -> Any:
    """Validate and write one setting, keeping the rest of the file as it was."""
    import tomlkit

    parsed = parse_value(name, value)
    path = config_path(home)
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    try:
        doc = tomlkit.parse(text)
    except Exception as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix or delete the file") from exc
    *tables, leaf = name.split(".")
    node: Any = doc
    for t in tables:
        if t not in node:
            node[t] = tomlkit.table()
        node = node[t]
    if parsed is None:
        if leaf in node:
            del node[leaf]
    else:
        node[leaf] = parsed
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(tomlkit.dumps(doc), encoding="utf-8")
    os.replace(tmp, path)
    return parsed
