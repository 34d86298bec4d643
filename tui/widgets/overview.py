"""The overview: the period's CO2e with its range, energy, water, tokens and requests,
an everyday equivalent of each quantity (energy with energy, CO2e with CO2e, water
with water), a chart of the period with axes, the top drivers with share bars, the
change against the previous period, and the budget.

It uses the terminal's size: from 100x30 on (the panel's size) the equivalents are
large figures in cards and the drivers sit beside the totals; below, the
equivalents go on the rows of the quantities they compare and the drivers beside
the chart."""

from __future__ import annotations

from datetime import date
from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.widgets import ProgressBar, Static

from tui import format as fmt
from tui.data import Chart, Summary, metric, tokens
from tui.widgets.barchart import BarChart
from tui.widgets.cards import EquivalentCard
from tui.widgets.chart import chart_unit
from tui.widgets.safe import escape
from tui.widgets.sharebars import ShareBars

BUDGET_HINT = "No budget set: [b]c[/] (settings) or tokenprint config set budget.monthly_kg 20"
#: The panel's size from which the wide layout is used (columns, rows).
WIDE = (100, 30)


def headline_markup(s: Summary, compact: bool = False, equivalents: list[dict[str, Any]] | None = None) -> str:
    """The totals block as Textual markup (also what the tests read).

    ``compact`` (a small terminal): the comparison on the period's line, no line
    of token buckets, and each quantity's equivalent on its own row."""
    cur = s.current
    lines: list[str] = []
    period = f"[b]{s.period.label}[/] · {s.period.span()}"
    if s.filter is not None:
        period += f" · [i]{escape(s.filter.describe())}[/]"
    lines.append(period + (f"  {comparison_markup(s)}" if compact else ""))
    eq = {str(e.get("quantity") or "co2e"): e for e in (equivalents or [])} if compact else {}

    def row(name: str, key: str, unit: str, extra: str = "", accent: bool = False) -> str:
        r = cur.get(key)
        central = fmt.central(r, unit)
        label = f"[b]{name}[/]{' ' * (10 - len(name))}" if accent else f"{name:<10}"
        figure = f"[b $accent]{central}[/]" if accent else central
        pad = " " * max(0, 10 - len(central))
        if not compact:
            return f"{label}{figure}{pad}  range {fmt.rng(r, unit)}{extra}"
        spread = f"({fmt.rng(r, unit)})" if r else ""
        quantity = {"co2e_g": "co2e", "energy_wh": "energy", "water_ml": "water"}[key]
        if quantity not in eq:
            return f"{label}{figure}{pad}{spread}"
        return f"{label}{figure}{pad}{spread:<16} [dim]≈[/] {escape(str(eq[quantity]['phrase']))}"

    if s.has_impacts:
        lines.append(row("CO2e", "co2e_g", "g", f"  [dim]{escape(s.basis)}-based[/]", accent=True))
        lines.append(row("Energy", "energy_wh", "Wh"))
        lines.append(row("Water", "water_ml", "mL"))
        train = cur.get("co2e_training_g")
        if isinstance(train, dict):
            lines.append(
                f"Training  {'+' + fmt.central(train, 'g'):<10}  range {fmt.rng(train, 'g')}"
                "  [dim]amortised share, apart[/]"
            )
    else:
        lines.append("[$warning]Impacts unavailable: showing tokens only[/]")
    tokens_line = f"Tokens    {fmt.count(tokens(cur)):<10}  Requests {cur['requests']:,}"
    if compact:
        lines.append(tokens_line + (f"  [dim]{escape(s.basis)}-based CO2e[/]" if s.has_impacts else ""))
        return "\n".join(lines)
    lines.append(tokens_line)
    lines.append(
        "[dim]"
        f"in {fmt.count(cur['input_tokens'])} · cache w {fmt.count(cur['cache_write_tokens'])} · "
        f"cache r {fmt.count(cur['cache_read_tokens'])} · out {fmt.count(cur['output_tokens'])} · "
        f"reason {fmt.count(cur['reasoning_tokens'])}[/]"
    )
    lines.append(comparison_markup(s))
    return "\n".join(lines)


def warnings_markup(s: Summary) -> str:
    """The estimate's first warning on one line (all of them: the methodology screen)."""
    if not s.warnings:
        return ""
    more = f"+{len(s.warnings) - 1} more · " if len(s.warnings) > 1 else ""
    return f"[$warning]⚠[/] [dim]{more}{escape(s.warnings[0])}[/]"


def comparison_markup(s: Summary) -> str:
    p = s.period
    if p.prev_since is None:
        return "[dim]No earlier period to compare with.[/]"
    if s.previous_pending:
        return f"[dim]vs {p.prev_span()}: loading…[/]"
    assert s.previous is not None
    what = "CO2e" if s.has_impacts else "tokens"
    before = (
        fmt.central(s.previous.get("co2e_g"), "g") if s.has_impacts else fmt.count(tokens(s.previous))
    )
    ratio = s.change
    if ratio is None:
        return f"{what} vs {p.prev_span()}: nothing recorded then"
    colour = "$error" if ratio > 0.005 else "$success"
    return f"[{colour}]{fmt.change(ratio)}[/] {what} vs {p.prev_span()} ({before})"


def overview_equivalents(s: Summary) -> list[dict[str, Any]]:
    """One equivalent per quantity, like with like (CO2e, energy, water), as the
    summary picked them with the user's region."""
    if not s.has_impacts:
        return []
    by_quantity: dict[str, dict[str, Any]] = {}
    for e in s.equivalents:
        by_quantity.setdefault(str(e.get("quantity") or "co2e"), e)
    return [by_quantity[q] for q in ("co2e", "energy", "water") if q in by_quantity]


def equivalents_markup(s: Summary) -> str:
    """The equivalents as lines of text, each with the quantity it compares."""
    if not s.has_impacts:
        return ""
    items = overview_equivalents(s)
    if not items:
        return "[dim]Everyday equivalents unavailable.[/]"
    lines = []
    for e in items:
        label = e.get("label") or f"{fmt.num(float(e.get('value', 0.0)))} {e.get('unit', '')}"
        what = str(e.get("compares") or "")
        lines.append(f"{escape(what)} [b]≈ {escape(str(label))}[/]")
    return "\n".join(lines)


def drivers_markup(s: Summary) -> str:
    """The largest model, client and project of the period, with their shares."""
    parts = []
    for dim in ("model", "client", "project"):
        rows = s.breakdown.get(dim) or []
        if rows:
            name = fmt.short_project(rows[0].name) if dim == "project" else rows[0].name
            parts.append(f"{dim} [b]{escape(name)}[/] {fmt.share(rows[0].share)}")
    if not parts:
        return ""
    return "Largest: " + " · ".join(parts) + " [dim](d: all drivers)[/]"


def budget_markup(s: Summary) -> str:
    b = s.budget
    if b is None:
        return BUDGET_HINT
    limit = f"{b.limit_kg:g} kg"
    if b.used is None:
        if not s.has_impacts:
            return f"Budget {limit}/month: needs impacts (not available)"
        return f"Budget {limit}/month: loading…"
    used = fmt.qty(b.used["central"], "g")
    assert b.projected is not None
    proj = fmt.qty(b.projected["central"], "g")
    over = b.projected["central"] > b.limit_kg * 1000
    verdict = "[$error]over budget[/]" if over else "[$success]within budget[/]"
    return (
        f"[b]Budget[/] {used} of {limit} this month ({b.fraction * 100:.0f} %) · projected {proj} "
        f"({fmt.rng(b.projected, 'g')}) by {b.month_end:%b} {b.month_end.day}: {verdict}"
    )


def chart_labels(chart: Chart) -> list[str]:
    """Short x labels: ``Nov 3`` per day, ``W47`` per week, ``Nov`` per month (``Jan '27``)."""
    out = []
    for lab in chart.labels:
        if chart.step == "weekly":
            out.append(lab[5:])
        elif chart.step == "monthly":
            d = date.fromisoformat(lab + "-01")
            out.append(f"{d:%b} '{d:%y}" if d.month == 1 else f"{d:%b}")
        else:
            d = date.fromisoformat(lab)
            out.append(f"{d:%b} {d.day}")
    return out


def chart_series(chart: Chart) -> list[float]:
    """The total of every series per bar."""
    if not chart.series:
        return []
    return [sum(col) for col in zip(*chart.series.values(), strict=True)]


def chart_title_markup(s: Summary, compact: bool = False) -> str:
    chart = s.chart
    totals = chart_series(chart)
    if not totals or not any(totals):
        return "[dim]Nothing to chart in this period.[/]"
    factor, unit = chart_unit(chart)
    what = "CO2e" if chart.metric == "co2e_g" else "Tokens"
    step = {"monthly": "month", "weekly": "week"}.get(chart.step, "day")
    labels = chart_labels(chart)
    peak = max(range(len(totals)), key=lambda i: totals[i])
    peak_note = f"peak {peak_text(totals[peak], chart.metric)} on {escape(labels[peak])}"
    if compact:
        return f"[b]{what} per {step}[/] ({escape(unit)}) · [dim]{peak_note}[/]"
    return (
        f"[b]{what} per {step}[/] ({escape(unit)}) · {escape(labels[0])} to {escape(labels[-1])}"
        f" · [dim]{peak_note} · t: by client or model[/]"
    )


class OverviewPanel(VerticalScroll):
    """Everything a user should grasp in five seconds, laid out to the screen."""

    summary: reactive[Summary | None] = reactive(None)

    def compose(self) -> ComposeResult:
        with Horizontal(id="ov-top"):
            yield Static("Loading the ledger…", id="ov-headline")
            yield ShareBars(id="ov-drivers")
        yield Static("", id="ov-warnings")
        with Horizontal(id="ov-cards"):
            for i in range(3):
                yield EquivalentCard(id=f"ov-card-{i}")
        with Horizontal(id="ov-chart-row"):
            with Vertical(id="ov-chart-box"):
                yield Static("", id="ov-chart-title")
                yield BarChart(id="ov-chart")
            yield ShareBars(id="ov-drivers-side")
        yield Static("", id="ov-budget")
        yield ProgressBar(total=100, show_eta=False, id="ov-budget-bar")

    @property
    def compact(self) -> bool:
        width, height = self.size
        return width < WIDE[0] or height < WIDE[1]

    def on_resize(self, event: events.Resize) -> None:
        if self.has_class("-compact") != self.compact:
            self.show(self.summary)

    def watch_summary(self, s: Summary | None) -> None:
        self.show(s)

    def show(self, s: Summary | None) -> None:
        compact = self.compact
        self.set_class(compact, "-compact")
        if s is None:
            return
        items = overview_equivalents(s)
        headline = headline_markup(s, compact=compact, equivalents=items)
        if s.empty and not s.current["requests"]:
            headline += "\n\n[dim]Nothing recorded in this period.[/]"
        self.query_one("#ov-headline", Static).update(headline)
        warn = self.query_one("#ov-warnings", Static)
        warn.update(warnings_markup(s))
        warn.display = bool(s.warnings)
        for i in range(3):
            self.query_one(f"#ov-card-{i}", EquivalentCard).show(items[i] if i < len(items) else None)
        self.query_one("#ov-cards").display = bool(items) and not compact
        self.query_one("#ov-drivers", ShareBars).show(s)
        self.query_one("#ov-drivers-side", ShareBars).show(s)
        totals = chart_series(s.chart)
        factor, _unit = chart_unit(s.chart)
        self.query_one("#ov-chart", BarChart).set_data([v / factor for v in totals], chart_labels(s.chart))
        self.query_one("#ov-chart-title", Static).update(chart_title_markup(s, compact))
        self.query_one("#ov-budget", Static).update(budget_markup(s))
        bar = self.query_one("#ov-budget-bar", ProgressBar)
        bar.display = s.budget is not None and s.budget.used is not None
        if s.budget is not None and s.budget.used is not None:
            bar.update(total=100, progress=min(100.0, s.budget.fraction * 100))
            bar.set_class(s.budget.fraction > 1.0, "over")


def peak_text(value: float, metric_name: str) -> str:
    return fmt.qty(value, "g") if metric_name == "co2e_g" else fmt.count(value)


__all__ = ["OverviewPanel", "headline_markup", "metric"]
