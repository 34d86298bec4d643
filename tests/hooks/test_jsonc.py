"""``hooks.jsonc``: the JSON-with-comments scanner and its minimal text edits.

Properties (hypothesis): for generated JSON with comments, the parse equals
``json.loads`` of the text with its comments blanked out (built beside it, not by
the scanner), every node's span holds that node; an edit keeps every comment and
every byte outside its span; refusals say what and where.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hooks import jsonc

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**6), 10**6),
                     st.floats(allow_nan=False, allow_infinity=False, width=32),
                     st.text(alphabet=st.sampled_from('ab"\\/*\n\té💡 '), max_size=6))
_values = st.recursive(_scalars, lambda kids: st.one_of(
    st.lists(kids, max_size=4), st.dictionaries(st.text(alphabet="abc/*", max_size=3), kids, max_size=4)),
    max_leaves=12)
_gap = st.lists(st.sampled_from([" ", "\n", "\t", "\r\n", "// line /* not closed\n", "/* block // x */",
                                 "/**/", "/* multi\nline */"]), max_size=3)


@st.composite
def commented(draw: st.DrawFn, value: Any = None) -> tuple[str, str, Any]:
    """``(text, the same text with comments blanked, value)``."""
    v = draw(_values) if value is None else value
    text: list[str] = []
    bare: list[str] = []

    def gap() -> None:
        for g in draw(_gap):
            text.append(g)
            bare.append(g if not g.startswith("/") else "".join(c if c in "\r\n" else " " for c in g))

    def emit(x: Any) -> None:
        if isinstance(x, dict):
            tok("{")
            for i, (k, item) in enumerate(x.items()):
                if i:
                    tok(",")
                tok(json.dumps(k))
                tok(":")
                emit(item)
            tok("}")
        elif isinstance(x, list):
            tok("[")
            for i, item in enumerate(x):
                if i:
                    tok(",")
                emit(item)
            tok("]")
        else:
            tok(json.dumps(x, ensure_ascii=draw(st.booleans())))

    def tok(t: str) -> None:
        gap()
        text.append(t)
        bare.append(t)

    emit(v)
    gap()
    return "".join(text), "".join(bare), v


def nodes(node: jsonc.Node) -> list[jsonc.Node]:
    out = [node]
    for _k, _k0, child, _c in node.members:
        out += nodes(child)
    for child, _c in node.items:
        out += nodes(child)
    return out


@SETTINGS
@given(commented())
def test_parse_equals_json_loads_of_the_stripped_text(case: tuple[str, str, Any]) -> None:
    text, bare, value = case
    doc = jsonc.parse(text)
    assert jsonc.same(doc.root.value, json.loads(bare))
    assert jsonc.same(doc.root.value, value)
    assert jsonc.strip_comments(text) == bare
    for n in nodes(doc.root):
        assert jsonc.same(json.loads(bare[n.start : n.end]), n.value)


def comments_of(text: str) -> list[str]:
    return [text[a:b] for a, b in jsonc.parse(text).comments]


_changes = st.sampled_from(["add", "remove", "set", "append", "nested-add"])


@SETTINGS
@given(case=commented(), change=_changes, key=st.text(alphabet="xyz", min_size=1, max_size=3),
       value=_values)
def test_an_edit_keeps_every_comment_and_every_byte_outside_it(
        case: tuple[str, str, Any], change: str, key: str, value: Any) -> None:
    text, _bare, old = case
    if not isinstance(old, dict):
        old = {}
        text = "{ /* empty */ }\n"
    new = copy.deepcopy(old)
    if change == "add" or not new:
        new[key + "_new"] = value
    elif change == "remove":
        new.pop(next(iter(new)))
    elif change == "set":
        new[next(iter(new))] = value
    elif change == "append":
        first = next(iter(new))
        new[first] = [*new[first], value] if isinstance(new[first], list) else value
    else:
        new[key + "_n"] = {"inner": {"v": value}}
    try:
        out = jsonc.update(text, new)
    except jsonc.JsoncError as exc:
        assert "comment" in str(exc)  # only an edit that would touch a comment is refused
        return
    assert jsonc.same(jsonc.parse(out).root.value, new)
    assert comments_of(out) == comments_of(text)
    # One change: the bytes before the first difference and after the last are the file's.
    i = next((k for k in range(min(len(text), len(out))) if text[k] != out[k]), min(len(text), len(out)))
    j = 0
    while j < min(len(text), len(out)) - i and text[-1 - j] == out[-1 - j]:
        j += 1
    assert out[:i] == text[:i] and out[len(out) - j :] == text[len(text) - j :]
    # And the reverse edit gives the original text back when it only adds.
    if change in ("add", "nested-add") and old:
        assert jsonc.update(out, old) == text


REFUSED = {
    '{"a": 1,}': "trailing comma",
    "[1, 2,]": "trailing comma",
    '{"a": 1, "a": 2}': "duplicate key 'a'",
    '{"a": 1 /* open': "unterminated /* comment",
    '{"a": "open}': "unterminated string",
    "// only a comment\n": "no JSON value",
    '{"a": NaN}': "not a JSON value",
    '{"a": Infinity}': "not a JSON value",
    '{"a": 1} {"b": 2}': "unexpected text after the JSON value",
    '{"a" 1}': "expected ':'",
    '{a: 1}': "expected a key in double quotes",
    '{"a": 1 "b": 2}': "expected ',' or '}'",
    '{"a": "tab\there"}': "invalid string",
    '{"a": 1} / 2': "unexpected text",
}


@pytest.mark.parametrize("text", sorted(REFUSED))
def test_refusals_say_what_and_where(text: str) -> None:
    with pytest.raises(jsonc.JsoncError) as info:
        jsonc.parse(text)
    assert REFUSED[text] in str(info.value)
    if "no JSON value" not in str(info.value):
        assert " at line 1 column " in str(info.value)


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(jsonc.JsoncError, match="nested deeper than 64"):
        jsonc.parse("[" * 100 + "]" * 100)


def test_comments_inside_strings_are_text() -> None:
    doc = jsonc.parse('{"url": "http://x/*y*/", "c": "// no"} // yes')
    assert doc.root.value == {"url": "http://x/*y*/", "c": "// no"}
    assert [doc.text[a:b] for a, b in doc.comments] == ["// yes"]


def test_an_edit_that_would_drop_a_comment_is_refused() -> None:
    text = '{\n  "a": {\n    // why a is 1\n    "b": 1\n  }\n}\n'
    with pytest.raises(jsonc.JsoncError, match="comment"):
        jsonc.update(text, {})
    assert jsonc.update(text, {"a": {"b": 2}}) == text.replace('"b": 1', '"b": 2')


def test_insertion_follows_the_file_style() -> None:
    text = '{\r\n\t"a": 1 // one\r\n}\r\n'
    out = jsonc.update(text, {"a": 1, "b": [True]})
    assert out == '{\r\n\t"a": 1, // one\r\n\t"b": [\r\n\t\ttrue\r\n\t]\r\n}\r\n'
    assert jsonc.update(out, {"a": 1}) == text
