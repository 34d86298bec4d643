"""The CSV export: one line per local day, client and model (docs/export.md).

Columns are fixed (``COLUMNS``) so that spreadsheets and scripts can rely on
them; impact cells are empty when no impact methodology is available.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from ledger.export.gather import IMPACT_FIELDS
from ledger.vocab import COUNT_FIELDS

#: The header, in order. Add columns at the end only.
COLUMNS: tuple[str, ...] = (
    "date",
    "client",
    "model",
    *COUNT_FIELDS,
    "cost_usd",
    *(f"{f}_{k}" for f in IMPACT_FIELDS for k in ("low", "central", "high")),
    "cost_usd_estimated",
)


def number(v: Any) -> str:
    """A cell: integers as is, floats with 10 significant digits, nothing for missing."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return str(v)
    return f"{float(v):.10g}"


def line(row: dict[str, Any]) -> list[str]:
    cells = [row["key"], row["client"], row["model"]]
    cells += [number(row.get(c, 0)) for c in COUNT_FIELDS]
    cells.append(number(row.get("cost_usd", 0.0)))
    for f in IMPACT_FIELDS:
        r = row.get(f)
        for k in ("low", "central", "high"):
            cells.append(number(r.get(k)) if isinstance(r, dict) else "")
    cells.append(number(row.get("cost_usd_estimated")))
    return cells


def render(doc: dict[str, Any]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for row in doc["rows"]:
        w.writerow(line(row))
    return buf.getvalue()
