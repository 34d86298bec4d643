"""The CSV export: one line per local day, client and model (docs/export.md).

Columns are fixed (``COLUMNS``) so that spreadsheets and scripts can rely on
them; impact cells are empty when no impact methodology is available, cost cells
when the cost is not known. A ``demo`` column (1 on every line of the demo ledger)
keeps demo figures recognisable wherever they are pasted: a comment line would
break CSV readers.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from ledger.export.gather import IMPACT_FIELDS
from ledger.names import terminal_safe
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
    "cost_usd_reported",
    "requests_cost_unknown",
    "demo",
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


#: What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection"):
#: ``=``, ``+``, ``-``, ``@``, and TAB or CR before them.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Characters a spreadsheet may skip before looking for a formula: a cell such as
#: ``"=1+1`` or `` =1+1`` is read as a formula by some of them.
_LEADING = " \"'"


def name(v: Any) -> str:
    """A text cell (client, model): no control characters (each is ``?``, as in the
    terminal and the ledger), and never read as a formula by a spreadsheet: a cell
    that starts with ``=``, ``+``, ``-``, ``@``, TAB or CR, also after leading quotes
    or spaces, gets a leading ``'`` (OWASP's recommendation; the csv module then
    quotes the cell as CSV requires). Numbers never go through here: they are
    written by :func:`number` and stay numbers."""
    t = terminal_safe(v)
    return "'" + t if t.lstrip(_LEADING)[:1] in FORMULA_START and t.lstrip(_LEADING) else t


def line(row: dict[str, Any], demo: bool = False) -> list[str]:
    cells = [row["key"], name(row["client"]), name(row["model"])]
    cells += [number(row.get(c, 0)) for c in COUNT_FIELDS]
    cells.append(number(row.get("cost_usd")))
    for f in IMPACT_FIELDS:
        r = row.get(f)
        for k in ("low", "central", "high"):
            cells.append(number(r.get(k)) if isinstance(r, dict) else "")
    cells.append(number(row.get("cost_usd_estimated")))
    cells.append(number(row.get("cost_usd_reported")))
    cells.append(number(row.get("requests_cost_unknown", 0)))
    cells.append(number(demo))
    return cells


def render(doc: dict[str, Any]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    demo = bool(doc.get("demo"))
    for row in doc["rows"]:
        w.writerow(line(row, demo))
    return buf.getvalue()
