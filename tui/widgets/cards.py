"""An everyday equivalent as a large figure: the quantity it compares in the
border title ("Energy · 6.49 kWh ≈"), the number in large digits, what it counts
below, and the factor in the border subtitle."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Digits, Static

from tui import format as fmt
from tui.widgets.safe import escape

QUANTITY_TITLES = {"co2e": "CO2e", "energy": "Energy", "water": "Water"}


def card_title(e: dict[str, Any]) -> str:
    """``Energy · 6.49 kWh ≈``: the quantity the card compares, and how much."""
    quantity = str(e.get("quantity") or "co2e")
    compares = str(e.get("compares") or "")
    amount = compares.removesuffix(" CO2e").removesuffix(" of energy").removesuffix(" of water")
    return f"{QUANTITY_TITLES.get(quantity, quantity)} · {amount} ≈" if amount else QUANTITY_TITLES.get(quantity, quantity)


def card_note(e: dict[str, Any]) -> str:
    """The factor and its year: ``128 gCO2e/km, 2023``."""
    parts = []
    if e.get("factor") is not None and e.get("factor_unit"):
        parts.append(f"{fmt.plain(float(e['factor']))} {e['factor_unit']}")
    if e.get("year"):
        parts.append(str(e["year"]))
    return ", ".join(parts)


class EquivalentCard(Vertical):
    """One equivalent: a large number and what it counts."""

    DEFAULT_CSS = """
    EquivalentCard {
        height: 6;
        width: 1fr;
        border: round $accent 60%;
        border-title-color: $text;
        border-subtitle-color: $text-muted;
        padding: 0 1;
    }
    EquivalentCard Digits { width: auto; color: $accent; }
    EquivalentCard .card-unit { width: 1fr; height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.item: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        yield Digits("", classes="card-number")
        yield Static("", classes="card-unit")

    def show(self, e: dict[str, Any] | None) -> None:
        self.item = e
        self.display = e is not None
        if e is None:
            return
        self.border_title = escape(card_title(e))
        self.border_subtitle = escape(card_note(e))
        self.query_one(Digits).update(str(e.get("number") or fmt.num(float(e.get("value", 0.0)))))
        self.query_one(".card-unit", Static).update(escape(str(e.get("unit") or "")))

    def plain(self) -> str:
        """The card as a sentence (the tests read it): ``Energy · 6.49 kWh ≈ 27 days of …``."""
        if self.item is None:
            return ""
        return f"{card_title(self.item)} {self.item.get('number')} {self.item.get('unit')}"
