"""User settings in ``$TOKENPRINT_HOME/config.toml``: known keys, types, defaults.

Reading uses the standard library (``tomllib``); writing uses tomlkit so the
user's comments and layout survive ``tokenprint config set``. Every setting
changes how history is *read* (impacts are computed from stored tokens), never
what is stored.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.files import PRIVATE_FILE, atomic_write, private_dir
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
    #: What TOML type a hand-edited value must have: "str", "number" or "bool".
    kind: str = "str"


def _bool(text: str) -> bool:
    low = text.strip().lower()
    if low in {"1", "true", "yes", "on"}:
        return True
    if low in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"expected true or false, got {text!r}")


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {text!r}")
    return value


def _nonneg_float(text: str) -> float:
    value = _number(text)
    if value < 0:
        raise ValueError(f"expected a non-negative number, got {text!r}")
    return value


def _opt_nonneg_float(text: str) -> float | None:
    return None if text.strip().lower() in {"", "none", "auto"} else _nonneg_float(text)


def _opt_budget(text: str) -> float | None:
    if text.strip().lower() in {"", "none"}:
        return None
    value = _number(text)
    if value <= 0:
        raise ValueError(f"expected a positive number of kg ('none' to clear), got {text!r}")
    return value


def _close(word: str, choices: list[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    import difflib  # lazily: the status line reads this module on every message

    return difflib.get_close_matches(word, choices, n=n, cutoff=cutoff)


def _str(text: str) -> str:
    return text.strip()


def known_regions() -> dict[str, str]:
    """Every name a region can be given by (code, name, alias; lower case) -> its
    zone code in ``ledger/impact/data/grids.toml``."""
    from ledger.impact import loading

    out: dict[str, str] = {}
    for code, z in loading.grids()["zone"].items():
        for name in (code, str(z.get("name", "")), *z.get("aliases", ())):
            if name:
                out[name.lower()] = code
    return out


def region_code(text: str, *, auto: bool = False) -> str:
    """A zone code of grids.toml (``fr``, ``France`` -> ``FR``); ``auto`` if allowed."""
    wanted = text.strip()
    if auto and wanted.lower() == "auto":
        return "auto"
    names = known_regions()
    code = names.get(wanted.lower())
    if code is not None:
        return code
    codes = list(dict.fromkeys(names.values()))
    close = _close(wanted.lower(), list(names), n=3, cutoff=0.6)
    near = list(dict.fromkeys(names[c] for c in close))
    hint = f" (did you mean {' or '.join(near)}?)" if near else ""
    known = ", ".join((["auto"] if auto else []) + codes)
    raise ValueError(f"unknown region {wanted!r}{hint}; known: {known}")


def _user_region(text: str) -> str:
    return region_code(text)


def _grid_region(text: str) -> str:
    return region_code(text, auto=True)


#: Every known key. Other modules may add keys with :func:`register`.
KEYS: dict[str, Key] = {}


def register(key: Key) -> None:
    KEYS[key.name] = key


for _k in (
    Key("user.region", _user_region, "World", "Where you live: picks the car, grid and per-person figures of the equivalents (e.g. FR, US, GB, World)."),
    Key("grid.region", _grid_region, "auto", "Grid of the data centres: 'auto' uses each provider's default region, or a zone such as US, FR, SE."),
    Key("grid.intensity_g_per_kwh", _opt_nonneg_float, None, "Override the grid intensity (gCO2e/kWh) for every model; 'auto' to clear.", kind="number"),
    Key("grid.basis", _str, "location", "Carbon accounting basis: location or market.", ("location", "market")),
    Key("impact.include_training", _bool, False, "Add the amortised training share as a separate line.", kind="bool"),
    Key("budget.monthly_kg", _opt_budget, None, "Monthly CO2e budget in kg ('none' to clear).", kind="number"),
    Key("backup.keep", lambda text: _backup_keep(text), 7, "How many daily ledger backups to keep in backups/ (1 to 1000).", kind="number"),
):
    register(_k)


def _backup_keep(text: str) -> int:
    value = _number(text)
    if value != int(value) or not 1 <= value <= 1000:
        raise ValueError(f"{text!r} is not a whole number from 1 to 1000")
    return int(value)


def config_path(home: Path) -> Path:
    return home / CONFIG_FILE


def _read(home: Path) -> dict[str, Any]:
    """The file's settings as a flat dict of dotted keys (no defaults)."""
    path = config_path(home)
    data: dict[str, Any] = {}
    if path.exists():
        import tomllib  # here: most ledgers have no config.toml, and tomllib costs a few ms to import

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
    return flat


_KIND_TYPES: dict[str, tuple[type, ...]] = {"str": (str,), "number": (int, float), "bool": (bool,)}
_KIND_WORDS = {"str": "a string", "number": "a number", "bool": "true or false"}


def check_stored(name: str, value: Any) -> Any:
    """The value of a known key as read from config.toml, validated as ``config set``
    validates it (a hand-edited file may hold anything). Raises ``ValueError``."""
    key = KEYS[name]
    if not isinstance(value, _KIND_TYPES[key.kind]) or (key.kind != "bool" and isinstance(value, bool)):
        raise ValueError(f"expected {_KIND_WORDS[key.kind]}, got {value!r}")
    if key.kind == "bool":
        return value
    parsed = key.parse(str(value))
    if key.choices and parsed not in key.choices:
        raise ValueError(f"expected one of {', '.join(key.choices)}, got {value!r}")
    return parsed


def problems(home: Path) -> list[str]:
    """What is wrong in config.toml, one sentence per setting, each with its fix:
    a known key with a value ``config set`` would refuse, or an unknown key."""
    path = config_path(home)
    out = []
    for name, value in _read(home).items():
        if name not in KEYS:
            close = _close(name, list(KEYS), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            out.append(f"{path}: unknown setting {name!r}{hint}, ignored; known settings: {', '.join(sorted(KEYS))}")
            continue
        try:
            check_stored(name, value)
        except ValueError as exc:
            out.append(f"{path}: {name} = {value!r}: {exc}. Fix it with "
                       f"`tokenprint config set {name} VALUE`, or delete the line")
    return out


def load(home: Path, *, strict: bool = True) -> dict[str, Any]:
    """The settings as a flat dict of dotted keys (defaults filled in).

    A file that is not valid TOML raises ``ConfigError`` naming the file and line.
    So does, when ``strict``, a known key whose value ``config set`` would refuse
    (an unknown region, a string where a number belongs): a report on the World
    grid when the user asked for another is a wrong report, so it is not made.
    Unknown keys are kept and ignored (a plugin may register them later).
    ``strict=False`` gives the values as stored (for ``config get`` and ``list``).
    """
    flat = _read(home)
    if strict:
        for name, value in flat.items():
            if name in KEYS:
                try:
                    flat[name] = check_stored(name, value)
                except ValueError as exc:
                    raise ConfigError(
                        f"{config_path(home)}: {name} = {value!r}: {exc}. Fix it with "
                        f"`tokenprint config set {name} VALUE`, or delete the line"
                    ) from None
    out = {name: key.default for name, key in KEYS.items()}
    out.update(flat)
    return out


def parse_value(name: str, value: str) -> Any:
    key = KEYS.get(name)
    if key is None:
        known = ", ".join(sorted(KEYS))
        close = _close(name, list(KEYS), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise ConfigError(f"unknown setting {name!r}{hint}; known settings: {known}")
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
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 (byte {exc.start}); fix or delete the file") from None
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
    # 0600 whatever the umask or the file's mode so far; atomic (a full disk leaves the
    # file as it was and no temporary file): raises OSError (see ledger.files.write_error)
    # A config.toml that is a symbolic link (dotfiles) is written through: the link stays.
    real = Path(os.path.realpath(path)) if path.is_symlink() else private_dir(path.parent) / path.name
    atomic_write(real, tomlkit.dumps(doc).encode("utf-8"), PRIVATE_FILE)
    path.with_suffix(".toml.tmp").unlink(missing_ok=True)  # left by versions before 0600 writes
    return parsed
