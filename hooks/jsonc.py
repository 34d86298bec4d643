"""JSON with comments: an exact scanner and minimal text edits (standard library only).

For settings files that clients read as JSON with comments (Gemini CLI reads its
``settings.json`` with ``JSON.parse(stripJsonComments(text))``, strip-json-comments
3.1.1, ``packages/cli/src/config/settings.ts``). What it accepts is what that reader
accepts: JSON plus ``// line`` and ``/* block */`` comments outside strings. It
refuses trailing commas (``JSON.parse`` rejects them: Gemini CLI would not load
the file), an unterminated comment, duplicate keys (``JSON.parse`` keeps the last
one silently: which one the user meant is unknown), ``NaN``/``Infinity`` and
anything else that is not JSON, with the line and column.

:func:`parse` gives the data *and* the byte spans of every value (:class:`Node`).
:func:`update` turns a text into one whose data is a given value by minimal text
edits, like VS Code's jsonc-parser ``modify`` + ``applyEdits``: one structural
change at a time (remove a member or an element, append one, replace a value),
each placed where the file's own indentation and line endings say. Every byte
outside the edited spans is kept, comments and blank lines included. An edit
that would delete or rewrite a span holding a comment is refused
(:class:`JsoncError`): the comment would be lost or moved.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MAX_DEPTH = 64


class JsoncError(ValueError):
    """Text that is not JSON with comments, or an edit that cannot be made safely."""

    def __init__(self, message: str, text: str = "", pos: int = -1) -> None:
        if pos >= 0:
            line = text.count("\n", 0, pos) + 1
            col = pos - (text.rfind("\n", 0, pos) + 1) + 1
            message = f"{message} at line {line} column {col}"
            self.line, self.col = line, col
        super().__init__(message)


@dataclass
class Node:
    """A value and where it is: ``text[start:end]``."""

    kind: str  # object, array, string, number, literal
    start: int
    end: int
    value: Any
    #: object members: (key, key_start, value node, comma position or -1)
    members: list[tuple[str, int, Node, int]] = field(default_factory=list)
    #: array items: (node, comma position or -1)
    items: list[tuple[Node, int]] = field(default_factory=list)


@dataclass
class Doc:
    text: str
    root: Node
    comments: list[tuple[int, int]]


_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_WS = " \t\n\r"


class _Scanner:
    def __init__(self, text: str, parse_float: Callable[[str], Any], parse_int: Callable[[str], Any]) -> None:
        self.text = text
        self.n = len(text)
        self.comments: list[tuple[int, int]] = []
        self.parse_float = parse_float
        self.parse_int = parse_int

    def fail(self, message: str, pos: int) -> JsoncError:
        return JsoncError(message, self.text, pos)

    def skip(self, i: int) -> int:
        text, n = self.text, self.n
        while i < n:
            c = text[i]
            if c in _WS:
                i += 1
            elif c == "/" and i + 1 < n and text[i + 1] == "/":
                j = text.find("\n", i)
                j = n if j == -1 else j
                if text[j - 1] == "\r":
                    j -= 1  # the line ends at a CRLF: the comment stops before it
                self.comments.append((i, j))
                i = j
            elif c == "/" and i + 1 < n and text[i + 1] == "*":
                j = text.find("*/", i + 2)
                if j == -1:
                    raise self.fail("unterminated /* comment", i)
                self.comments.append((i, j + 2))
                i = j + 2
            else:
                break
        return i

    def string(self, i: int) -> tuple[str, int]:
        text = self.text
        j = i + 1
        while True:
            k = text.find('"', j)
            if k == -1:
                raise self.fail("unterminated string", i)
            backslashes = 0
            m = k - 1
            while m > i and text[m] == "\\":
                backslashes += 1
                m -= 1
            if backslashes % 2 == 0:
                break
            j = k + 1
        token = text[i : k + 1]
        try:
            value = json.loads(token)
        except ValueError:
            raise self.fail("invalid string (a raw control character or a bad escape)", i) from None
        return value, k + 1

    def value(self, i: int, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise self.fail(f"nested deeper than {MAX_DEPTH} levels", i)
        text = self.text
        if i >= self.n:
            raise self.fail("expected a value, found the end of the file", i)
        c = text[i]
        if c == "{":
            return self.obj(i, depth)
        if c == "[":
            return self.arr(i, depth)
        if c == '"':
            s, end = self.string(i)
            return Node("string", i, end, s)
        for word, val in (("true", True), ("false", False), ("null", None)):
            if text.startswith(word, i):
                return Node("literal", i, i + len(word), val)
        m = _NUMBER.match(text, i)
        if m and m.end() > i:
            token = m.group()
            is_float = any(ch in token for ch in ".eE")
            num = self.parse_float(token) if is_float else self.parse_int(token)
            return Node("number", i, m.end(), num)
        raise self.fail(f"unexpected {text[i]!r} (not a JSON value)", i)

    def obj(self, i: int, depth: int) -> Node:
        text = self.text
        node = Node("object", i, i, {})
        i = self.skip(i + 1)
        if i < self.n and text[i] == "}":
            node.end = i + 1
            return node
        while True:
            if i >= self.n or text[i] != '"':
                raise self.fail("expected a key in double quotes", i)
            key, j = self.string(i)
            if key in node.value:
                raise self.fail(f"duplicate key {key!r} (which one is meant?)", i)
            j = self.skip(j)
            if j >= self.n or text[j] != ":":
                raise self.fail("expected ':'", j)
            val = self.value(self.skip(j + 1), depth + 1)
            node.value[key] = val.value
            j = self.skip(val.end)
            if j < self.n and text[j] == ",":
                node.members.append((key, i, val, j))
                i = self.skip(j + 1)
                if i < self.n and text[i] == "}":
                    raise self.fail("trailing comma (Gemini CLI's JSON.parse rejects it)", j)
                continue
            node.members.append((key, i, val, -1))
            if j < self.n and text[j] == "}":
                node.end = j + 1
                return node
            raise self.fail("expected ',' or '}'", j)

    def arr(self, i: int, depth: int) -> Node:
        text = self.text
        node = Node("array", i, i, [])
        i = self.skip(i + 1)
        if i < self.n and text[i] == "]":
            node.end = i + 1
            return node
        while True:
            val = self.value(i, depth + 1)
            node.value.append(val.value)
            j = self.skip(val.end)
            if j < self.n and text[j] == ",":
                node.items.append((val, j))
                i = self.skip(j + 1)
                if i < self.n and text[i] == "]":
                    raise self.fail("trailing comma (Gemini CLI's JSON.parse rejects it)", j)
                continue
            node.items.append((val, -1))
            if j < self.n and text[j] == "]":
                node.end = j + 1
                return node
            raise self.fail("expected ',' or ']'", j)


def parse(
    text: str,
    parse_float: Callable[[str], Any] = float,
    parse_int: Callable[[str], Any] = int,
) -> Doc:
    """The document in ``text``; raises :class:`JsoncError` (with line and column)."""
    sc = _Scanner(text, parse_float, parse_int)
    i = sc.skip(0)
    if i >= len(text):
        raise JsoncError("no JSON value (only whitespace and comments)")
    root = sc.value(i, 1)
    j = sc.skip(root.end)
    if j < len(text):
        raise sc.fail("unexpected text after the JSON value", j)
    return Doc(text, root, sc.comments)


def strip_comments(text: str) -> str:
    """``text`` with every comment replaced by spaces (what strip-json-comments does)."""
    doc = parse(text)
    out = list(text)
    for a, b in doc.comments:
        for k in range(a, b):
            if out[k] not in "\r\n":
                out[k] = " "
    return "".join(out)


# -- edits -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Edit:
    offset: int
    length: int
    content: str


def apply_edits(text: str, edits: list[Edit]) -> str:
    """``text`` with ``edits`` (non-overlapping) applied."""
    for e in sorted(edits, key=lambda e: e.offset, reverse=True):
        text = text[: e.offset] + e.content + text[e.offset + e.length :]
    return text


def same(a: Any, b: Any) -> bool:
    """Equal as JSON data, types and key order included (``1`` is not ``true`` nor ``1.0``)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def indent_unit(text: str) -> str:
    m = re.search(r"^[{\[][ \t]*\r?\n([ \t]+)\S", text, re.MULTILINE)
    if not m:
        m = re.search(r"\n([ \t]+)\S", text)
    if not m:
        return "  "
    ws = m.group(1)
    return "\t" if ws.startswith("\t") else ws


def _eol(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def _line_indent(text: str, pos: int) -> str:
    start = _line_start(text, pos)
    j = start
    while j < len(text) and text[j] in " \t":
        j += 1
    return text[start:j]


def dump(value: Any, unit: str, indent: str, eol: str) -> str:
    """``value`` as pretty JSON whose first line is already at ``indent``."""
    token = getattr(value, "token", None)
    if isinstance(token, str):
        return token
    if isinstance(value, dict | list):
        if not value:
            return "{}" if isinstance(value, dict) else "[]"
        inner = indent + unit
        if isinstance(value, dict):
            parts = [f"{json.dumps(k, ensure_ascii=False)}: {dump(v, unit, inner, eol)}" for k, v in value.items()]
            return "{" + eol + ("," + eol).join(inner + p for p in parts) + eol + indent + "}"
        parts = [dump(v, unit, inner, eol) for v in value]
        return "[" + eol + ("," + eol).join(inner + p for p in parts) + eol + indent + "]"
    if isinstance(value, float) and not isinstance(value, bool):
        return float.__repr__(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return int.__repr__(value)
    return json.dumps(value, ensure_ascii=False)


class _Editor:
    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.text = doc.text
        self.unit = indent_unit(doc.text)
        self.eol = _eol(doc.text)

    def _check_no_comment(self, a: int, b: int, what: str) -> None:
        for c0, c1 in self.doc.comments:
            if c0 < b and c1 > a:
                raise JsoncError(
                    f"cannot {what} without losing or moving the comment", self.text, c0)

    def replace(self, node: Node, new: Any) -> list[Edit]:
        self._check_no_comment(node.start, node.end, "rewrite this value")
        content = dump(new, self.unit, _line_indent(self.text, node.start), self.eol)
        return [Edit(node.start, node.end - node.start, content)]

    def _element_text(self, container: Node, key: str | None, value: Any, indent: str) -> str:
        body = dump(value, self.unit, indent, self.eol)
        return body if key is None else f"{json.dumps(key, ensure_ascii=False)}: {body}"

    def append(self, container: Node, key: str | None, value: Any) -> list[Edit]:
        text = self.text
        elems = ([(k0, v, c) for _k, k0, v, c in container.members] if container.kind == "object"
                 else [(v.start, v, c) for v, c in container.items])
        close = container.end - 1
        if not elems:
            outer = _line_indent(text, container.start)
            inner = outer + self.unit
            content = self.eol + inner + self._element_text(container, key, value, inner)
            between = text[container.start + 1 : close]
            if "\n" not in between:
                content += self.eol + outer
            return [Edit(container.start + 1, 0, content)]
        first_start, last = elems[0][0], elems[-1][1]
        multiline = "\n" in text[container.start : first_start]
        if not multiline:
            content = ", " + self._element_text(container, key, value, _line_indent(text, container.start))
            return [Edit(last.end, 0, content)]
        indent = _line_indent(text, first_start)
        content = self._element_text(container, key, value, indent)
        # After the comments that follow the last element on its line (they stay on it).
        at = self._after_trailing(last.end, close)
        if at == last.end:
            return [Edit(last.end, 0, "," + self.eol + indent + content)]
        return [Edit(last.end, 0, ","), Edit(at, 0, self.eol + indent + content)]

    def _after_trailing(self, pos: int, limit: int) -> int:
        """Past the comments that follow ``pos`` on its line (a block comment may run on)."""
        text, ends = self.text, dict(self.doc.comments)
        at = pos
        while True:
            j = at
            while j < limit and text[j] in " \t":
                j += 1
            if j < limit and j in ends:
                at = ends[j]
                if text.startswith("//", j):
                    return at
                continue
            return at

    def _span_out(self, a: int, b: int) -> tuple[int, int, bool]:
        """Widen ``[a, b)`` to whole lines when it stands alone on its lines (True), else
        over the spaces after it (False)."""
        text = self.text
        ls = _line_start(text, a)
        j = b
        while j < len(text) and text[j] in " \t":
            j += 1
        if not text[ls:a].strip():
            if text.startswith("\r\n", j):
                return ls, j + 2, True
            if text.startswith("\n", j):
                return ls, j + 1, True
        return a, j, False

    def remove(self, container: Node, index: int) -> list[Edit]:
        text = self.text
        elems = ([(k0, v, c) for _k, k0, v, c in container.members] if container.kind == "object"
                 else [(v.start, v, c) for v, c in container.items])
        start, node, comma = elems[index]
        if comma != -1:
            a, b, _whole = self._span_out(start, comma + 1)
            edits = [Edit(a, b - a, "")]
        else:
            a, b, whole = self._span_out(start, node.end)
            if index == 0:
                edits = [Edit(a, b - a, "")] if whole else [Edit(start, node.end - start, "")]
            else:
                prev_comma = elems[index - 1][2]
                at = self._after_trailing(prev_comma + 1, start)
                if not text[at:start].strip():  # the inverse of :meth:`append`
                    edits = [Edit(prev_comma, 1, ""), Edit(at, node.end - at, "")]
                    if at == prev_comma + 1:
                        edits = [Edit(prev_comma, node.end - prev_comma, "")]
                elif not whole and not text[prev_comma + 1 : start].strip():
                    edits = [Edit(prev_comma, node.end - prev_comma, "")]  # ", x" inline
                elif whole:
                    edits = [Edit(prev_comma, 1, ""), Edit(a, b - a, "")]
                else:
                    edits = [Edit(prev_comma, 1, ""), Edit(start, node.end - start, "")]
        for e in edits:
            self._check_no_comment(e.offset, e.offset + e.length, "remove this entry")
        return edits

    def first_edit(self, node: Node, new: Any) -> list[Edit] | None:
        if same(node.value, new):
            return None
        if node.kind == "object" and isinstance(new, dict):
            keys = [m[0] for m in node.members]
            for i, key in enumerate(keys):
                if key not in new:
                    return self.remove(node, i)
            if list(new)[: len(keys)] != keys:
                return self.replace(node, new)
            for key, _k0, child, _c in node.members:
                edit = self.first_edit(child, new[key])
                if edit is not None:
                    return edit
            added = list(new)[len(keys)]
            return self.append(node, added, new[added])
        if node.kind == "array" and isinstance(new, list):
            old = [v for v, _c in node.items]
            n = min(len(old), len(new))
            i = next((k for k in range(n) if not same(old[k].value, new[k])), n)
            if len(old) > len(new):
                if i == len(new) or same(old[i + 1].value, new[i]):
                    return self.remove(node, i)
                if old[i].kind in ("object", "array") and type(old[i].value) is type(new[i]):
                    return self.first_edit(old[i], new[i])
                return self.remove(node, i)
            if i < n:
                if len(old) < len(new) and same(old[i].value, new[i + 1]):
                    return self.replace(node, new)  # an insertion before the end
                if old[i].kind in ("object", "array") and type(old[i].value) is type(new[i]):
                    return self.first_edit(old[i], new[i])
                return self.replace(old[i], new[i])
            return self.append(node, None, new[len(old)])
        return self.replace(node, new)


#: Most structural changes one :func:`update` makes (settings edits take a handful).
MAX_STEPS = 500


def update(
    text: str,
    new: Any,
    parse_float: Callable[[str], Any] = float,
    parse_int: Callable[[str], Any] = int,
) -> str:
    """``text`` edited so that its data is ``new``, by minimal edits (see the module
    docstring). Raises :class:`JsoncError` when ``text`` is not JSON with comments or
    an edit cannot be made without touching a comment."""
    for _step in range(MAX_STEPS):
        doc = parse(text, parse_float, parse_int)
        edits = _Editor(doc).first_edit(doc.root, new)
        if edits is None:
            return text
        text = apply_edits(text, edits)
    raise JsoncError(f"more than {MAX_STEPS} changes needed: not edited")
