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


def sum_sql(column: str, dialect: str = "sqlite") -> str:
    """A SQL sum of an integer ``column`` that never overflows, exact on real data.

    SQLite's ``SUM`` of integers raises "integer overflow" past 2**63 - 1 (two
    events of 9223372036854775807 tokens, written before the limits of
    ``ledger.events``, would stop every report). ``TOTAL`` never raises: it sums
    in floating point, exact while the group's sum stays below 2**53 (about
    9 * 10**15 tokens, nine million requests at ``MAX_TOKENS_PER_REQUEST``), and the
    ``CAST`` gives back an integer (saturated at 2**63 - 1 beyond it). It costs
    nothing over ``SUM``. PostgreSQL's ``SUM`` of a BIGINT is a NUMERIC: exact,
    no overflow, so it is kept there. An empty group sums to 0 (SQLite) or NULL
    (PostgreSQL): read it with ``int(v or 0)``.
    """
    if dialect == "postgresql":
        return f"SUM({column})"
    return f"CAST(TOTAL({column}) AS INTEGER)"


def finite_cost(value: Any) -> float:
    """A summed cost as a finite float: 0.0 for none, clamped at the largest float
    (a REAL sum can reach infinity; JSON has no Infinity)."""
    v = float(value or 0.0)
    if v != v:  # NaN
        return 0.0
    return min(max(v, 0.0), 1.7976931348623157e308)


#: Group fields that name or time a group: never added.
NAME_FIELDS = frozenset({"key", "client", "model", "project", "ledger", "tokens_estimated", "first_ts", "last_ts"})


def zero() -> dict[str, Any]:
    """Empty amounts: every count, the reported cost and the requests without one."""
    acc: dict[str, Any] = dict.fromkeys(COUNT_FIELDS, 0)
    acc["cost_usd"] = 0.0
    acc["requests_without_cost"] = 0
    acc["requests_unpriced"] = 0
    return acc


def cost_fields(acc: dict[str, Any]) -> dict[str, Any]:
    """The public cost of summed amounts (docs/export.md), never a bare 0 for unknown:

    - ``cost_usd``: what the clients reported plus the list-price estimate of the
      requests that reported nothing; ``None`` when no part of it is known;
    - ``cost_usd_reported``: the clients' own figure (``None`` when no request had one);
    - ``cost_usd_estimated``: the part estimated from list prices (0 when none was;
      ``None`` with ``cost_usd``);
    - ``requests_cost_unknown``: requests with neither a reported cost nor a price,
      left out of ``cost_usd``.

    ``acc`` holds the internal sums: ``cost_usd`` (reported), ``requests_without_cost``,
    ``cost_usd_estimated`` and ``requests_unpriced`` (from ``ledger.report.attach_impacts``;
    without them, requests without a reported cost count as unknown).
    """
    requests = int(acc.get("requests") or 0)
    without = int(acc.get("requests_without_cost") or 0)
    reported = float(acc.get("cost_usd") or 0.0)
    estimated = acc.get("cost_usd_estimated")
    unknown = int(acc.get("requests_unpriced") or 0) if estimated is not None else without
    known = requests == 0 or unknown < requests
    return {
        "cost_usd": round(reported + float(estimated or 0.0), 6) if known else None,
        "cost_usd_reported": round(reported, 6) if without < requests else None,
        "cost_usd_estimated": round(float(estimated or 0.0), 6) if known else None,
        "requests_cost_unknown": unknown,
    }


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
