"""The hot paths (hook, status line) may call the methodology: it must stay stdlib-only and lazy."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("sqlalchemy", "sqlmodel", "textual", "click", "rich", "tomlkit", "pydantic")

SCRIPT = """
import json, sys
import ledger.impact, ledger.equivalents
loaded_at_import = sorted(m for m in sys.modules if m == "tomllib")
from ledger.impact import impacts_for, Settings, resolve_model, coefficients, METHODOLOGY_VERSION
from ledger.equivalents import pick_equivalents
imp = impacts_for("claude-sonnet-4-5-20250929", {"input_tokens": 10, "output_tokens": 5}, Settings(include_training=True), "claude-code")
eq = pick_equivalents(imp["co2e_g"]["central"], imp["water_ml"]["central"], "FR")
heavy = sorted(m.split(".")[0] for m in sys.modules if m.split(".")[0] in %r)
print(json.dumps({"heavy": heavy, "energy": imp["energy_wh"]["central"], "eq": len(eq),
                  "data_loaded_lazily": "ledger.impact.loading" in sys.modules}))
"""


def test_impact_and_equivalents_import_no_heavy_package() -> None:
    proc = subprocess.run([sys.executable, "-c", SCRIPT % (HEAVY,)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["heavy"] == []
    assert out["energy"] > 0.003
    assert out["eq"] == 2


def test_importing_does_not_read_the_data_files() -> None:
    code = (
        "import ledger.impact, ledger.equivalents\n"
        "from ledger.impact import loading\n"
        "print(loading.load.cache_info().currsize)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "0"
