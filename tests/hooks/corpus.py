"""A Claude Code config dir with every counting trap of clients.md, and its expectation.

The expected buckets below are computed by hand from the lines written here (see
the comment beside each message), not by the code under test.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SONNET = "claude-sonnet-4-20250514"
OPUS = "claude-opus-4-1-20250805"
HAIKU = "claude-3-5-haiku-20241022"

# (UTC day, model) -> buckets. Hand-computed from the messages below.
EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    # A1 (10/1000/0, out 120 = largest of 5, 40, 120) + A2 (12/0/1010, out 300 of which
    # thinking 200) + A3 (2/0/1100, out 80, first line 23:59:59.5 on the 28th)
    # + A5 (100/0/0, out 10)
    ("2025-09-28", SONNET): {
        "input_tokens": 124,
        "cache_write_tokens": 1000,
        "cache_read_tokens": 2110,
        "output_tokens": 310,
        "reasoning_tokens": 200,
        "requests": 4,
    },
    # S1 in the subagent file (8/500/0, out 60 = largest of 10, 60); its progress copy ignored
    ("2025-09-28", HAIKU): {
        "input_tokens": 8,
        "cache_write_tokens": 500,
        "cache_read_tokens": 0,
        "output_tokens": 60,
        "reasoning_tokens": 0,
        "requests": 1,
    },
    # requestId-only line (1/0/0, out 2) + uuid-only line (1/0/0, out 3)
    # + A7, written with spaces after colons (4/0/0, out 6)
    ("2025-09-29", SONNET): {
        "input_tokens": 6,
        "cache_write_tokens": 0,
        "cache_read_tokens": 0,
        "output_tokens": 11,
        "reasoning_tokens": 0,
        "requests": 3,
    },
    # A4 (20/0/5000, out 70, lone surrogate in its text) + B1 (30/200/1000, out 400,
    # replayed in a forked session)
    ("2025-09-29", OPUS): {
        "input_tokens": 50,
        "cache_write_tokens": 200,
        "cache_read_tokens": 6000,
        "output_tokens": 470,
        "reasoning_tokens": 0,
        "requests": 2,
    },
    # A6: the last line of session A, complete JSON without its newline (5/0/0, out 5)
    ("2025-09-29", HAIKU): {
        "input_tokens": 5,
        "cache_write_tokens": 0,
        "cache_read_tokens": 0,
        "output_tokens": 5,
        "reasoning_tokens": 0,
        "requests": 1,
    },
}

#: Lines skipped or ignored, by reason (the half-written line of B is left, not skipped).
EXPECTED_SKIPS = {"invalid-json": 1, "synthetic": 1, "api-error": 1, "progress-copy": 1}

#: What B's unterminated half line becomes once completed: (day, model) and buckets.
B2_COMPLETED = ("2025-09-29", OPUS, {"input_tokens": 3, "output_tokens": 33})

SESSION_A = "aaaaaaaa-0000-4000-8000-000000000001"
SESSION_B = "bbbbbbbb-0000-4000-8000-000000000002"
SESSION_C = "cccccccc-0000-4000-8000-000000000003"


def usage(inp: int, cw: int, cr: int, out: int, **extra: Any) -> dict[str, Any]:
    u: dict[str, Any] = {
        "input_tokens": inp,
        "cache_creation_input_tokens": cw,
        "cache_read_input_tokens": cr,
        "cache_creation": {"ephemeral_5m_input_tokens": cw, "ephemeral_1h_input_tokens": 0},
        "output_tokens": out,
        "service_tier": "standard",
    }
    u.update(extra)
    return u


def assistant(
    session: str,
    cwd: str,
    ts: str,
    model: str,
    u: dict[str, Any] | None,
    *,
    msg_id: str | None,
    request_id: str | None = None,
    uuid: str = "",
    content: list[Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content or [{"type": "text", "text": "ok"}],
        "stop_reason": None,
        "stop_sequence": None,
    }
    if msg_id is not None:
        message["id"] = msg_id
    if u is not None:
        message["usage"] = u
    rec: dict[str, Any] = {
        "parentUuid": None,
        "isSidechain": False,
        "userType": "external",
        "cwd": cwd,
        "sessionId": session,
        "version": "1.0.128",
        "gitBranch": "main",
        "message": message,
        "type": "assistant",
        "uuid": uuid or f"uuid-{msg_id}-{ts}",
        "timestamp": ts,
    }
    if request_id is not None:
        rec["requestId"] = request_id
    rec.update(extra)
    return rec


def user(session: str, cwd: str, ts: str, content: Any, **extra: Any) -> dict[str, Any]:
    rec = {
        "parentUuid": None,
        "isSidechain": False,
        "userType": "external",
        "cwd": cwd,
        "sessionId": session,
        "version": "1.0.128",
        "type": "user",
        "message": {"role": "user", "content": content},
        "uuid": f"user-{ts}",
        "timestamp": ts,
    }
    rec.update(extra)
    return rec


def cut_line(line: str) -> str:
    return line[: line.index('"output_tokens"')]


def compact(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def spaced(obj: Any) -> str:
    return json.dumps(obj)  # ", " and ": ", ASCII escapes


def build(config: Path) -> dict[str, Path]:
    """Write the corpus under ``config`` (a Claude Code config dir); return its files."""
    alpha = config / "projects" / "-p-alpha"
    beta = config / "projects" / "-p-beta"
    sub = alpha / SESSION_A / "subagents"
    for d in (alpha, beta, sub):
        d.mkdir(parents=True, exist_ok=True)
    A, B, C = SESSION_A, SESSION_B, SESSION_C
    cwd_a, cwd_b = "/p/alpha", "/p/beta"

    a1_final = usage(10, 1000, 0, 120)
    s1_final = usage(8, 500, 0, 60)
    b1_final = usage(30, 200, 1000, 400)
    lines_a: list[str] = [
        compact({"type": "summary", "summary": "Secret title from the prompt", "leafUuid": "x"}),
        compact(user(A, cwd_a, "2025-09-28T10:00:00.000Z", "please help")),
        # A1: one response streamed as thinking, text and tool_use lines; output grows
        compact(assistant(A, cwd_a, "2025-09-28T10:00:01.000Z", SONNET, usage(10, 1000, 0, 5),
                          msg_id="msg_A1", request_id="req_A1",
                          content=[{"type": "thinking", "thinking": "hmm"}])),
        spaced(assistant(A, cwd_a, "2025-09-28T10:00:02.000Z", SONNET, usage(10, 1000, 0, 40),
                         msg_id="msg_A1", request_id="req_A1")),
        compact(assistant(A, cwd_a, "2025-09-28T10:00:03.000Z", SONNET, a1_final,
                          msg_id="msg_A1", request_id="req_A1",
                          content=[{"type": "tool_use", "id": "t1", "name": "Task", "input": {}}])),
        # a tool result holding usage-looking text and a real usage object (Task totals)
        compact(user(A, cwd_a, "2025-09-28T10:00:04.000Z",
                     [{"type": "tool_result", "tool_use_id": "t1",
                       "content": 'log: {"usage":{"input_tokens":99999,"output_tokens":99999}}'}],
                     toolUseResult={"status": "completed", "totalTokens": 568,
                                    "usage": usage(8, 500, 0, 60)})),
        # the parent's progress line embedding a copy of the subagent's record (S1)
        compact({"type": "progress", "sessionId": A, "cwd": cwd_a,
                 "timestamp": "2025-09-28T10:00:05.000Z", "uuid": "prog-1",
                 "data": {"type": "agent_progress", "message": {
                     "type": "assistant", "timestamp": "2025-09-28T10:00:05.000Z",
                     "message": {"id": "msg_S1", "model": HAIKU, "role": "assistant",
                                 "content": [], "usage": s1_final}}}}),
        # A2: thinking stated in output_tokens_details on its last line
        compact(assistant(A, cwd_a, "2025-09-28T10:05:00.000Z", SONNET, usage(12, 0, 1010, 150),
                          msg_id="msg_A2", request_id="req_A2")),
        compact(assistant(A, cwd_a, "2025-09-28T10:05:09.000Z", SONNET,
                          usage(12, 0, 1010, 300, output_tokens_details={"thinking_tokens": 200}),
                          msg_id="msg_A2", request_id="req_A2")),
        # synthetic and API-error lines: skipped
        compact(assistant(A, cwd_a, "2025-09-28T10:06:00.000Z", "<synthetic>", usage(7, 0, 0, 7),
                          msg_id="msg_syn")),
        compact(assistant(A, cwd_a, "2025-09-28T10:06:01.000Z", SONNET, usage(3, 0, 0, 3),
                          msg_id="msg_err", isApiErrorMessage=True)),
        # a line cut mid-write (inside its usage) and followed by others: skipped, counted
        cut_line(compact(assistant(A, cwd_a, "2025-09-28T10:07:00.000Z", SONNET,
                                   usage(9, 9, 9, 9), msg_id="msg_cut"))),
        # a broken line that could not carry usage: passed over like any line without usage
        compact(user(A, cwd_a, "2025-09-28T10:07:01.000Z", "half a prompt"))[:60],
        # A5: an older line carrying costUSD
        compact(assistant(A, cwd_a, "2025-09-28T11:00:00.000Z", SONNET, usage(100, 0, 0, 10),
                          msg_id="msg_A5", costUSD=0.01)),
        # the sidechain replaying its parent's message A1
        compact(assistant(A, cwd_a, "2025-09-28T12:00:00.000Z", SONNET, a1_final,
                          msg_id="msg_A1", request_id="req_A1", isSidechain=True)),
        # A3: starts one half second before midnight UTC, ends after it
        compact(assistant(A, cwd_a, "2025-09-28T23:59:59.500Z", SONNET, usage(2, 0, 1100, 10),
                          msg_id="msg_A3", request_id="req_A3")),
        compact(assistant(A, cwd_a, "2025-09-29T00:00:02.000Z", SONNET, usage(2, 0, 1100, 80),
                          msg_id="msg_A3", request_id="req_A3")),
        # A4: a lone surrogate (text cut mid-emoji), ASCII-escaped as Claude Code writes it
        compact(assistant(A, cwd_a, "2025-09-29T09:00:00.000Z", OPUS, usage(20, 0, 5000, 70),
                          msg_id="msg_A4", request_id="req_A4",
                          content=[{"type": "text", "text": "cut \ud83d"}])).replace(
            "cut \ud83d", "cut \\ud83d"),
        # ids missing: fall back to requestId, then uuid
        compact(assistant(A, cwd_a, "2025-09-29T09:10:00.000Z", SONNET, usage(1, 0, 0, 2),
                          msg_id=None, request_id="req_only")),
        compact(assistant(A, cwd_a, "2025-09-29T09:11:00.000Z", SONNET, usage(1, 0, 0, 3),
                          msg_id=None, uuid="uuid-only")),
        # A7: a response whose only line has spaces after the colons
        spaced(assistant(A, cwd_a, "2025-09-29T09:12:00.000Z", SONNET, usage(4, 0, 0, 6),
                         msg_id="msg_A7", request_id="req_A7")),
        "",
    ]
    # A6: the last line is complete JSON but its newline is not written yet
    last_a = compact(assistant(A, cwd_a, "2025-09-29T09:20:00.000Z", HAIKU, usage(5, 0, 0, 5),
                               msg_id="msg_A6", request_id="req_A6"))
    text_a = "\n".join(lines_a) + "\n" + last_a

    lines_s = [
        compact(assistant(A, cwd_a, "2025-09-28T10:00:05.000Z", HAIKU, usage(8, 500, 0, 10),
                          msg_id="msg_S1", request_id="req_S1", isSidechain=True, agentId="ag1")),
        compact(assistant(A, cwd_a, "2025-09-28T10:00:06.000Z", HAIKU, s1_final,
                          msg_id="msg_S1", request_id="req_S1", isSidechain=True, agentId="ag1")),
    ]
    text_s = "\n".join(lines_s) + "\n"

    # B resumes A: replays A1 (with a later timestamp), then its own B1
    lines_b = [
        compact(assistant(B, cwd_a, "2025-09-29T08:00:00.000Z", SONNET, a1_final,
                          msg_id="msg_A1", request_id="req_A1")),
        compact(user(B, cwd_a, "2025-09-29T10:00:00.000Z", "continue")),
        compact(assistant(B, cwd_a, "2025-09-29T10:00:01.000Z", OPUS, usage(30, 200, 1000, 150),
                          msg_id="msg_B1", request_id="req_B1")),
        compact(assistant(B, cwd_a, "2025-09-29T10:00:04.000Z", OPUS, b1_final,
                          msg_id="msg_B1", request_id="req_B1")),
    ]
    # B2 is being written: its last line is cut (left for the next read)
    b2 = compact(assistant(B, cwd_a, "2025-09-29T10:30:00.000Z", OPUS, usage(3, 0, 0, 33),
                           msg_id="msg_B2", request_id="req_B2"))
    text_b = "\n".join(lines_b) + "\n" + b2[:120]

    # C forks B in another project: replays B1
    lines_c = [
        compact(assistant(C, cwd_b, "2025-09-29T11:00:00.000Z", OPUS, b1_final,
                          msg_id="msg_B1", request_id="req_B1")),
    ]
    text_c = "\n".join(lines_c) + "\n"

    files = {
        "a": alpha / f"{SESSION_A}.jsonl",
        "s": sub / "agent-ag1.jsonl",
        "b": alpha / f"{SESSION_B}.jsonl",
        "c": beta / f"{SESSION_C}.jsonl",
    }
    for key, text in (("a", text_a), ("s", text_s), ("b", text_b), ("c", text_c)):
        files[key].write_text(text, encoding="utf-8")
    files_b2_rest = b2[120:] + "\n"
    (config / ".b2-rest").write_text(files_b2_rest, encoding="utf-8")
    return files


def complete_b2(config: Path, files: dict[str, Path]) -> None:
    """Finish writing B's last line (as Claude Code would, a moment later)."""
    rest = (config / ".b2-rest").read_text(encoding="utf-8")
    with open(files["b"], "a", encoding="utf-8") as f:
        f.write(rest)
