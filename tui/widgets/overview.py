"""The overview: the period's CO2e with its range, energy, water, tokens and requests,
two everyday equivalents, the change against the previous period, and the budget."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.markup import escape
from textual.reactive import reactive
from textual.widgets import ProgressBar, Sparkline, Static

from tui import format as fmt
from tui.data import Summary, metric, tokens

BUDGET_HINT = "No budget set: [b]c[/] (settings) or tokenprint config set budget.monthly_kg 20"


def headline_markup(s: Summary) -> str:
    """The totals block as Textual markup (also what the tests read)."""
    cur = s.current
    lines: list[str] = []
    period = f"[b]{s.period.label}[/] · {s.period.span()}"
    if s.filter is not None:
        period += f" · [i]{escape(s.filter.describe())}[/]"
    lines.append(period)
    if s.has_impacts:
        co2 = cur.get("co2e_g")
        lines.append(
            f"[b]CO2e[/]      [b $accent]{fmt.central(co2, 'g'):<10}[/]  range {fmt.rng(co2, 'g')}"
            f"  [dim]{escape(s.basis)}-based[/]"
        )
        lines.append(
            f"Energy    {fmt.central(cur.get('energy_wh'), 'Wh'):<10}  range {fmt.rng(cur.get('energy_wh'), 'Wh')}"
        )
        lines.append(
            f"Water     {fmt.central(cur.get('water_ml'), 'mL'):<10}  range {fmt.rng(cur.get('water_ml'), 'mL')}"
        )
        train = cur.get("co2e_training_g")
        if isinstance(train, dict):
            lines.append(
                f"Training  {'+' + fmt.central(train, 'g'):<10}  range {fmt.rng(train, 'g')}"
                "  [dim]amortised share, apart[/]"
            )
    else:
        lines.append("[$warning]Impacts unavailable: showing tokens only[/]")
    lines.append(f"Tokens    {fmt.count(tokens(cur)):<10}  Requests {cur['requests']:,}")
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


def equivalents_markup(s: Summary) -> str:
    if not s.has_impacts:
        return ""
    if not s.equivalents:
        return "[dim]Everyday equivalents unavailable.[/]"
    lines = []
    for e in s.equivalents:
        label = e.get("label") or f"{fmt.num(float(e.get('value', 0.0)))} {e.get('unit', '')}"
        basis = ""
        if e.get("factor") is not None and e.get("factor_unit"):
            basis = f"{fmt.plain(float(e['factor']))} {e['factor_unit']}"
        note = ", ".join(str(x) for x in (basis, e.get("year")) if x)
        lines.append(f"[b]≈ {escape(str(label))}[/]" + (f" [dim]({escape(note)})[/]" if note else ""))
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


class OverviewPanel(VerticalScroll):
    """Everything a user should grasp in five seconds."""

    summary: reactive[Summary | None] = reactive(None)

    def compose(self) -> ComposeResult:
        yield Static("Loading the ledger…", id="ov-headline")
        yield Static("", id="ov-warnings")
        yield Static("", id="ov-equivalents")
        yield Static("", id="ov-drivers")
        yield Sparkline([], id="ov-spark")
        yield Static("", id="ov-spark-label")
        yield Static("", id="ov-budget")
        yield ProgressBar(total=100, show_eta=False, id="ov-budget-bar")

    def watch_summary(self, s: Summary | None) -> None:
        if s is None:
            return
        if s.empty and not s.current["requests"]:
            self.query_one("#ov-headline", Static).update(
                headline_markup(s) + "\n\n[dim]Nothing recorded in this period.[/]"
            )
        else:
            self.query_one("#ov-headline", Static).update(headline_markup(s))
        warn = self.query_one("#ov-warnings", Static)
        warn.update(warnings_markup(s))
        warn.display = bool(s.warnings)
        self.query_one("#ov-equivalents", Static).update(equivalents_markup(s))
        self.query_one("#ov-drivers", Static).update(drivers_markup(s))
        totals = [sum(col) for col in zip(*s.chart.series.values(), strict=True)] if s.chart.series else []
        spark = self.query_one("#ov-spark", Sparkline)
        spark.data = totals
        spark.display = bool(totals) and any(totals)
        label = self.query_one("#ov-spark-label", Static)
        label.display = spark.display
        if totals:
            unit = "CO2e" if s.chart.metric == "co2e_g" else "tokens"
            step = {"monthly": "month", "weekly": "week"}.get(s.chart.step, "day")
            label.update(
                f"[dim]{unit} per {step}, {s.chart.labels[0]} to {s.chart.labels[-1]} "
                f"(peak {peak_text(max(totals), s.chart.metric)})[/]"
            )
        self.query_one("#ov-budget", Static).update(budget_markup(s))
        bar = self.query_one("#ov-budget-bar", ProgressBar)
        bar.display = s.budget is not None and s.budget.used is not None
        if s.budget is not None and s.budget.used is not None:
            bar.update(total=100, progress=min(100.0, s.budget.fraction * 100))
            bar.set_class(s.budget.fraction > 1.0, "over")


def peak_text(value: float, metric_name: str) -> str:
    return fmt.qty(value, "g") if metric_name == "co2e_g" else fmt.count(value)


__all__ = ["OverviewPanel", "headline_markup", "metric"]
