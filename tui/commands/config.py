"""``tokenprint config get|set|list``: read and change settings in config.toml.

``set`` validates before it writes: an unknown key, a value of the wrong type, a
negative budget or an unknown region exits 2 with the reason (and the closest
known names) and leaves config.toml byte for byte as it was; a write that fails (a full
disk, a read-only home) exits 1 with one line and leaves it as it was too. ``get`` and ``list``
show what the file holds even when a value is wrong (so it can be fixed), and
say on stderr what is wrong; the reports refuse such a file (``ledger.config.load``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from tui.common import common, ctx_obj, fail


@click.group()
@common()
def config() -> None:
    """Read or change settings (e.g. grid.region, budget.monthly_kg)."""


def _values(home: Path) -> dict[str, Any]:
    """The stored values (not validated), after a warning on stderr for each problem."""
    from ledger.config import ConfigError, load, problems

    try:
        values = load(home, strict=False)
        for problem in problems(home):
            click.echo(f"warning: {problem}", err=True)
    except ConfigError as exc:
        fail(str(exc))
    return values


def _show(value: Any) -> str:
    return "none" if value is None else (json.dumps(value) if isinstance(value, bool) else str(value))


@config.command("get")
@click.argument("key")
@common()
def get(key: str) -> None:
    """Print the value of KEY (its default when unset)."""
    from ledger.config import KEYS

    values = _values(ctx_obj().home_path())
    if key not in values and key not in KEYS:
        fail(f"unknown setting {key!r}; known settings: {', '.join(sorted(KEYS))}")
    click.echo(_show(values.get(key)))


@config.command("set", context_settings={"ignore_unknown_options": True})
@click.argument("key")
@click.argument("value")
@common()
def set_(key: str, value: str) -> None:
    """Set KEY to VALUE; impacts of all history follow the new setting."""
    from ledger.config import ConfigError, config_path, set_value
    from ledger.files import write_error

    home = ctx_obj().home_path()
    try:
        parsed = set_value(home, key, value)
    except ConfigError as exc:
        fail(str(exc))
    except OSError as exc:  # a full disk, a read-only home: config.toml is as it was
        fail(write_error(exc, config_path(home)), 1)
    click.echo(f"{key} = {_show(parsed)}")


@config.command("list")
@common()
def list_() -> None:
    """Every known setting, its value and what it does."""
    from ledger.config import KEYS

    values = _values(ctx_obj().home_path())
    for name in sorted(KEYS):
        click.echo(f"{name} = {_show(values.get(name))}    # {KEYS[name].help}")
