"""How names are shown, and how what people type finds them again: short project
paths (``dev/webshop``), short model ids (``claude-sonnet-4-5`` for
``claude-sonnet-4-5-20250929``), names made safe for a terminal, widths and
ellipses that never cut a name without saying so.

Standard library only: the report text and the ``/footprint`` hook use it. Every
short form here is also accepted by the report filters (``--project``, ``--model``),
so a name copied from a report finds its rows.
"""

from __future__ import annotations

import os
import re
import unicodedata
from typing import Any

ELLIPSIS = "…"

#: A release date at the end of a model id: ``-20250929``, ``@20250929``, ``-2024-08-06``.
_DATE_SUFFIX = re.compile(r"(?:[-@]20\d{6}|-20\d\d-\d\d-\d\d)$")


def short_project(p: Any) -> str:
    """The last two path parts of a project folder (``/home/dev/webshop`` -> ``dev/webshop``)."""
    if not p or p == "(none)":
        return "(none)"
    parts = [x for x in str(p).replace("\\", "/").split("/") if x]
    return "/".join(parts[-2:]) if len(parts) > 1 else str(p)


def short_model(m: Any) -> str:
    """A model id without its release date (``claude-sonnet-4-5-20250929`` ->
    ``claude-sonnet-4-5``, ``gpt-4o-2024-08-06`` -> ``gpt-4o``); other ids as they are."""
    text = str(m)
    short = _DATE_SUFFIX.sub("", text)
    return short or text


def _norm_path(p: str) -> str:
    return p.replace("\\", "/").rstrip("/") or "/"


def matches_project(typed: str, stored: str) -> bool:
    """``typed`` names the stored project: as stored, as reports show it
    (:func:`short_project`), or as a path (``~`` and relative paths resolved)."""
    if typed == stored or typed == short_project(stored):
        return True
    t = typed.strip()
    if not t:
        return False
    s = _norm_path(stored)
    if _norm_path(t) == s:
        return True
    return _norm_path(os.path.abspath(os.path.expanduser(t))) == s


def matches_model(typed: str, stored: str) -> bool:
    """``typed`` names the stored model id: exactly, or by its short form (:func:`short_model`)."""
    return typed == stored or typed == short_model(stored)


#: Line breaks, folded to one mark by :func:`terminal_safe` when ``newline`` is given.
_NEWLINES = re.compile("\r\n|[\n\r\v\f\x85\u2028\u2029]")


def terminal_safe(text: Any, mark: str = "?", newline: str | None = None) -> str:
    """``text`` without control or formatting characters: each becomes ``mark``.

    THE one place that decides what may reach a terminal, a table line or an export
    (text reports, ``/footprint``, the dashboard, error messages, every export
    format). Replaced: every character Python does not call printable, that is the
    C0 controls (NUL to US, tab and newline included), DEL, the C1 controls
    (U+0080-U+009F, CSI U+009B among them), the bidirectional embeddings, overrides
    and isolates (U+202A-U+202E, U+2066-U+2069) and every other format character,
    line and paragraph separators, surrogates. ESC and BEL go with them, so an
    escape sequence (``ESC [ 2 J``, ``ESC ] 0 ; title BEL``) is left as inert
    printable text: it cannot move the cursor, recolour the terminal, set a window
    title or break a table line.

    ``mark`` is ``?`` by default (the mark the ledger stores for a neutralised
    name, so a name shows the same whether it was written before or after the
    door neutralised it); ``""`` drops them (Markdown, HTML). ``newline``, when
    given, is what each line break becomes instead (``" "``: folded to a space).
    """
    s = str(text)
    if s.isprintable():
        return s
    if newline is not None:
        s = _NEWLINES.sub(newline, s)
        if s.isprintable():
            return s
    return "".join(c if c.isprintable() or c in _JOINERS else mark for c in s)


#: Format characters that are part of how text is written, kept: the zero-width
#: non-joiner and joiner (emoji sequences such as 👩‍💻, Persian and Indic scripts).
_JOINERS = frozenset("\u200c\u200d")


def width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide (East Asian) characters count two,
    combining marks none."""
    if text.isascii():
        return len(text)
    n = 0
    for c in text:
        if unicodedata.combining(c):
            continue
        n += 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1
    return n


def clip(text: str, cols: int) -> str:
    """``text`` in at most ``cols`` columns: as it is when it fits, else cut with an
    ellipsis at the end (``claude-sonnet-4-5-2025…``)."""
    if width(text) <= cols:
        return text
    if cols <= 0:
        return ""
    out, used = [], 0
    for c in text:
        w = width(c)
        if used + w > cols - 1:
            break
        out.append(c)
        used += w
    return "".join(out) + ELLIPSIS


def fit_model(model: str, cols: int, ambiguous: frozenset[str] = frozenset()) -> str:
    """A model id in ``cols`` columns: whole, else its short form (unless that short
    form is in ``ambiguous``: it would name two ids), else clipped."""
    if width(model) <= cols:
        return model
    short = short_model(model)
    if short in ambiguous:
        return clip(model, cols)
    return short if width(short) <= cols else clip(short, cols)


def ambiguous_shorts(models: Any) -> frozenset[str]:
    """The short forms that several of ``models`` share (``gpt-4o`` for ``gpt-4o`` and
    ``gpt-4o-2024-08-06``): a table must not show them for either."""
    seen: dict[str, set[str]] = {}
    for m in models:
        seen.setdefault(short_model(m), set()).add(str(m))
    return frozenset(k for k, v in seen.items() if len(v) > 1)
