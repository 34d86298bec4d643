"""A Gemini CLI home in the real formats (``chatRecordingService.ts``), with every trap
of ``shared/reference/clients.md``, and the buckets it must give, computed by hand.

Layout (``$GEMINI_CLI_HOME`` = ``<base>``)::

    <base>/.gemini/projects.json                    /p/alpha -> alpha, /p/beta -> beta
    <base>/.gemini/tmp/alpha/.project_root          /p/alpha (slug folder, v0.29+)
    <base>/.gemini/tmp/alpha/chats/session-...-3f2a9c1e.jsonl   session A: repeated records,
        tokens in a second copy, $set, $rewindTo, a synthetic message without a model,
        a $set checkpoint of messages, garbage lines, a torn last line
    <base>/.gemini/tmp/alpha/chats/<A>/<S>.jsonl     a subagent of A
    <base>/.gemini/tmp/<sha256(/p/beta)>/chats/session-...-7b1e0d2a.json    legacy document L
    <base>/.gemini/tmp/<sha256(/p/beta)>/chats/session-...-7b1e0d2a.jsonl   L migrated on resume
    <base>/.gemini/tmp/<sha256(/p/gamma)>/chats/session-...-9c0d.jsonl      unregistered project
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

SESSION_A = "3f2a9c1e-5b7d-4c1a-9e2f-0a1b2c3d4e5f"
SESSION_SUB = "a9b8c7d6-1111-4222-8333-944455566677"
SESSION_L = "7b1e0d2a-2222-4333-8444-155566677788"
SESSION_G = "9c0d1e2f-3333-4444-8555-266677788899"
PRO, FLASH, OLD = "gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.0-flash"


def sha(root: str) -> str:
    return hashlib.sha256(root.encode()).hexdigest()


def tokens(inp: int, out: int, cached: int = 0, thoughts: int = 0, tool: int = 0) -> dict[str, int]:
    return {"input": inp, "output": out, "cached": cached, "thoughts": thoughts, "tool": tool,
            "total": inp + out + thoughts + tool}


def user(mid: str, ts: str, text: str = "please fix the tokens bug") -> dict[str, Any]:
    return {"id": mid, "timestamp": ts, "type": "user", "content": [{"text": text}]}


def gemini(mid: str, ts: str, tok: dict[str, int] | None, model: str | None = PRO,
           text: str = "Done: the \"tokens\":{ field is fixed.") -> dict[str, Any]:
    rec: dict[str, Any] = {"id": mid, "timestamp": ts, "type": "gemini", "content": text,
                           "thoughts": [{"subject": "Plan", "description": "secret plan",
                                         "timestamp": ts}],
                           "tokens": tok}
    if model is not None:
        rec["model"] = model
    return rec


def line(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False) + "\n"


def meta(sid: str, root: str, start: str, kind: str | None = "main") -> dict[str, Any]:
    rec: dict[str, Any] = {"sessionId": sid, "projectHash": sha(root), "startTime": start,
                           "lastUpdated": start}
    if kind is not None:
        rec["kind"] = kind
    return rec


G1 = gemini("g1-7f3c", "2026-08-20T10:00:05.123Z", tokens(12034, 85, 8000, 120))
G2 = gemini("g2-81aa", "2026-08-20T10:02:00.000Z", tokens(15000, 200, 12000, 0, 30), FLASH)
G3 = gemini("g3-93bb", "2026-08-20T10:05:00.000Z", tokens(14000, 50, 0, 10))
G4 = gemini("g4-a4cc", "2026-08-20T10:06:00.000Z", tokens(100, 0, 0, 5), None, "")
S1 = gemini("s1-b5dd", "2026-08-20T10:03:00.000Z", tokens(5000, 300, 1000, 50), FLASH)
M1 = gemini("m1-c6ee", "2026-07-01T09:00:10.000Z", tokens(2000, 100, 500), OLD)
M2 = gemini("m2-d7ff", "2026-07-01T09:01:10.000Z", tokens(3000, 150, 1000, 20), OLD)
M3 = gemini("m3-e800", "2026-07-02T08:00:00.000Z", tokens(4000, 60, 2000), PRO)
X1 = gemini("x1-f911", "2026-08-21T12:00:00.000Z", tokens(10, 1), PRO)


def session_a_lines() -> list[str]:
    no_tokens = {**G1, "tokens": None}
    return [
        line(meta(SESSION_A, "/p/alpha", "2026-08-20T10:00:00.000Z")),
        line(user("u1-0001", "2026-08-20T10:00:01.000Z")),
        line(no_tokens),  # the response, before its tokens
        line({"$set": {"lastUpdated": "2026-08-20T10:00:05.130Z"}}),
        line(G1),  # the same id again, with the tokens
        line(user("u2-0002", "2026-08-20T10:01:59.000Z")),
        line({**G2, "tokens": None}),
        line(G2),
        line({"$rewindTo": G2["id"]}),  # hidden from the chat, but the request was made
        line(user("u3-0003", "2026-08-20T10:04:59.000Z", "try again")),
        line(G3),
        line(G4),  # synthetic gemini message: tokens, no model
        line({"$set": {"messages": [user("u1-0001", "2026-08-20T10:00:01.000Z"), G1, G3],
                       "lastUpdated": "2026-08-20T10:06:01.000Z"}}),
        "this is not json {\"tokens\": 5}\n",
        line([1, 2, {"tokens": 3}]),
        '{"id":"g5-torn","timestamp":"2026-08-20T10:07:00.000Z","type":"gemini","tokens":{"input":9',
    ]


def legacy_document() -> dict[str, Any]:
    return {**meta(SESSION_L, "/p/beta", "2026-07-01T09:00:00.000Z", None),
            "lastUpdated": "2026-07-01T09:01:10.000Z",
            "messages": [user("lu-0001", "2026-07-01T09:00:00.500Z"), M1,
                         user("lu-0002", "2026-07-01T09:01:00.000Z"), M2]}


def migrated_lines() -> list[str]:
    doc = legacy_document()
    head = {k: v for k, v in doc.items() if k != "messages"}
    return [line(head), *(line(m) for m in doc["messages"]), line({"$set": {"sessionId": SESSION_L}}),
            line(user("lu-0003", "2026-07-02T07:59:59.000Z")), line({**M3, "tokens": None}), line(M3)]


def build(base: Path) -> dict[str, Path]:
    """Write the home under ``base`` (the ``$GEMINI_CLI_HOME``); returns the files by name."""
    g = base / ".gemini"
    tmp = g / "tmp"
    (tmp / "alpha" / "chats" / SESSION_A).mkdir(parents=True)
    g.joinpath("projects.json").write_text(
        json.dumps({"projects": {"/p/alpha": "alpha", "/p/beta": "beta"}}, indent=2))
    (tmp / "alpha" / ".project_root").write_text("/p/alpha")
    files = {
        "a": tmp / "alpha" / "chats" / "session-2026-08-20T10-00-3f2a9c1e.jsonl",
        "sub": tmp / "alpha" / "chats" / SESSION_A / f"{SESSION_SUB}.jsonl",
        "legacy": tmp / sha("/p/beta") / "chats" / "session-2026-07-01T09-00-7b1e0d2a.json",
        "migrated": tmp / sha("/p/beta") / "chats" / "session-2026-07-01T09-00-7b1e0d2a.jsonl",
        "gamma": tmp / sha("/p/gamma") / "chats" / "session-2026-08-21T12-00-9c0d1e2f.jsonl",
    }
    for p in files.values():
        p.parent.mkdir(parents=True, exist_ok=True)
    files["a"].write_text("".join(session_a_lines()))
    files["sub"].write_text(line(meta(SESSION_SUB, "/p/alpha", "2026-08-20T10:02:30.000Z", "subagent"))
                            + line(user("su-0001", "2026-08-20T10:02:31.000Z")) + line(S1))
    files["legacy"].write_text(json.dumps(legacy_document(), indent=2))
    files["migrated"].write_text("".join(migrated_lines()))
    files["gamma"].write_text(line(meta(SESSION_G, "/p/gamma", "2026-08-21T11:59:00.000Z")) + line(X1))
    # Not chat files: never read.
    (tmp / "alpha" / "logs.json").write_text(json.dumps([{"sessionId": SESSION_A, "message": "hi"}]))
    (tmp / "alpha" / "chats" / "checkpoint-mytag.json").write_text("[]")
    return files


#: (UTC day, model) -> buckets, by hand: input = prompt - cached + tool, cache read = cached,
#: output = output, reasoning = thoughts, one request per gemini message with tokens.
EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    # g1 (12034-8000) + g3 14000 + g4 100 (no model: the file's latest, pro)
    ("2026-08-20", PRO): {"input_tokens": 4034 + 14000 + 100, "cache_write_tokens": 0,
                          "cache_read_tokens": 8000, "output_tokens": 85 + 50,
                          "reasoning_tokens": 120 + 10 + 5, "requests": 3},
    # g2 (15000-12000+30 tool; rewound, still counted) + subagent s1 (5000-1000)
    ("2026-08-20", FLASH): {"input_tokens": 3030 + 4000, "cache_write_tokens": 0,
                            "cache_read_tokens": 12000 + 1000, "output_tokens": 200 + 300,
                            "reasoning_tokens": 50, "requests": 2},
    # legacy m1 + m2, in the .json and again in the migrated .jsonl: once
    ("2026-07-01", OLD): {"input_tokens": 1500 + 2000, "cache_write_tokens": 0,
                          "cache_read_tokens": 500 + 1000, "output_tokens": 250,
                          "reasoning_tokens": 20, "requests": 2},
    ("2026-07-02", PRO): {"input_tokens": 2000, "cache_write_tokens": 0, "cache_read_tokens": 2000,
                          "output_tokens": 60, "reasoning_tokens": 0, "requests": 1},
    ("2026-08-21", PRO): {"input_tokens": 10, "cache_write_tokens": 0, "cache_read_tokens": 0,
                          "output_tokens": 1, "reasoning_tokens": 0, "requests": 1},
}

#: event id -> (session, project)
EXPECTED_META: dict[str, tuple[str, str]] = {
    "g1-7f3c": (SESSION_A, "/p/alpha"), "g2-81aa": (SESSION_A, "/p/alpha"),
    "g3-93bb": (SESSION_A, "/p/alpha"), "g4-a4cc": (SESSION_A, "/p/alpha"),
    "s1-b5dd": (SESSION_SUB, "/p/alpha"), "m1-c6ee": (SESSION_L, "/p/beta"),
    "m2-d7ff": (SESSION_L, "/p/beta"), "m3-e800": (SESSION_L, "/p/beta"),
    "x1-f911": (SESSION_G, sha("/p/gamma")),
}


def after_agent(path: Path, session: str = SESSION_A, event: str = "AfterAgent") -> str:
    """The payload Gemini CLI gives an ``AfterAgent`` (or ``SessionEnd``) hook
    (``hooks/hookEventHandler.ts``: ``createBaseInput`` + the event's fields)."""
    payload: dict[str, Any] = {
        "session_id": session, "transcript_path": str(path), "cwd": "/p/alpha",
        "hook_event_name": event, "timestamp": "2026-08-20T10:06:02.000Z",
    }
    if event == "AfterAgent":
        payload.update(prompt="please fix the tokens bug", prompt_response="Done.",
                       stop_hook_active=False)
    else:
        payload["reason"] = "exit"
    return json.dumps(payload)
