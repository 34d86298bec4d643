"""``tokenprint models``: the model table behind the impacts."""

from __future__ import annotations

import json

import click

from tui.common import common


@click.command()
@click.option("--provider", metavar="NAME", help="Only this provider (anthropic, openai, google, ...).")
@click.option("--resolve", metavar="MODEL", help="Show which row a model id resolves to, and why.")
@click.option("--client", metavar="CLIENT", help="With --resolve: the client that reported the id.")
@click.option("--json", "as_json", is_flag=True, help="Print the rows as JSON.")
@common()
def models(provider: str | None, resolve: str | None, client: str | None, as_json: bool) -> None:
    """List the model table: parameters (ranges where undisclosed), host, list prices, sources."""
    from ledger.impact import resolve_model
    from ledger.impact.models import rows

    if resolve is not None:
        entry = resolve_model(resolve, client)
        data = {**entry.as_dict(), "warnings": list(entry.warnings), "price": entry.price}
        if as_json:
            click.echo(json.dumps(data, indent=2))
        else:
            for k, v in data.items():
                click.echo(f"{k}: {v}")
        return
    table = [r for r in rows() if provider is None or r["provider"] == provider.lower()]
    if as_json:
        click.echo(json.dumps(table, indent=2, default=str))
        return
    from rich.console import Console
    from rich.table import Table

    from ledger.impact import Range

    t = Table(title="tokenprint model table (B = billion parameters; prices USD per million tokens)")
    for col in ("id", "provider", "host", "arch", "total B", "active B", "in / cache-w / cache-r / out"):
        t.add_column(col, no_wrap=True)
    t.add_column("params source", overflow="fold")
    for r in table:
        p = r["params"]
        total = Range.of(p["total"])
        active = Range.of(p.get("active", p["total"]))
        price = r.get("price")
        prices = "-" if not price else (
            f"{price['input']:g} / {price.get('cache_write', price['input']):g} / "
            f"{price.get('cache_read', price['input']):g} / {price['output']:g}"
        )
        t.add_row(r["id"], r["provider"], r.get("host", r["provider"]), "moe" if "active" in p else "dense",
                  _fmt(total), _fmt(active), prices, p.get("source", ""))
    Console().print(t)
    click.echo(
        f"{len(table)} rows; ids not in the table resolve by family rules or size classes, with a warning. "
        "Local runtimes (Ollama, llama.cpp, LM Studio, MLX) run on your machine and grid."
    )


def _fmt(r: object) -> str:
    from ledger.impact import Range

    assert isinstance(r, Range)
    return f"{r.low:g}" if r.low == r.high else f"{r.low:g}-{r.high:g}"
