"""GitHub Copilot's OpenTelemetry files (``copilot_corpus``: the real Copilot CLI's output,
and Copilot Chat's written by the real OTel SDK with its own exporters): the ledger
equals the hand-computed table per day and model; chat spans only (never the agent's
sum, the log records or the metrics where the spans are there); Copilot Chat's older
files (spans written as ``{}``) counted from their log records; a log record held back
until its spans tell; copies counted once; re-import changes nothing; the default
locations; no text kept; the standard library only.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from hooks import copilot
from ledger.events import Event
from tests.conftest import TOKENPRINT_HOOK, run
from tests.hooks import copilot_corpus as cc
from tests.hooks.helpers import BUCKETS, buckets, sources, text_columns


def key(ev: Event) -> tuple[object, ...]:
    return (ev.event_id, ev.model, ev.ts_ms, ev.provider, ev.session, ev.project, ev.input_tokens,
            ev.cache_write_tokens, ev.cache_read_tokens, ev.output_tokens, ev.reasoning_tokens, ev.requests,
            ev.cost_usd, ev.source)


def parse_all(data: bytes, now_ms: int | None = None) -> tuple[list[Event], dict[str, int], dict[str, object], int]:
    state: dict[str, object] = {}
    p = copilot.parse(data, True, state=state, now_ms=now_ms)
    return p.events, p.skips, state, p.consumed


# -- the parser on the real formats ---------------------------------------------------------


def test_the_real_copilot_cli_run_with_a_tool_call() -> None:
    events, skips, state, consumed = parse_all(cc.CLI_TOOLS.read_bytes())
    assert consumed == cc.CLI_TOOLS.stat().st_size and skips == {}
    session = "46469b63-e434-4b06-bfad-d9b0ddbf30d7"
    call = "call:e32eed92-2a12-474e-90a4-5196c0f28a85"  # the interaction, then the turn and the response id
    # two chat spans (1200 in, 512 cached, 57 out with 10 reasoning; 2200, 1024, 107, 20); the
    # invoke_agent span (3400, 164), the execute_tool span and the 16 metric lines add nothing
    assert [key(e) for e in events] == [
        (f"{call}:0:chatcmpl-tool1", "gpt-4.1", 1796150189585, "github", session, None, 688, 0, 512, 47, 10, 1,
         None, "otel"),
        (f"{call}:1:chatcmpl-tool2", "gpt-4.1", 1796150189841, "github", session, None, 1176, 0, 1024, 87, 20, 1,
         None, "otel"),
    ]
    assert state == {"ok": ["1.0.102"], "lost": []}


def test_the_real_copilot_cli_run_with_an_anthropic_provider() -> None:
    """Its input (9300) holds the cache reads (7000) and writes (2000): 300 fresh."""
    events, skips, _state, _ = parse_all(cc.CLI_ANTHROPIC.read_bytes())
    assert skips == {}
    assert [key(e)[1:] for e in events] == [
        ("claude-sonnet-4.5", 1796150099129, "anthropic", "b3d3c0e7-93f1-40f0-9bd0-b29bcbe14d34", None,
         300, 2000, 7000, 42, 0, 1, None, "otel")]


@pytest.mark.parametrize("order", ["sdk", "batched"])
def test_copilot_chat_spans_whole(order: str) -> None:
    """0.45.0: the chat spans are the requests; the inference-details and agent-turn log
    records, the agent span (which sums them, with the last response id) and the token
    histograms are not, whichever comes first."""
    data = cc.VSCODE_NEW.read_bytes() if order == "sdk" else cc.batched(cc.VSCODE_NEW)
    events, skips, state, consumed = parse_all(data)
    assert consumed == len(data) and skips == {}
    assert [key(e)[1:] for e in events] == [
        ("gpt-4o-2024-11-20", 1796032801000, "github", "vs-conv-1", None, 476, 0, 1024, 186, 64, 1, None, "otel"),
        ("claude-sonnet-4", 1796032805000, "github", "vs-conv-1", None, 500, 1500, 3000, 400, 0, 1, None, "otel"),
        ("gpt-4o-mini", 1796083199500, "github", "vs-conv-1", None, 300, 0, 0, 12, 0, 1, None, "otel"),
    ]
    assert all(e.event_id.count(":") == 1 and not e.event_id.startswith("log:") for e in events)
    assert state == {"ok": ["0.45.0"], "lost": [], "ver": "0.45.0"}


@pytest.mark.parametrize("order", ["sdk", "batched"])
def test_copilot_chat_spans_lost_count_from_the_log_records(order: str) -> None:
    """0.30.0 wrote every span as ``{}``: the inference-details records are the requests
    (input and output as given: no cache split), the agent-turn records are not."""
    data = cc.VSCODE_OLD.read_bytes() if order == "sdk" else cc.batched(cc.VSCODE_OLD)
    events, skips, state, consumed = parse_all(data)
    assert consumed == len(data) and skips == {}
    assert [key(e) for e in events] == [
        ("log:req-o1", "gpt-4.1-2025-04-14", 1795939204000, "github", None, None, 2000, 0, 0, 100, 0, 1, None, "otel"),
        ("log:req-o2", "gpt-4.1-2025-04-14", 1795939214000, "github", None, None, 2600, 0, 0, 80, 0, 1, None, "otel"),
    ]
    assert state == {"ok": [], "lost": ["0.30.0"], "ver": "0.30.0"}


def test_an_upgrade_in_the_same_file_counts_each_request_once() -> None:
    """Copilot Chat upgraded with the same outfile: the old version's records counted from
    its logs, the new one's from its spans, the new one's logs (after the old ``{}``) not."""
    data = cc.batched(cc.VSCODE_OLD) + cc.batched(cc.VSCODE_NEW)
    events, _, state, _ = parse_all(data)
    assert [e.event_id.split(":")[0] for e in events] == ["log", "log", "320ead8365a9cacf5f0af2111249e251",
                                                          "320ead8365a9cacf5f0af2111249e251",
                                                          "03e6b154fce56ed563827939a3dd4079"]
    assert state == {"ok": ["0.45.0"], "lost": ["0.30.0"], "ver": "0.45.0"}


def test_a_young_log_record_waits_for_its_spans() -> None:
    """A log record whose version's spans are not known yet is not consumed: its chat span
    (or the ``{}``) comes seconds later. Once older than HOLD_MS, at the end of the file,
    it is counted (a file that only ever got the log records)."""
    for path, want in ((cc.VSCODE_NEW, 3), (cc.VSCODE_OLD, 2)):
        data = cc.batched(path)
        logs = b"".join(ln for ln in data.splitlines(keepends=True) if ln.startswith(b'{"hrTime"'))
        first = json.loads(logs.splitlines()[0])["hrTime"][0] * 1000
        young = first + 5_000
        state: dict[str, object] = {}
        p = copilot.parse(logs, True, state=state, now_ms=young)
        assert (p.events, p.consumed, state) == ([], 0, {})  # held: nothing consumed, state as it was
        p = copilot.parse(data, True, state=state, now_ms=young)
        assert (len(p.events), p.consumed) == (want, len(data))
        # not at the end of the file: held whatever its age (the spans may be in the next chunk)
        assert copilot.parse(logs, False, state={}, now_ms=first + copilot.HOLD_MS * 10).consumed == 0
    old = first + copilot.HOLD_MS + 60_000
    state = {}
    p = copilot.parse(logs, True, state=state, now_ms=old)
    assert [e.event_id for e in p.events] == ["log:req-o1", "log:req-o2"] and p.consumed == len(logs)
    assert state == {"ok": [], "lost": [], "ver": "0.30.0"}


def test_the_corpus_file_every_trap_and_bad_line() -> None:
    data = cc.cli_main()
    events, skips, _state, consumed = parse_all(data)
    assert skips == cc.CLI_MAIN_SKIPS
    assert consumed == data.rfind(b"\n") + 1  # the line being written is left
    assert [key(e) for e in events] == [
        (f"call:{cc.I1}:0:chatcmpl-s1a", "gpt-4.1", 1796029201000, "github", cc.S1, None, 688, 0, 512, 47, 10, 1,
         None, "otel"),
        (f"call:{cc.I1}:1:chatcmpl-s1b", "gpt-4.1", 1796029204000, "github", cc.S1, None, 1176, 0, 1024, 87, 20, 1,
         None, "otel"),
        (f"call:{cc.I2}:0:msg_s2", "claude-sonnet-4.5", 1795901400000, "anthropic", cc.S2, None,
         300, 2000, 7000, 42, 0, 1, None, "otel"),
    ]


def test_the_cli_session_events_without_opentelemetry() -> None:
    """``~/.copilot/session-state/<id>/events.jsonl``: one ``session.usage_record`` per call
    (the same counts as its span), the session's folder as the project; the turn's
    interaction names the call; the shutdown summary and a resume add nothing of their own."""
    events, skips, state, consumed = parse_all(cc.s3_events())
    assert skips == {} and consumed == len(cc.s3_events())
    assert [key(e) for e in events] == [
        # the instants of the turns' starts (14:00:01, 16:00:01), not of the records (written at the answer)
        (f"call:{cc.I3}:0:msg_s3a", "claude-opus-4.5", 1795788001000, "github", cc.S3, "/home/u/gamma",
         1000, 4000, 15000, 600, 0, 1, None, "session-events"),
        (f"call:{cc.I4}:0:chatcmpl-s3b", "gpt-5-mini", 1795795201000, "github", cc.S3, "/home/u/gamma",
         3000, 0, 0, 200, 700, 1, None, "session-events"),
    ]
    assert state["sid"] == cc.S3 and state["turn"] == [cc.I4, "0", 1795795201000]
    # S1's events and its spans name the same two calls with the same counts: one event each
    spans = {e.event_id: key(e)[6:11] for e in parse_all(cc.jsonl(cc.s1_chats()))[0]}
    records = {e.event_id: key(e)[6:11] for e in parse_all(cc.s1_events())[0]}
    assert spans == records and len(spans) == 2
    assert "usage_record" not in json.dumps([key(e) for e in events]) + json.dumps(state)  # the prompt's words


def test_buckets_rules() -> None:
    def one(**attrs: object) -> tuple[int, ...]:
        ev = copilot.span_event({"type": "span", "traceId": "t", "spanId": "s", "name": "chat m",
                                 "startTime": [1796029201, 0], "attributes": {"gen_ai.operation.name": "chat", **attrs}},
                                {}, 2**62)
        assert ev is not None
        return (ev.input_tokens, ev.cache_write_tokens, ev.cache_read_tokens, ev.output_tokens, ev.reasoning_tokens)

    u = "gen_ai.usage."
    assert one(**{u + "input_tokens": 100, u + "output_tokens": 10}) == (100, 0, 0, 10, 0)
    # input holds both caches; output holds reasoning
    assert one(**{u + "input_tokens": 100, u + "cache_read.input_tokens": 60, u + "cache_write.input_tokens": 30,
                  u + "output_tokens": 10, u + "reasoning.output_tokens": 4}) == (10, 30, 60, 6, 4)
    # Copilot Chat's cache-creation name; its reasoning under both names (once)
    assert one(**{u + "input_tokens": 100, u + "cache_creation.input_tokens": 30, u + "output_tokens": 10,
                  u + "reasoning_tokens": 4, u + "reasoning.output_tokens": 4}) == (70, 30, 0, 6, 4)
    # an input smaller than its caches was counted apart from them (Anthropic's way)
    assert one(**{u + "input_tokens": 20, u + "cache_read.input_tokens": 60, u + "output_tokens": 1}) == \
        (20, 0, 60, 1, 0)
    # reasoning above output is capped at it; an integral float is a count
    assert one(**{u + "input_tokens": 5.0, u + "output_tokens": 3, u + "reasoning_tokens": 9}) == (5, 0, 0, 0, 3)
    skips: dict[str, int] = {}
    for bad in (-1, "7", True, 1.5, [1]):
        span = {"type": "span", "traceId": "t", "spanId": "s", "name": "chat m", "startTime": [1796029201, 0],
                "attributes": {"gen_ai.operation.name": "chat", u + "input_tokens": bad}}
        assert copilot.span_event(span, skips, 2**62) is None
    assert skips == {"bad-usage": 5}
    huge = {"type": "span", "traceId": "t", "spanId": "s", "name": "chat m", "startTime": [1796029201, 0],
            "attributes": {"gen_ai.operation.name": "chat", u + "input_tokens": 10**9 + 1}}
    assert copilot.span_event(huge, skips, 2**62) is None and skips["absurd-count"] == 1


def test_models_sessions_and_instants() -> None:
    base = {"type": "span", "traceId": "t", "spanId": "s", "startTime": [1796029201, 250_000_000]}
    usage = {"gen_ai.usage.input_tokens": 1}

    def ev(name: str, **attrs: object) -> Event:
        e = copilot.span_event({**base, "name": name, "attributes": {**usage, **attrs}}, {}, 2**62)
        assert e is not None
        return e

    assert ev("chat x", **{"gen_ai.operation.name": "chat", "gen_ai.request.model": "a",
                           "gen_ai.response.model": "b"}).model == "b"
    assert ev("chat x", **{"gen_ai.operation.name": "chat", "gen_ai.request.model": "a"}).model == "a"
    assert ev("chat gpt-5-mini").model == "gpt-5-mini"  # no operation name: a chat span by its name
    assert ev("chat", **{"gen_ai.operation.name": "chat"}).model == "unknown"
    assert ev("chat x", **{"copilot_chat.chat_session_id": "vs", "copilot_chat.session_id": "w"}).session == "vs"
    assert ev("chat x").ts_ms == 1796029201250
    # not requests: the agent's sum, tools, anything not named chat without an operation
    for name, op in (("invoke_agent", "invoke_agent"), ("execute_tool bash", "execute_tool"), ("embed", None)):
        attrs = {**usage, **({"gen_ai.operation.name": op} if op else {})}
        assert copilot.span_event({**base, "name": name, "attributes": attrs}, {}, 2**62) is None
    assert [copilot._hr_ms(v) for v in ([1, 2_000_000], 1796029201, 1796029201000, 1796029201000000,
                                        1796029201000000000, [1, -1], "1", None)] == \
        [1002, 1796029201000, 1796029201000, 1796029201000, 1796029201000, None, None, None]


def test_no_text_is_kept_from_a_span_that_carries_the_prompt() -> None:
    events, _, state, _ = parse_all(cc.cli_main())
    kept = json.dumps([key(e) for e in events]) + json.dumps(state)
    assert "PROMPT-TEXT" not in kept and len(kept) < 2000


# -- through the command and the ledger -------------------------------------------------------


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, home: Path) -> dict[str, Path]:
    user = Path(os.environ["HOME"])
    for var in (copilot.ENV_FILE, copilot.ENV_HOME, "VSCODE_PORTABLE"):
        monkeypatch.delenv(var, raising=False)
    return {**cc.build(user, Path(os.environ["XDG_CONFIG_HOME"])), "user": user}


def tp_import(*args: str) -> subprocess.CompletedProcess[str]:
    proc = run("import", "copilot", "--no-progress", *args)
    assert proc.returncode == 0, proc.stderr
    return proc


def expected() -> dict[tuple[str, str], dict[str, int]]:
    return {k: dict(zip(BUCKETS, v, strict=True)) for k, v in cc.EXPECTED.items()}


def test_import_equals_the_hand_computed_table(machine: dict[str, Path], home: Path) -> None:
    proc = tp_import()
    assert proc.stderr == ""
    # 3 + 0 (the rotated copy) + 2 + 1 (the real CLI runs) + 3 (Chat 0.45.0) + 2 (Chat 0.30.0)
    # + 0 (S1's session events: its spans' calls) + 2 (S3's)
    assert proc.stdout == ("copilot: 8 files (8 read, 0 unchanged), 13 new events, 0 updated, 6 lines skipped "
                           "(2 bad usage counts, 1 invalid JSON, 1 not a JSON object, 1 no id, 1 instant outside "
                           "the accepted window), 0.5 MB read\n")
    assert buckets(home / "ledger.db") == expected()
    src = sources(home / "ledger.db")
    assert src[str(machine["main"])]["reasons"] == cc.CLI_MAIN_SKIPS
    assert src[str(machine["main"])]["offset"] == cc.cli_main().rfind(b"\n") + 1
    assert {p: s["reasons"] for p, s in src.items() if p != str(machine["main"])} == \
        {str(machine[k]): {} for k in ("rotated", "tools", "anthropic", "vscode_new", "vscode_old", "s1_events",
                                       "s3_events")}
    conn = sqlite3.connect(home / "ledger.db")
    try:  # S1's calls: the instant of the turn's start (before the span's), the session's folder
        s1 = conn.execute("SELECT ts, project FROM events WHERE session = ? ORDER BY ts", (cc.S1,)).fetchall()
    finally:
        conn.close()
    assert s1 == [(1796029200900, "/home/u/alpha"), (1796029203990, "/home/u/alpha")]
    stored = " ".join(text_columns(home / "ledger.db"))
    assert "PROMPT-TEXT" not in stored
    report = json.loads(run("report", "daily", "--json", "--tz", "UTC").stdout)
    got = {(r["key"], r["model"]): tuple(r[b] for b in BUCKETS) for r in report["rows"] if r["client"] == "copilot"}
    assert got == cc.EXPECTED


def test_import_twice_changes_nothing(machine: dict[str, Path], home: Path) -> None:
    tp_import()
    before = buckets(home / "ledger.db")
    proc = tp_import()
    assert proc.stdout.startswith("copilot: 8 files (0 read, 8 unchanged), 0 new events, 0 updated")
    assert buckets(home / "ledger.db") == before
    # a file named on the command line, and a folder: already in the ledger
    again = tp_import(str(machine["rotated"]), str(machine["user"] / ".copilot"))
    assert ", 0 new events, 0 updated" in again.stdout
    assert buckets(home / "ledger.db") == before


def test_a_copied_file_and_an_appended_line_count_once(machine: dict[str, Path], home: Path, tmp_path: Path) -> None:
    tp_import()
    copy = tmp_path / "elsewhere.jsonl"
    copy.write_bytes(machine["tools"].read_bytes() + machine["vscode_new"].read_bytes())
    proc = tp_import(str(copy))
    assert ", 0 new events, 0 updated" in proc.stdout
    # the line being written is completed: one more request
    tail = cc.jsonl([cc.cli_span("chat gpt-4.1", cc.TRACE2, "abababababababab", None, "2026-11-28T21:35:00.000Z",
                                 "2026-11-28T21:35:01.000Z", cc.torn_attrs())])
    data = machine["main"].read_bytes()
    machine["main"].write_bytes(data[: data.rfind(b"\n") + 1] + tail)
    assert ", 1 new event, 0 updated" in tp_import().stdout
    assert buckets(home / "ledger.db")[("2026-11-28", "gpt-4.1")] == dict(zip(BUCKETS, (10, 0, 0, 3, 0, 1),
                                                                              strict=True))


def test_default_locations(machine: dict[str, Path], tmp_path: Path) -> None:
    user = machine["user"]
    env = {"HOME": str(user), "XDG_CONFIG_HOME": os.environ["XDG_CONFIG_HOME"], "PATH": ""}
    cop = user / ".copilot"
    assert copilot.default_roots(env) == [cop / "otel", cop / "session-state", machine["vscode_old"]]
    named = tmp_path / "cli.jsonl"
    named.write_text("")
    assert copilot.default_roots({**env, copilot.ENV_FILE: str(named)})[2] == named
    moved = tmp_path / "copilot-home"
    (moved / "otel").mkdir(parents=True)
    assert copilot.default_roots({**env, copilot.ENV_HOME: str(moved)}) == [moved / "otel", machine["vscode_old"]]
    files = copilot.transcripts(copilot.default_roots(env))
    everything = sorted(str(machine[k]) for k in ("main", "rotated", "tools", "anthropic", "vscode_new", "vscode_old",
                                                  "s1_events", "s3_events"))
    assert sorted(files) == everything  # not the session's own files/notes.jsonl
    assert sorted(copilot.transcripts([cop, machine["vscode_old"]])) == everything
    assert copilot.transcripts([cop / "session-state" / cc.S3]) == [str(machine["s3_events"])]
    assert copilot.default_vscode_outfile(env) == user / ".copilot" / "otel" / "vscode-copilot-chat.jsonl"
    assert [copilot.is_telemetry_file(n) for n in ("a.jsonl", "a.jsonl.3", "a.json", "a.jsonl.old", "jsonl")] == \
        [True, True, False, False, False]


def test_present(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.clients_env import isolate_clients

    user = isolate_clients(tmp_path, monkeypatch, path=True)
    for var in (copilot.ENV_FILE, copilot.ENV_HOME, "VSCODE_PORTABLE"):
        monkeypatch.delenv(var, raising=False)
    assert not copilot.present()
    settings = user / ".config" / "Code" / "User" / "settings.json"
    settings.parent.mkdir(parents=True)
    out = tmp_path / "chat.jsonl"
    settings.write_text(cc.vscode_settings(out))
    assert not copilot.present()  # the outfile is named but does not exist yet
    out.write_text("")
    assert copilot.present()
    out.unlink()
    (user / ".copilot").mkdir()
    assert copilot.present()
    (user / ".copilot").rmdir()
    program = tmp_path / "no-clients-bin" / "copilot"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    assert copilot.present()
    assert copilot.INSTALL == () and copilot.SCOPES == () and copilot.hook_paths({"x": 1}) == []


def test_hooks_status_and_the_hook_entry(machine: dict[str, Path], home: Path) -> None:
    proc = run("hooks", "status", "copilot")
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.splitlines()[0] == f"copilot: no hooks to install ({copilot.NO_HOOKS})"
    tp_import()
    proc = run("copilot", input="{}", exe=TOKENPRINT_HOOK)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def test_import_all_and_doctor_see_copilot(machine: dict[str, Path], home: Path) -> None:
    proc = run("import", "--all", "--no-progress")
    assert proc.returncode == 0, proc.stderr
    assert any(line.startswith("copilot: 8 files (8 read") for line in proc.stdout.splitlines()), proc.stdout
    assert buckets(home / "ledger.db") == expected()
    doc = run("doctor", "--json")
    checks = {c["check"]: c for c in json.loads(doc.stdout)["checks"]}
    mine = {k: v for k, v in checks.items() if ".copilot" in k}
    assert mine and "hooks.copilot.installed" not in mine
    assert all(c["status"] != "action" for c in mine.values()), mine


def test_the_adapter_imports_the_standard_library_only() -> None:
    code = ("import sys, hooks.copilot as c; from tests.hooks import copilot_corpus as cc; "
            "c.parse(cc.cli_main(), True, state={}); c.default_roots(); "
            "heavy = [m for m in ('sqlalchemy', 'sqlmodel', 'textual', 'mcp', 'msgspec', 'platformdirs', 'click', "
            "'yaml', 'pydantic') if m in sys.modules]; print(heavy)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


def test_the_bench_corpus_imports_to_its_expected_totals(tmp_path: Path, home: Path) -> None:
    """``bench/gen_copilot_corpus.py`` (every trap at realistic rates, batch order, prompt
    text in the spans): the ledger equals the totals it knows by construction, read in
    512-byte chunks too (log records and their spans across chunk ends)."""
    bench = Path(__file__).resolve().parents[2] / "bench"
    gen = subprocess.run([sys.executable, str(bench / "gen_copilot_corpus.py"), str(tmp_path / "c"), "--mb", "1.5",
                          "--seed", "3"], capture_output=True, text=True, check=True)
    assert gen.stdout == f"{tmp_path / 'c'}: 1.6 MB in 67 files, 68 (day, model) buckets\n"  # deterministic
    exp = json.loads((tmp_path / "c" / "expected.json").read_text())
    assert all(exp["trap_counts"].get(t, 0) > 0 for t in ("invoke_agent_sum", "chat_log_records", "lost_span"))
    tp_import(str(tmp_path / "c" / ".copilot"))
    want = {tuple(k.split("|")): v for k, v in exp["days"].items()}
    assert buckets(home / "ledger.db") == want
    from hooks.sync import FastBackend, Syncer
    from ledger import fastpath

    conn = fastpath.open_ledger(tmp_path / "chunked.db")
    try:
        backend = FastBackend(conn)
        syncer = Syncer(backend, "copilot", copilot.parse, chunk_bytes=512)
        for f in copilot.transcripts([tmp_path / "c" / ".copilot"]):
            syncer.sync(f, None)
        syncer.flush()
    finally:
        conn.close()
    assert buckets(tmp_path / "chunked.db") == want
