"""Adding report groups together: counts, costs and impact ranges (``{"low",
"central", "high"}``, low with low and high with high), never the names. The one
rollup of the report, the export and the dashboard.

Standard library only; plain dicts, a few thousand of them at most (groups are
aggregated in SQL first).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ledger.vocab import COUNT_FIELDS

#: Group fields that name or time a group: never added.
NAME_FIELDS = frozenset({"key", "client", "model", "project", "ledger", "tokens_estimated", "first_ts", "last_ts"})


def zero() -> dict[str, Any]:
    """Empty amounts: every count, the reported cost and the requests without one."""
    acc: dict[str, Any] = dict.fromkeys(COUNT_FIELDS, 0)
    acc["cost_usd"] = 0.0
    acc["requests_without_cost"] = 0
    return acc


def add_into(acc: dict[str, Any], g: dict[str, Any]) -> None:
    """Add the amounts of ``g`` (numbers, and ranges end by end) into ``acc``; the
    ``first_ts``/``last_ts`` of session groups are kept as the earliest and latest."""
    for name, value in g.items():
        kind = type(value)
        if kind is int or kind is float:
            if name not in NAME_FIELDS:
                acc[name] = acc.get(name, 0) + value
        elif kind is dict:
            if name in NAME_FIELDS:
                continue
            slot = acc.get(name)
            if type(slot) is not dict:
                slot = acc[name] = dict.fromkeys(value, 0.0)
            for k, v in value.items():
                if type(v) is float or type(v) is int:
                    slot[k] = slot.get(k, 0.0) + v
    if "first_ts" in g:
        acc["first_ts"] = min(acc.get("first_ts", g["first_ts"]), g["first_ts"])
        acc["last_ts"] = max(acc.get("last_ts", g["last_ts"]), g["last_ts"])


def sum_all(groups: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The amounts of all ``groups`` added up."""
    acc = zero()
    for g in groups:
        add_into(acc, g)
    return acc


def group_by(groups: Iterable[dict[str, Any]], *fields: str) -> dict[tuple[Any, ...], dict[str, Any]]:
    """The amounts added up per value of ``fields``, each sum carrying those fields."""
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for g in groups:
        ident = tuple(g.get(f) for f in fields)
        acc = out.get(ident)
        if acc is None:
            acc = out[ident] = {f: g.get(f) for f in fields}
            acc.update(zero())
        add_into(acc, g)
    return out
