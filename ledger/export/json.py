"""The JSON export: the ``report --json`` object of the range (daily rows per client
and model, totals) plus settings, methodology, equivalents and the rest of the
summary (docs/export.md). Keys are only ever added.
"""

from __future__ import annotations

import json
from typing import Any


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
