"""A Codex home with every counting trap of clients.md, and its expectation.

Lines are in the real rollout format (``codex-rs/protocol/src/protocol.rs``:
``RolloutLine {timestamp, type, payload}``, ``TokenCountEvent``, ``TokenUsage``).
The expected buckets are computed by hand from the totals written here (see the
comment beside each usage), not by the code under test.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

M1 = "gpt-5-codex"
M2 = "gpt-5.1-codex-max"
M3 = "o4-mini"  # named only by a last-only writer's info.model

TA = "0199a001-0000-7000-8000-00000000000a"  # the main session (alpha)
TB = "0199a001-0000-7000-8000-00000000000b"  # legacy totals (beta)
TC = "0199a001-0000-7000-8000-00000000000c"  # last_token_usage only (gamma)
TD = "0199a001-0000-7000-8000-00000000000d"  # fork of TA, replay re-stamped into one second
TE = "0199a001-0000-7000-8000-00000000000e"  # fork of TA, replay over several seconds
TF = "0199a001-0000-7000-8000-00000000000f"  # child-only subagent of TA
REVERT = "0199a001-0000-7000-8000-0000000000aa"

ALPHA, BETA, GAMMA, OTHER = "/p/alpha", "/p/beta", "/p/gamma", "/p/parent-copy"

B = ("input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens", "reasoning_tokens", "requests")


def row(fresh: int, cw: int, cr: int, out: int, reasoning: int, requests: int) -> dict[str, int]:
    return dict(zip(B, (fresh, cw, cr, out, reasoning, requests), strict=True))


# (UTC day, model) -> buckets, by hand (fresh = input - cached - cache_write,
# output = output - reasoning; each from the growth of the cumulative total).
EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    # B: legacy totals without total_tokens nor cache_write:
    #   400/100/-/60/20 -> fresh 300, cr 100, out 40, reas 20;
    #   then 900/300/-/100/20, +500/+200/+40/+0 -> fresh 300, cr 200, out 40; its repeat: nothing
    ("2026-09-16", M1): row(600, 0, 300, 80, 20, 2),
    # C: two last-only events of 120/20/10/30/5 -> each fresh 90, cw 10, cr 20, out 25, reas 5
    ("2026-09-16", M3): row(180, 20, 40, 50, 10, 2),
    # A T1: 1000/200/(no cw)/300/100 (total 1300) -> fresh 800, cr 200, out 200, reas 100
    # (its repeat and its token_usage_record: nothing)
    ("2026-09-17", M1): row(800, 0, 200, 200, 100, 1),
    # A T2 (model switched to M2): 3000/1200/100/700/300 (3700) minus T1 = 2000/1000/100/400/200
    #   -> fresh 900, cw 100, cr 1000, out 200, reas 200;
    # G (reverted copy of A through T2, then 3500/1300/100/800/300 (4300)): +500/+100/0/+100/0
    #   -> fresh 400, cr 100, out 100
    ("2026-09-17", M2): row(1300, 100, 1100, 300, 200, 2),
    # A after a counter restart: T3 500/0/0/50/0 (550) from zero -> fresh 500, out 50;
    #   T4 800/100/0/90/10 (890) minus T3 = 300/100/0/40/10 -> fresh 200, cr 100, out 30, reas 10
    ("2026-09-18", M2): row(700, 0, 100, 80, 10, 2),
    # D: the replayed T1 and T2 (re-stamped into the child's creation second) are the
    #   baseline; the child's same-second turn 4500/2000/100/900/400 (5400) minus T2
    #   = 1500/800/0/200/100 -> fresh 700, cr 800, out 100, reas 100;
    # F: child-only, its first turn 2000/500/0/100/40 (2100) -> fresh 1500, cr 500, out 60, reas 40
    ("2026-09-19", M1): row(2200, 0, 1300, 160, 140, 2),
    # E: a replay over several seconds after the child's creation; the child's turn
    #   3100/1200/100/710/300 (3810) minus T2 = 100/0/0/10/0 -> fresh 100, out 10
    ("2026-09-19", M2): row(100, 0, 0, 10, 0, 1),
}

#: Skipped lines of one import of the whole home: the torn line of A and of its archived copy.
EXPECTED_SKIPS = {"invalid-json": 2}


def ms(iso: str) -> int:
    return round(datetime.fromisoformat(iso).replace(tzinfo=UTC).timestamp() * 1000)


def secs(iso: str) -> int:
    return ms(iso) // 1000


def uuid7(iso: str, tail: int = 1) -> str:
    """A UUIDv7 whose first 48 bits are the milliseconds of ``iso``."""
    h = f"{ms(iso):012x}"
    return f"{h[:8]}-{h[8:12]}-7000-8000-{tail:012x}"


def line(ts: str, kind: str, payload: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"timestamp": ts + "Z" if not ts.endswith("Z") else ts, **extra, "type": kind, "payload": payload}


def meta(ts: str, thread: str, cwd: str, **extra: Any) -> dict[str, Any]:
    payload = {
        "id": thread,
        "timestamp": ts + "Z",
        "cwd": cwd,
        "originator": "codex_cli_rs",
        "cli_version": "0.171.0",
        "source": "cli",
        "instructions": "You are Codex. (prompt text: never stored)",
        **extra,
    }
    return line(ts, "session_meta", payload)


def turn_context(ts: str, model: str, **extra: Any) -> dict[str, Any]:
    return line(ts, "turn_context", {"cwd": ALPHA, "approval_policy": "on-request", "model": model,
                                     "effort": "medium", "summary": "auto", **extra})


def task_started(ts: str, started_at: int | None = None, turn_id: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"type": "task_started", "model_context_window": 272000}
    if started_at is not None:
        payload["started_at"] = started_at
    if turn_id is not None:
        payload["turn_id"] = turn_id
    return line(ts, "event_msg", payload)


def usage(inp: int, cached: int, cw: int | None, out: int, reas: int, total: bool = True) -> dict[str, int]:
    u = {"input_tokens": inp, "cached_input_tokens": cached}
    if cw is not None:
        u["cache_write_input_tokens"] = cw
    u.update({"output_tokens": out, "reasoning_output_tokens": reas})
    if total:
        u["total_tokens"] = inp + out
    return u


def token_count(ts: str, total: dict[str, int] | None, last: dict[str, int] | None = None,
                **info_extra: Any) -> dict[str, Any]:
    info: dict[str, Any] | None = None
    if total is not None or last is not None:
        info = {}
        if total is not None:
            info["total_token_usage"] = total
        if last is not None:
            info["last_token_usage"] = last
        info["model_context_window"] = 272000
        info.update(info_extra)
    return line(ts, "event_msg", {"type": "token_count", "info": info,
                                  "rate_limits": {"primary": {"used_percent": 12.0}}})


def message(ts: str, text: str) -> dict[str, Any]:
    return line(ts, "response_item", {"type": "message", "role": "assistant",
                                      "content": [{"type": "output_text", "text": text}]})


T1 = usage(1000, 200, None, 300, 100)
T2 = usage(3000, 1200, 100, 700, 300)


def rollout_a_head() -> list[Any]:
    """A up to T2 (shared with its reverted copy G)."""
    return [
        meta("2026-09-17T08:00:00.000", TA, ALPHA),
        turn_context("2026-09-17T08:00:00.500", M1),
        task_started("2026-09-17T08:00:01.000", secs("2026-09-17T08:00:01"), uuid7("2026-09-17T08:00:01")),
        message("2026-09-17T08:00:05.000", "a long answer " * 200),
        token_count("2026-09-17T08:00:09.000", None),  # info null: rate limits only
        token_count("2026-09-17T08:00:10.000", T1, usage(1000, 200, None, 300, 100)),
        token_count("2026-09-17T08:00:11.000", T1, usage(1000, 200, None, 300, 100)),  # written twice
        line("2026-09-17T08:00:11.500", "token_usage_record", {
            "thread_id": TA, "turn_id": "t1", "response_id": "resp_1",
            "usage": usage(1000, 200, None, 300, 100), "turn_token_usage": usage(1000, 200, None, 300, 100),
            "thread_token_usage": T1}),
        turn_context("2026-09-17T08:04:00.000", M2),
        task_started("2026-09-17T08:04:00.100", secs("2026-09-17T08:04:00")),
        token_count("2026-09-17T08:05:00.000", T2, usage(2000, 1000, 100, 400, 200)),
    ]


TORN = b'{"timestamp":"2026-09-17T08:06:00Z","type":"event_msg","payload":{"type":"token_count","info":{"total_tok\n'


def rollout_a_tail() -> list[Any]:
    return [
        # the counter restarted (a total that goes down), the next day
        task_started("2026-09-18T01:00:00.000", secs("2026-09-18T01:00:00")),
        token_count("2026-09-18T01:00:30.000", usage(500, 0, 0, 50, 0), usage(500, 0, 0, 50, 0)),
        token_count("2026-09-18T01:01:00.000", usage(800, 100, 0, 90, 10), usage(300, 100, 0, 40, 10)),
    ]


def jsonl(records: list[Any]) -> bytes:
    """One compact JSON object per line, as Codex writes them (serde_json)."""
    out = []
    for r in records:
        out.append(r if isinstance(r, bytes) else (json.dumps(r, separators=(",", ":")) + "\n").encode())
    return b"".join(out)


def rollout_a() -> bytes:
    return jsonl(rollout_a_head()) + TORN + jsonl(rollout_a_tail())


def rollout_b() -> bytes:
    legacy1 = usage(400, 100, None, 60, 20, total=False)
    legacy2 = usage(900, 300, None, 100, 20, total=False)
    return jsonl([
        meta("2026-09-16T10:00:00.000", TB, BETA, cli_version="0.30.0"),
        turn_context("2026-09-16T10:00:00.100", M1),
        token_count("2026-09-16T10:00:10.000", legacy1),
        token_count("2026-09-16T10:01:00.000", legacy2),
        token_count("2026-09-16T10:01:01.000", legacy2),
    ])


def rollout_c() -> bytes:
    last = usage(120, 20, 10, 30, 5)
    return jsonl([
        meta("2026-09-16T12:00:00.000", TC, GAMMA),
        token_count("2026-09-16T12:00:10.000", None, last, model=M3) | {"ordinal": 3},
        token_count("2026-09-16T12:01:10.000", None, last, model=M3) | {"ordinal": 7},
    ])


def rollout_d() -> bytes:
    """A fork of A whose replayed prefix is re-stamped into the child's creation second."""
    born = "2026-09-19T09:00:00.000"
    return jsonl([
        meta(born, TD, ALPHA, forked_from_id=TA),
        meta("2026-09-19T09:00:00.100", TA, OTHER),  # the parent's, copied in
        turn_context("2026-09-19T09:00:00.200", M1),
        task_started("2026-09-19T09:00:00.300", secs("2026-09-17T08:00:01")),
        token_count("2026-09-19T09:00:00.400", T1, usage(1000, 200, None, 300, 100)),
        turn_context("2026-09-19T09:00:00.500", M2),
        task_started("2026-09-19T09:00:00.550", secs("2026-09-17T08:04:00")),
        token_count("2026-09-19T09:00:00.600", T2, usage(2000, 1000, 100, 400, 200)),
        # the child's own turn, in the same second as its creation
        task_started("2026-09-19T09:00:00.900", secs("2026-09-19T09:00:00")),
        turn_context("2026-09-19T09:00:00.910", M1),
        token_count("2026-09-19T09:00:00.950", usage(4500, 2000, 100, 900, 400), usage(1500, 800, 0, 200, 100)),
    ])


def rollout_e() -> bytes:
    """A fork of A whose replay spans several seconds after the child's creation
    (turn ids as UUIDv7, no started_at)."""
    return jsonl([
        meta("2026-09-19T10:00:00.000", TE, ALPHA, forked_from_id=TA, history_mode="legacy"),
        meta("2026-09-19T10:00:00.500", TA, OTHER),
        task_started("2026-09-19T10:00:00.600", turn_id=uuid7("2026-09-17T08:00:01")),
        turn_context("2026-09-19T10:00:00.700", M1, turn_id=uuid7("2026-09-17T08:00:01")),
        token_count("2026-09-19T10:00:01.200", T1, usage(1000, 200, None, 300, 100)),
        task_started("2026-09-19T10:00:02.000", turn_id=uuid7("2026-09-17T08:04:00")),
        turn_context("2026-09-19T10:00:02.100", M2, turn_id=uuid7("2026-09-17T08:04:00")),
        token_count("2026-09-19T10:00:03.000", T2, usage(2000, 1000, 100, 400, 200)),
        task_started("2026-09-19T10:00:04.000", turn_id=uuid7("2026-09-19T10:00:04", 2)),
        turn_context("2026-09-19T10:00:04.100", M2, turn_id=uuid7("2026-09-19T10:00:04", 2)),
        token_count("2026-09-19T10:00:06.000", usage(3100, 1200, 100, 710, 300), usage(100, 0, 0, 10, 0)),
    ])


def rollout_f() -> bytes:
    """A child-only subagent: the parent's session_meta inserted, no parent usage."""
    spawn = {"subagent": {"thread_spawn": {"parent_thread_id": TA, "depth": 1}}}
    return jsonl([
        meta("2026-09-19T11:00:00.000", TF, ALPHA, source=spawn, parent_thread_id=TA, session_id=TA,
             thread_source="subagent"),
        meta("2026-09-19T11:00:00.050", TA, OTHER),
        turn_context("2026-09-19T11:00:00.100", M1),
        task_started("2026-09-19T11:00:00.200", secs("2026-09-19T11:00:00")),
        token_count("2026-09-19T11:00:02.000", usage(2000, 500, 0, 100, 40), usage(2000, 500, 0, 100, 40)),
    ])


def rollout_g() -> bytes:
    """The reverted copy of A: its history through T2, then a new turn."""
    return jsonl(rollout_a_head()) + jsonl([
        task_started("2026-09-17T09:00:00.000", secs("2026-09-17T09:00:00")),
        token_count("2026-09-17T09:00:10.000", usage(3500, 1300, 100, 800, 300), usage(500, 100, 0, 100, 0)),
    ])


def name(ts: str, thread: str, suffix: str = "") -> str:
    return f"rollout-{ts}-{thread}{suffix}.jsonl"


def zstd(data: bytes) -> bytes:
    import zstandard

    return zstandard.ZstdCompressor().compress(data)


def build(root: Path, *, compressed: bool = True) -> dict[str, Path]:
    """Write the Codex home under ``root`` (``root`` is ``$CODEX_HOME``); returns the files."""
    s = root / "sessions" / "2026" / "09"
    files = {
        "a": s / "17" / name("2026-09-17T08-00-00", TA),
        "g": s / "17" / name("2026-09-17T08-00-00", TA, f"_{REVERT}"),
        "b": s / "16" / name("2026-09-16T10-00-00", TB),
        "c": s / "16" / name("2026-09-16T12-00-00", TC),
        "d": s / "19" / name("2026-09-19T09-00-00", TD),
        "e": s / "19" / name("2026-09-19T10-00-00", TE),
        "f": s / "19" / name("2026-09-19T11-00-00", TF),
        "a_archived": root / "archived_sessions" / name("2026-09-17T08-00-00", TA),
    }
    content = {"a": rollout_a(), "g": rollout_g(), "b": rollout_b(), "c": rollout_c(),
               "d": rollout_d(), "e": rollout_e(), "f": rollout_f(), "a_archived": rollout_a()}
    for key, path in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content[key])
    if compressed:
        # B again, compressed, in archived_sessions (the same rollout: counted once),
        # and A's compressed sibling beside it (the plain file is the one in use: not read)
        files["b_zst"] = root / "archived_sessions" / (files["b"].name + ".zst")
        files["b_zst"].write_bytes(zstd(rollout_b()))
        files["a_zst"] = files["a"].with_name(files["a"].name + ".zst")
        files["a_zst"].write_bytes(zstd(rollout_a()))
    return files


def stop_payload(transcript: Path | None, session: str = TA, event: str = "Stop") -> dict[str, Any]:
    """A Stop hook input as Codex sends it (``codex-rs/hooks/src/events/stop.rs``)."""
    return {
        "session_id": session,
        "turn_id": "turn-1",
        "transcript_path": str(transcript) if transcript is not None else None,
        "cwd": ALPHA,
        "model": M2,
        "permission_mode": "default",
        "stop_hook_active": False,
        "last_assistant_message": "Done.",
        "hook_event_name": event,
    }


def notify_payload(thread: str) -> dict[str, Any]:
    """The legacy notify JSON (``codex-rs/hooks/src/legacy_notify.rs``)."""
    return {
        "type": "agent-turn-complete",
        "thread-id": thread,
        "turn-id": "12345",
        "cwd": ALPHA,
        "client": "codex-tui",
        "input-messages": ["Rename `foo` to `bar`."],
        "last-assistant-message": "Rename complete.",
    }


def as_legacy_subagent(data: bytes, parent: str = TA) -> bytes:
    """The same rollout written as a subagent with ``history_mode`` legacy (its first
    ``session_meta`` says so): the shape in which ccusage 20.0.24 looks for a replay by
    the second of the first ``token_count`` lines."""
    first, rest = data.split(b"\n", 1)
    rec = json.loads(first)
    rec["payload"]["source"] = {"subagent": {"thread_spawn": {"parent_thread_id": parent, "depth": 1}}}
    rec["payload"]["history_mode"] = "legacy"
    return json.dumps(rec, separators=(",", ":")).encode() + b"\n" + rest
