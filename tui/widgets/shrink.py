"""What would shrink it: for the top models, the same tokens on the smaller model of
the same family, and the same usage on a low-carbon grid, as plain numbers with ranges."""

from __future__ import annotations

from textual.reactive import reactive
from textual.widgets import Static

from tui import format as fmt
from tui.data import Savings
from tui.widgets.safe import escape


def _delta(actual: dict[str, float], alt: dict[str, float]) -> str:
    saved = actual["central"] - alt["central"]
    share = saved / actual["central"] if actual["central"] > 0 else 0.0
    lo = actual["low"] - alt["low"]
    hi = actual["high"] - alt["high"]
    lo, hi = min(lo, hi), max(lo, hi)
    if saved <= 0:
        return f"[$warning]no saving[/] ({fmt.qty(-saved, 'g')} more)"
    rng = {"low": lo, "central": saved, "high": hi}
    return f"[$success]saves {fmt.qty(saved, 'g')}[/] ({fmt.rng(rng, 'g')}, −{share * 100:.0f} %)"


def _alt(label: str, value: dict[str, float], actual: dict[str, float]) -> str:
    return f"  {label}: {fmt.central(value, 'g')}, {_delta(actual, value)}"


def savings_markup(s: Savings | None) -> str:
    if s is None:
        return "Working out the alternatives…"
    if s.message:
        return s.message
    lines = [
        f"[b]What would shrink it[/] · {s.period_label} · CO2e, central (low–high)",
        f"[dim]Low-carbon grid: {escape(s.grid_label)}[/]",
    ]
    for row in s.rows:
        lines.append("")
        lines.append(
            f"[b]{escape(row.model)}[/]: {fmt.central(row.actual, 'g')} ({fmt.rng(row.actual, 'g')}), "
            f"{fmt.share(row.share)} of the period"
        )
        if row.sibling and row.sibling_co2:
            lines.append(_alt(f"smaller sibling {escape(row.sibling)}", row.sibling_co2, row.actual))
        else:
            lines.append(f"  [dim]{escape(row.sibling_note or 'no smaller model in its family')}[/]")
        if row.grid_co2:
            lines.append(_alt("on a low-carbon grid", row.grid_co2, row.actual))
    if s.total and s.total_grid:
        lines.append("")
        lines.append(
            "[b]All usage[/] on a low-carbon grid: "
            f"{fmt.central(s.total_grid, 'g')} instead of {fmt.central(s.total, 'g')}, "
            f"{_delta(s.total, s.total_grid)}"
        )
    if s.total and s.total_sibling:
        lines.append(
            f"[b]Top models[/] on their smaller siblings: {fmt.central(s.total_sibling, 'g')} "
            f"instead of {fmt.central(s.total, 'g')}, {_delta(s.total, s.total_sibling)}"
        )
    if s.note:
        lines.append("")
        lines.append(f"[dim]{escape(s.note)}[/]")
    return "\n".join(lines)


class ShrinkPanel(Static):
    """Plain numbers: the saving of a smaller sibling model and of a low-carbon grid."""

    savings: reactive[Savings | None] = reactive(None)

    def watch_savings(self, s: Savings | None) -> None:
        self.update(savings_markup(s))
