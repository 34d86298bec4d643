"""``tokenprint config get|set|list``: read and change settings in config.toml."""

from __future__ import annotations

import json

import click

from tui.common import common, ctx_obj, fail


@click.group()
@common()
def config() -> None:
    """Read or change settings (e.g. grid.region, budget.monthly_kg)."""


@config.command("get")
@click.argument("key")
@common()
def get(key: str) -> None:
    """Print the value of KEY (its default when unset)."""
    from ledger.config import KEYS, ConfigError, load

    try:
        values = load(ctx_obj().home_path())
    except ConfigError as exc:
        fail(str(exc))
    if key not in values and key not in KEYS:
        fail(f"unknown setting {key!r}; known settings: {', '.join(sorted(KEYS))}")
    value = values.get(key)
    click.echo("none" if value is None else (json.dumps(value) if isinstance(value, bool) else value))


@config.command("set", context_settings={"ignore_unknown_options": True})
@click.argument("key")
@click.argument("value")
@common()
def set_(key: str, value: str) -> None:
    """Set KEY to VALUE; impacts of all history follow the new setting."""
    from ledger.config import ConfigError, set_value

    try:
        parsed = set_value(ctx_obj().home_path(), key, value)
    except ConfigError as exc:
        fail(str(exc))
    click.echo(f"{key} = {'none' if parsed is None else parsed}")


@config.command("list")
@common()
def list_() -> None:
    """Every known setting, its value and what it does."""
    from ledger.config import KEYS, ConfigError, load

    try:
        values = load(ctx_obj().home_path())
    except ConfigError as exc:
        fail(str(exc))
    for name in sorted(KEYS):
        value = values.get(name)
        click.echo(f"{name} = {'none' if value is None else value}    # {KEYS[name].help}")
