"""The methodology as text: every factor with its source, the calibration and
sensitivity tables, and the price cross-check (``tokenprint methodology``).

Standard library only. Each function returns Markdown lines computed from the
data files and formulas in force, so the text cannot drift from the numbers.
"""

from __future__ import annotations

from typing import Any

from ledger.impact import loading
from ledger.impact.calibration import run_all
from ledger.impact.coefficients import coefficients, factor
from ledger.impact.ranges import Range
from ledger.impact.settings import METHODOLOGY_VERSION, Settings

#: Sensitivity cases: (label, model, counts). Ratios between them are pinned by tests.
SENSITIVITY: tuple[tuple[str, str, dict[str, int]], ...] = (
    ("answer only", "claude-sonnet-4-5", {"output_tokens": 500, "requests": 1}),
    ("+ 100k cached context", "claude-sonnet-4-5", {"cache_read_tokens": 100_000, "output_tokens": 500, "requests": 1}),
    ("+ 100k fresh input", "claude-sonnet-4-5", {"input_tokens": 100_000, "output_tokens": 500, "requests": 1}),
    ("small model, 500-token answer", "gpt-4o-mini", {"input_tokens": 500, "output_tokens": 500, "requests": 1}),
    ("reasoning model, same answer + 4,000 reasoning tokens", "o3",
     {"input_tokens": 500, "output_tokens": 500, "reasoning_tokens": 4000, "requests": 1}),
)

BOUNDARY = (
    "Inference in the data centre: accelerators, host CPU and memory, idle capacity kept for the "
    "request, facility overhead (PUE); embodied emissions of the servers per accelerator-hour; "
    "on-site cooling water and off-site water of electricity generation, reported apart and summed. "
    "Location-based lifecycle grid factors by default; market-based only where the operator discloses "
    "enough, never mixed silently. Training, amortised over an assumed lifetime of generated tokens, "
    "is an optional separate line. Not counted: the user's device and network, model development "
    "other than the final training run, water of hardware manufacturing."
)

FORMULAS = (
    "P_eff = P_active + k_moe * (P_total - P_active)                                  [B parameters]",
    "E_decode = 2 * P_eff * 1e9 * j_per_flop / u_decode                               [J per token, accelerator]",
    "E_prefill = 2 * P_eff * 1e9 * j_per_flop / u_prefill                             [J per token, accelerator]",
    "output, reasoning: E_decode; input: E_prefill + w_ctx * E_decode;",
    "cache write: E_prefill * (1 + s_write) + w_ctx * E_decode; cache read: w_ctx * E_decode",
    "E_IT = E_accel * (1 + host_share + idle_share); per request: + request_wh          [J]",
    "E = E_IT * PUE / 3600                                                            [Wh]",
    "CO2e = E * grid / 1000 + E_accel / P_accel / 3600 * (1 + idle_share) * g_per_accel_hour  [g]",
    "water = E_IT/3600 * WUE (on-site) + E * water_per_kWh (off-site)                 [mL]",
    "training (optional, per generated token) = (6 * P_active * 1e9 * D * j_per_flop / u_train)"
    " * (1 + host_share) * PUE / lifetime_tokens  [J]; x grid, x water likewise",
)


def _r(r: Range) -> str:
    if r.low == r.high:
        return f"{r.central:.3g}"
    return f"{r.low:.3g} / {r.central:.3g} / {r.high:.3g}"


def factor_rows() -> list[dict[str, Any]]:
    data = loading.factors()
    out = []
    for name, spec in data["factor"].items():
        out.append({"name": name, "range": Range.of(spec), "unit": spec["unit"], "source": spec["source"],
                    "year": spec["year"]})
    return out


def factors_md() -> list[str]:
    lines = ["| factor | low / central / high | unit | source | year |", "|---|---|---|---|---|"]
    for r in factor_rows():
        lines.append(f"| {r['name']} | {_r(r['range'])} | {r['unit']} | {r['source']} | {r['year']} |")
    return lines


def hosts_md() -> list[str]:
    lines = ["| host | region | PUE | WUE L/kWh | market g/kWh | lifetime generated tokens | source |",
             "|---|---|---|---|---|---|---|"]
    for name, h in loading.factors()["host"].items():
        market = _r(Range.of(h["market"])) if "market" in h else "-"
        lines.append(
            f"| {name} | {h['region']} | {_r(factor('pue', name))} | {_r(factor('wue', name))} | {market} | "
            f"{_r(factor('lifetime', name))} | {h['source']} |"
        )
    return lines


def grids_md() -> list[str]:
    g = loading.grids()
    lines = ["| zone | gCO2e/kWh (low / central / high) | off-site water L/kWh | source |", "|---|---|---|---|"]
    for key, z in g["zone"].items():
        water = f"{z['water']['value']:g}" if "water" in z else f"{g['zone']['World']['water']['value']:g} (World)"
        lines.append(f"| {key} ({z['name']}) | {_r(Range.of(z['intensity']))} | {water} | {z['intensity']['source']} {z['intensity']['year']} |")
    return lines


def calibration_md(settings: Settings | None = None) -> list[str]:
    lines = ["| case | model, tokens | disclosed | ours low / central / high | ours / disclosed | inside | boundary |",
             "|---|---|---|---|---|---|---|"]
    for r in run_all(settings):
        counts = ", ".join(f"{v:,} {k.replace('_tokens', '')}" for k, v in r.case["counts"].items() if k != "requests")
        mark = "" if r.acceptance else " (shown, not pinned)"
        lines.append(
            f"| {r.name}{mark} | {r.case['model']}: {counts} | {r.disclosed:g} {r.unit} | {_r(r.ours)} | "
            f"{r.ratio:.2f} | {'yes' if r.inside else 'NO'} | {r.case['boundary']} |"
        )
    return lines


def sensitivity_rows(settings: Settings | None = None) -> list[dict[str, Any]]:
    s = settings or Settings()
    out = []
    for label, model, counts in SENSITIVITY:
        imp = coefficients(model, s).apply(counts)
        out.append({"label": label, "model": model, "counts": counts, "energy_wh": imp["energy_wh"],
                    "co2e_g": imp["co2e_g"]})
    return out


def sensitivity_md(settings: Settings | None = None) -> list[str]:
    rows = sensitivity_rows(settings)
    base = rows[0]["energy_wh"]["central"]
    lines = ["| case | model | energy Wh (low / central / high) | x first row |", "|---|---|---|---|"]
    for r in rows:
        e = r["energy_wh"]
        lines.append(f"| {r['label']} | {r['model']} | {e['low']:.3g} / {e['central']:.3g} / {e['high']:.3g} | "
                     f"{e['central'] / base:.1f} |")
    return lines


def price_rows(settings: Settings | None = None) -> list[dict[str, Any]]:
    """List price per kWh of output across models (factors.md s.7): a sanity check, not the method."""
    s = settings or Settings()
    out = []
    for row in loading.models()["model"]:
        price = row.get("price")
        if not price or row.get("open_weights"):
            continue
        e = coefficients(row["id"], s).per_unit["energy_wh"]["output_tokens"].central  # Wh per token
        usd_per_kwh = (price["output"] / 1e6) / (e / 1000.0)
        out.append({"id": row["id"], "provider": row["provider"], "output_usd_per_mtok": price["output"],
                    "wh_per_output_token": e, "usd_per_kwh": usd_per_kwh})
    return out


def price_md(settings: Settings | None = None) -> list[str]:
    rows = price_rows(settings)
    lines = ["| model | provider | output USD/Mtok | our Wh per output token | list price per kWh |",
             "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['id']} | {r['provider']} | {r['output_usd_per_mtok']:g} | {r['wh_per_output_token']:.2g} | "
                     f"${r['usd_per_kwh']:.0f} |")
    if rows:
        vals = sorted(r["usd_per_kwh"] for r in rows)
        lines.append("")
        lines.append(
            f"List price per kWh of our energy estimate spans ${vals[0]:.0f} to ${vals[-1]:.0f} "
            f"(a factor {vals[-1] / vals[0]:.0f}), median ${vals[len(vals) // 2]:.0f}. If price were proportional "
            "to energy this column would be constant; energy is a few per cent of the cost of serving "
            "(factors.md s.7), so list price bounds energy from above and ranks models within a provider, "
            "but not across providers: a cross-check, never the method."
        )
    return lines


def equivalents_md() -> list[str]:
    eq = loading.equivalents()
    lines = ["| equivalent | factor | unit | source | year |", "|---|---|---|---|---|"]
    for e in eq["equivalent"].values():
        if e["kind"] == "car":
            for group, car in eq["car"].items():
                lines.append(f"| car ({group}) | {car['per_unit']:g} | {car['unit']} | {car['source']} | {car['year']} |")
            continue
        lines.append(f"| {e['singular']} | {e.get('per_unit', '-'):g} | {e['unit']} | {e['source']} | {e['year']} |")
    return lines


def methodology_data(settings: Settings) -> dict[str, Any]:
    """The methodology in force as one object: what ``tokenprint methodology --json``
    prints and the MCP server's ``methodology`` tool gives."""
    return {
        "methodology": METHODOLOGY_VERSION,
        "settings": settings.as_config(),
        "boundary": BOUNDARY,
        "formulas": list(FORMULAS),
        "factors": [{**r, "range": r["range"].as_dict()} for r in factor_rows()],
        "calibration": [r.as_dict() for r in run_all(settings)],
        "sensitivity": sensitivity_rows(settings),
        "price_check": price_rows(settings),
    }


def methodology_md(settings: Settings | None = None) -> str:
    s = settings or Settings()
    cfg = s.as_config()
    parts: list[str] = [
        f"# tokenprint methodology {METHODOLOGY_VERSION}",
        "",
        "Settings in use: " + ", ".join(f"{k} = {v}" for k, v in cfg.items()),
        "",
        "## Boundary",
        BOUNDARY,
        "",
        "## Formulas (per token of each bucket, per request; low / central / high carried through)",
        "```",
        *FORMULAS,
        "```",
        "Products combine the ranges' log spreads in quadrature; sums add their ends; divisors swap ends.",
        "",
        "## Factors",
        *factors_md(),
        "",
        "## Where models run",
        *hosts_md(),
        "",
        "## Grids",
        *grids_md(),
        "",
        "## Calibration against disclosures (boundary matched)",
        *calibration_md(s),
        "",
        "## Sensitivity (same answer, different context)",
        *sensitivity_md(s),
        "",
        "## Price cross-check (never the method)",
        *price_md(s),
        "",
        "## Equivalents",
        *equivalents_md(),
        "",
        "Derivations, the model table's sources and the side-by-side with EcoLogits: docs/methodology.md; "
        "the table itself: `tokenprint models`.",
    ]
    return "\n".join(parts)
