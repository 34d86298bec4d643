"""Names from the ledger made safe for the dashboard: no control character (the
one rule of ``ledger.names.terminal_safe``) and no Textual markup.

``escape`` is what every f-string of markup uses for a name, a path or an error
text; ``plain`` is a ``rich.text.Text`` for table cells (a ``str`` cell of a
``DataTable`` is read as markup). Error texts also lose their credentials
(``ledger.redact``): a team ledger's URL never reaches the screen with its password.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.markup import escape as _markup_escape

from ledger.names import terminal_safe
from ledger.redact import redact_text


def escape(text: Any) -> str:
    """``text`` for a markup string: control characters as ``?``, ``[`` escaped."""
    return _markup_escape(terminal_safe(text))


def escape_lines(text: Any) -> str:
    """Like :func:`escape`, keeping line breaks (a list of problems, one per line)."""
    return "\n".join(escape(line) for line in str(text).split("\n"))


def error_text(error: Any) -> str:
    """An exception or message for markup: credentials masked, on one line, escaped."""
    return escape(terminal_safe(redact_text(error), newline=" "))


def plain(text: Any, justify: Any = None) -> Text:
    """A table cell showing ``text`` as it is (no markup), control characters as ``?``."""
    return Text(terminal_safe(text), justify=justify)
