"""``?``: every key of the dashboard and what it does."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui.screens.base import BaseModal

HELP = """\
[b]tokenprint dashboard[/] — keys

[b]Periods[/]  1 today · 2 last 7 days · 3 this month · 4 last 12 months
         5 all time; each compared with the period of the same length before
[b]Views[/]    o overview · t over time · d what drives it · s sessions
         w what would shrink it
[b]Split[/]    b cycles client / model / project: the bars of Over time
         and the rows of Drivers
[b]Step[/]     g bars per day / week / month (Over time)
[b]Tables[/]   ↑↓ move · Enter filters the screen on a driver or opens a session
         S sorts by the next column (or click a header)
[b]Filter[/]   f clears the filter
[b]Export[/]   e Markdown · E HTML (printable), to exports/ in the data folder
[b]Other[/]    c settings · m methodology and sources
         r reload · T light/dark theme · ? this help · q quit
[b]Back[/]     Escape leaves a session, the methodology, the settings or this help
         ctrl+s saves the settings

Figures are estimates: central value first, then the range (low–high).
The dashboard follows the ledger live: new usage shows within 2 seconds.
"""


class HelpScreen(BaseModal):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(HELP, id="help-text")
