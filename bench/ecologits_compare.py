#!/usr/bin/env python3
"""tokenprint's estimates next to EcoLogits' on the same requests.

EcoLogits (mlco2/ecologits) estimates from output tokens alone; tokenprint
counts every bucket. This prints both on the same cases, as the Markdown table
of docs/methodology.md.

EcoLogits is not a dependency of tokenprint: install it in a separate venv,

    python3 -m venv /tmp/eco && /tmp/eco/bin/pip install ecologits

and run ``python bench/ecologits_compare.py``: when ``ecologits`` is not
importable here, the script re-runs itself with ``$ECOLOGITS_PYTHON`` or
``/tmp/eco/bin/python``. ``ledger.impact`` is standard-library only, so it
runs under that interpreter too. Nothing is downloaded at run time.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# (label, tokenprint model, EcoLogits provider and name, counts)
CASES: list[tuple[str, str, tuple[str, str], dict[str, int]]] = [
    ("chat answer: 500 in, 400 out", "gpt-4o", ("openai", "gpt-4o"),
     {"input_tokens": 500, "output_tokens": 400, "requests": 1}),
    ("Epoch's case: 500 out", "gpt-4o", ("openai", "gpt-4o"), {"output_tokens": 500, "requests": 1}),
    ("Gemini median prompt: 400 in, 300 out", "gemini-2.5-flash", ("google_genai", "gemini-2.5-flash"),
     {"input_tokens": 400, "output_tokens": 300, "requests": 1}),
    ("Mistral Large 2: 100 in, 400 out", "mistral-large-2",
     ("huggingface_hub", "mistralai/Mistral-Large-Instruct-2407"),
     {"input_tokens": 100, "output_tokens": 400, "requests": 1}),
    ("coding turn: 2k in, 100k cached, 500 out", "claude-sonnet-4-5", ("anthropic", "claude-sonnet-4-5-20250929"),
     {"input_tokens": 2000, "cache_read_tokens": 100_000, "output_tokens": 500, "requests": 1}),
    ("same turn, 100k fresh instead of cached", "claude-sonnet-4-5", ("anthropic", "claude-sonnet-4-5-20250929"),
     {"input_tokens": 102_000, "output_tokens": 500, "requests": 1}),
    ("reasoning: 500 out + 4,000 reasoning", "gpt-5", ("openai", "gpt-5"),
     {"input_tokens": 500, "output_tokens": 500, "reasoning_tokens": 4000, "requests": 1}),
    ("small model: 500 in, 500 out", "gpt-4o-mini", ("openai", "gpt-4o-mini"),
     {"input_tokens": 500, "output_tokens": 500, "requests": 1}),
    ("Llama 3.1 8B hosted: 500 in, 500 out", "llama-3.1-8b",
     ("huggingface_hub", "meta-llama/Meta-Llama-3.1-8B-Instruct"),
     {"input_tokens": 500, "output_tokens": 500, "requests": 1}),
]


def _have_ecologits() -> bool:
    try:
        import ecologits  # noqa: F401
    except ImportError:
        return False
    return True


def _reexec() -> int | None:
    if os.environ.get("_TOKENPRINT_ECO_REEXEC"):
        return None
    for candidate in (os.environ.get("ECOLOGITS_PYTHON"), "/tmp/eco/bin/python"):
        if candidate and Path(candidate).exists():
            env = {**os.environ, "_TOKENPRINT_ECO_REEXEC": "1"}
            return subprocess.call([candidate, __file__, *sys.argv[1:]], env=env)
    return None


def ecologits_numbers(provider: str, name: str, output_tokens: int) -> dict[str, tuple[float, float]] | None:
    """EcoLogits' energy (Wh), GWP (g) and water (mL) as (min, max), from output tokens only."""
    import logging

    logging.disable(logging.WARNING)
    from ecologits.tracers.utils import llm_impacts

    r = llm_impacts(provider, name, output_tokens, request_latency=1e9)
    if r.has_errors:
        return None

    def mm(v: Any, scale: float) -> tuple[float, float]:
        val = v.value
        lo, hi = (val.min, val.max) if hasattr(val, "min") else (val, val)
        return lo * scale, hi * scale

    return {"energy_wh": mm(r.energy, 1000.0), "co2e_g": mm(r.gwp, 1000.0), "water_ml": mm(r.wcf, 1000.0)}


def ours(model: str, counts: dict[str, int]) -> dict[str, dict[str, float]]:
    from ledger.impact import Settings, impacts_for

    return impacts_for(model, counts, Settings())


def main() -> int:
    if not _have_ecologits():
        rc = _reexec()
        if rc is not None:
            return rc
        print("ecologits is not installed (see this file's docstring); printing tokenprint's numbers only.\n")
    have = _have_ecologits()
    version = ""
    if have:
        from importlib.metadata import version as v

        version = v("ecologits")
    print(f"EcoLogits {version or '(absent)'} vs tokenprint; energy in Wh, CO2e in g, water in mL. "
          "EcoLogits: min-max; tokenprint: low / central / high.\n")
    print("| case | model | EcoLogits energy | tokenprint energy | EcoLogits CO2e | tokenprint CO2e | "
          "EcoLogits water | tokenprint water |")
    print("|---|---|---|---|---|---|---|---|")
    for label, model, (prov, name), counts in CASES:
        generated = counts.get("output_tokens", 0) + counts.get("reasoning_tokens", 0)
        eco = ecologits_numbers(prov, name, generated) if have else None
        o = ours(model, counts)

        def e(key: str, eco: dict[str, tuple[float, float]] | None = eco) -> str:
            if eco is None:
                return "-"
            lo, hi = eco[key]
            return f"{lo:.3g}-{hi:.3g}"

        def t(key: str, o: dict[str, Any] = o) -> str:
            r = o[key]
            return f"{r['low']:.3g} / {r['central']:.3g} / {r['high']:.3g}"

        print(f"| {label} | {model} | {e('energy_wh')} | {t('energy_wh')} | {e('co2e_g')} | {t('co2e_g')} | "
              f"{e('water_ml')} | {t('water_ml')} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
