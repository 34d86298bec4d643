"""The dashboard shows hostile names as text: no control character reaches the screen,
no Textual markup from the data is interpreted (issue 10, defect 4)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.tui.dash import make_app, wait_loaded

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

MARKUP_MODEL = "[red]x[/red][link=javascript:alert(1)]y[/link]"
ESC_PROJECT = "/home/\u001b]0;pwned\u0007/\u001b[2J\u001b[31mRED"


def _hostile(home: Path) -> None:
    con = sqlite3.connect(home / "ledger.db")
    try:
        top = con.execute("SELECT model FROM events GROUP BY model ORDER BY SUM(output_tokens) DESC").fetchone()[0]
        con.execute("UPDATE events SET model = ? WHERE model = ?", (MARKUP_MODEL, top))
        con.execute("UPDATE events SET project = ?, session = ? WHERE id % 3 = 0",
                    (ESC_PROJECT, "\u001b[31msess\u0007"))
        con.commit()
    finally:
        con.close()


async def test_hostile_names_are_plain_text_on_every_view(dash_home: Path) -> None:
    _hostile(dash_home)
    app: Any = make_app(dash_home)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_loaded(pilot)
        shots = [app.export_screenshot()]
        for key in ("b", "b", "tab"):
            await pilot.press(key)
            await pilot.pause(0.3)
            shots.append(app.export_screenshot())
        for svg in shots:
            assert "\u001b" not in svg and "\u0007" not in svg
        joined = "".join(shots).replace("&#160;", " ")
        assert "[red]x[/red]" in joined.replace("&#91;", "[").replace("&#93;", "]")  # shown, not interpreted


def test_methodology_screen_shows_hostile_warnings_as_text(tmp_path: Path) -> None:
    """The estimate's warnings quote model names from the data: on the methodology
    screen they are text, with no control byte and no link of theirs."""
    from tui.screens.methodology import methodology_markdown, render_markdown

    warning = "model '\x1b[2J\x1b]0;pwned\x07[x](javascript:alert(1))' is not in the model table"
    strips = render_markdown(methodology_markdown(tmp_path, [warning]), 100)
    segments = [seg for strip in strips for seg in strip]
    shown = "".join(seg.text for seg in segments)
    assert "pwned" in shown and "javascript:alert(1)" in shown
    assert not any(c in shown for c in "\x1b\x07")
    assert not any(seg.style is not None and seg.style.link for seg in segments)
