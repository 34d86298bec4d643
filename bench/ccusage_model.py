"""A model of how ccusage 20.0.24 counts Claude Code, to check that its differences are explained.

    python bench/ccusage_model.py CONFIG_DIR CCUSAGE_DAILY_JSON

CCUSAGE_DAILY_JSON is the output of ``ccusage claude daily --json --offline -z UTC``
on CONFIG_DIR. The model (found by experiment, see docs/claude-code.md):

- lines written with spaces after colons (``"key": value``) are ignored;
- a line holding a lone surrogate escape is dropped;
- ``progress`` lines' embedded copies of subagent records are readings too;
- per ``message.id`` the reading with the largest output is kept, and dated by
  that line's timestamp; ``<synthetic>`` lines are skipped.

Prints how many (day, model) buckets the model gets exactly right.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from hooks import claude_code


def model_totals(root: Path) -> dict[tuple[str, str], list[int]]:
    best: dict[Any, tuple[int, str, str, dict[str, int]]] = {}
    for path in claude_code.transcripts([root]):
        with open(path, "rb") as f:
            for raw in f:
                if b'"usage"' not in raw or b'": ' in raw or b"\\ud83d" in raw:
                    continue
                try:
                    o = json.loads(raw)
                except ValueError:
                    continue
                if o.get("type") == "progress":
                    inner = (o.get("data") or {}).get("message") or {}
                    o = {"type": "assistant", "message": inner.get("message") or {},
                         "timestamp": inner.get("timestamp", o.get("timestamp"))}
                m = o.get("message") if o.get("type") == "assistant" else None
                if not isinstance(m, dict) or not isinstance(m.get("usage"), dict):
                    continue
                if m.get("model") == "<synthetic>":
                    continue
                u, key = m["usage"], m.get("id") or o.get("requestId") or o.get("uuid")
                out = u.get("output_tokens", 0)
                prev = best.get(key)
                if prev is None or out > prev[0]:
                    best[key] = (out, o["timestamp"][:10], m["model"], u)
    totals: dict[tuple[str, str], list[int]] = {}
    for out, day, model, u in best.values():
        b = totals.setdefault((day, model), [0, 0, 0, 0])
        b[0] += u.get("input_tokens", 0)
        b[1] += u.get("cache_creation_input_tokens", 0)
        b[2] += u.get("cache_read_input_tokens", 0)
        b[3] += out
    return totals


def main() -> None:
    root, cc = Path(sys.argv[1]), Path(sys.argv[2])
    ours = model_totals(root)
    theirs = {}
    for d in json.loads(cc.read_text())["daily"]:
        for m in d["modelBreakdowns"]:
            theirs[(d["date"], m["modelName"])] = [m["inputTokens"], m["cacheCreationTokens"],
                                                   m["cacheReadTokens"], m["outputTokens"]]
    wrong = sorted(k for k in set(ours) | set(theirs) if ours.get(k) != theirs.get(k))
    print(f"the model reproduces ccusage on {len(theirs) - len(wrong)} of {len(theirs)} (day, model) buckets")
    for k in wrong[:10]:
        print(f"  {k}: model {ours.get(k)} ccusage {theirs.get(k)}")
    sys.exit(1 if wrong else 0)


if __name__ == "__main__":
    main()
