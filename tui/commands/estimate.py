"""``tokenprint estimate``: the footprint of a hypothetical usage of one model."""

from __future__ import annotations

import json
from typing import Any

import click

from tui.common import common, ctx_obj, fail

_BUCKET_OPTIONS = (
    ("input", "input_tokens"),
    ("output", "output_tokens"),
    ("cache_read", "cache_read_tokens"),
    ("cache_write", "cache_write_tokens"),
    ("reasoning", "reasoning_tokens"),
    ("requests", "requests"),
)


def _count(name: str, text: str | None, default: int = 0) -> int:
    if text is None:
        return default
    cleaned = text.replace("_", "").replace(",", "").strip()
    try:
        value = int(cleaned)
    except ValueError:
        fail(f"--{name.replace('_', '-')}: expected a whole number of tokens, got {text!r}")
    if value < 0:
        fail(f"--{name.replace('_', '-')}: expected a non-negative count, got {text!r}")
    return value


def estimate_payload(model: str, counts: dict[str, int], settings: Any, client: str | None) -> dict[str, Any]:
    """The ``estimate --json`` object (interface.md)."""
    from ledger.equivalents import pick_equivalents
    from ledger.impact import METHODOLOGY_VERSION, coefficients

    coeffs = coefficients(model, settings, client)
    impacts = coeffs.apply(counts)
    ctx = coeffs.context
    out: dict[str, Any] = {"model": model, "client": client, **counts}
    out.update(impacts)
    out["model_resolved"] = coeffs.model.as_dict()
    out["grid"] = {
        "zone": ctx["zone"],
        "basis": ctx["basis"],
        "intensity_g_per_kwh": ctx["intensity_g_per_kwh"].as_dict(),
        "water_offsite_l_per_kwh": ctx["water_l_per_kwh"].as_dict(),
        "pue": ctx["pue"].as_dict(),
    }
    out["equivalents"] = pick_equivalents(
        impacts["co2e_g"]["central"], impacts["water_ml"]["central"], settings.user_region,
        energy_wh=impacts["energy_wh"]["central"], limit=3,
    )
    out["methodology"] = METHODOLOGY_VERSION
    out["settings"] = settings.as_config()
    out["warnings"] = list(coeffs.warnings)
    return out


@click.command()
@click.option("--model", "-m", "model", metavar="MODEL", help="Model id as a client reports it (e.g. claude-sonnet-4-5).")
@click.option("--input", "input_", metavar="N", help="Fresh input tokens (not from a cache).")
@click.option("--output", metavar="N", help="Visible output tokens.")
@click.option("--cache-read", "cache_read", metavar="N", help="Input tokens read from the prompt cache.")
@click.option("--cache-write", "cache_write", metavar="N", help="Input tokens written to the prompt cache.")
@click.option("--reasoning", metavar="N", help="Reasoning (thinking) tokens.")
@click.option("--requests", metavar="N", help="API calls (default 1).")
@click.option("--region", metavar="ZONE", help="Run the model on this grid (e.g. FR, US, World); also your region for local models and equivalents.")
@click.option("--client", metavar="CLIENT", help="The client that would call it (e.g. llm: 'llama3.1:8b' runs locally).")
@click.option("--training/--no-training", default=None, help="Add the amortised training line (default: impact.include_training).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (the fields of the text output, with low/central/high ranges).")
@common()
def estimate(model: str | None, input_: str | None, output: str | None, cache_read: str | None,
             cache_write: str | None, reasoning: str | None, requests: str | None, region: str | None,
             client: str | None, training: bool | None, as_json: bool) -> None:
    """The energy, CO2e and water of a hypothetical usage of MODEL, with ranges."""
    from dataclasses import replace

    from ledger.config import ConfigError, load
    from ledger.impact import Settings
    from ledger.vocab import CLIENTS

    if not model or not model.strip():
        fail("estimate needs --model (e.g. --model claude-sonnet-4-5)")
    if client is not None and client not in CLIENTS:
        fail(f"--client: unknown client {client!r}; known: {', '.join(CLIENTS)}")
    raw = {"input": input_, "output": output, "cache_read": cache_read, "cache_write": cache_write,
           "reasoning": reasoning, "requests": requests}
    counts = {field: _count(opt, raw[opt], 1 if opt == "requests" else 0) for opt, field in _BUCKET_OPTIONS}
    try:
        settings = Settings.from_config(load(ctx_obj().home_path()))
    except (ConfigError, ValueError) as exc:
        fail(str(exc))
    if region is not None:
        from ledger.config import region_code

        if not region.strip():
            fail("--region: expected a zone such as FR, US or World")
        try:
            settings = settings.with_region(region_code(region))
        except ValueError as exc:
            fail(f"--region: {exc}")
    if training is not None:
        settings = replace(settings, include_training=training)
    payload = estimate_payload(model.strip(), counts, settings, client)
    if as_json:
        click.echo(json.dumps(payload, indent=2))
        return
    _print_human(payload)


def _print_human(p: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from ledger.names import terminal_safe
    from ledger.units import qty

    console = Console()
    m = p["model_resolved"]
    act = m["params_active_b"]
    console.print(
        f"[bold]{escape(terminal_safe(p['model']))}[/] -> {escape(terminal_safe(m['id']))} ({m['provider']}, runs on {m['host']}, "
        f"{act['low']:g}-{act['high']:g} B active parameters; {m['params_source']})"
    )
    g = p["grid"]
    console.print(
        f"grid {g['zone']} ({g['basis']}): {g['intensity_g_per_kwh']['central']:g} gCO2e/kWh; "
        f"methodology {p['methodology']}"
    )
    t = Table(show_edge=False)
    for col in ("", "low", "central", "high"):
        t.add_column(col, justify="right" if col else "left")
    # each detail under its own metric: embodied CO2e is part of CO2e, not of water
    rows = [("energy", "energy_wh", "Wh"),
            ("CO2e", "co2e_g", "g"), ("  of which embodied CO2e", "co2e_embodied_g", "g"),
            ("water", "water_ml", "mL"),
            ("  on-site water", "water_onsite_ml", "mL"), ("  off-site water", "water_offsite_ml", "mL")]
    if "co2e_training_g" in p:
        rows += [("training energy (amortised)", "energy_training_wh", "Wh"),
                 ("training CO2e (amortised)", "co2e_training_g", "g"),
                 ("training water (amortised)", "water_training_ml", "mL")]
    for label, key, unit in rows:
        r = p[key]
        t.add_row(label, qty(r["low"], unit), qty(r["central"], unit), qty(r["high"], unit))
    console.print(t)
    if p.get("cost_usd_estimated") is not None:
        console.print(f"API-equivalent cost (list price, estimated): ${p['cost_usd_estimated']:.4f}")
    if p["equivalents"]:
        console.print("about " + "; ".join(e["label"] for e in p["equivalents"]))
    for w in p["warnings"]:
        click.echo(f"warning: {terminal_safe(w)}", err=True)
