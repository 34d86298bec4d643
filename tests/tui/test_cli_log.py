"""``tokenprint log`` as a user runs it: real subprocesses on a real SQLite file."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TOKENPRINT, run, run_json

BATCH = [
    {"client": "codex", "model": "gpt-5-codex", "timestamp": "2026-11-02T09:00:00Z",
     "input_tokens": 1200, "cache_read_tokens": 30000, "output_tokens": 400, "reasoning_tokens": 250,
     "session": "s1", "project": "/home/u/app", "id": "turn-1"},
    {"client": "codex", "model": "gpt-5-codex", "timestamp": "2026-11-02T09:01:00Z",
     "input_tokens": 300, "output_tokens": 80, "id": "turn-2", "requests": 2},
    {"client": "manual", "model": "gpt-4o", "timestamp": "2026-11-03T12:00:00+01:00",
     "input_tokens": 50, "output_tokens": 20},
]


def count_rows(home: Path) -> int:
    return sqlite3.connect(home / "ledger.db").execute("SELECT COUNT(*) FROM events").fetchone()[0]


def test_a_valid_batch_is_recorded_and_again_changes_nothing(home: Path) -> None:
    p = run("log", "--json", "-", input=json.dumps(BATCH))
    assert p.returncode == 0, p.stderr
    assert "3 new" in p.stdout
    before = run_json("report", "daily", "--json", "--tz", "UTC")
    p2 = run("log", "--json", "-", input=json.dumps(BATCH))
    assert p2.returncode == 0 and "0 new, 0 updated, 3 unchanged" in p2.stdout
    assert count_rows(home) == 3
    after = run_json("report", "daily", "--json", "--tz", "UTC")
    assert before == after
    t = after["totals"]
    assert (t["input_tokens"], t["cache_read_tokens"], t["output_tokens"], t["reasoning_tokens"], t["requests"]) == (
        1550, 30000, 500, 250, 4)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"model": "gpt-5", "input_tokens": -5}, "item 1: input_tokens must be a non-negative integer"),
        ({"input_tokens": 5}, "item 1: model is missing"),
        ({"model": "gpt-5", "timestamp": "not-a-time"}, "item 1: timestamp 'not-a-time' is not RFC 3339"),
    ],
)
def test_one_bad_item_rejects_the_batch(home: Path, bad: dict, message: str) -> None:
    batch = [BATCH[0], bad, BATCH[1]]
    p = run("log", "--json", "-", input=json.dumps(batch))
    assert p.returncode == 2
    assert message in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
    assert not (home / "ledger.db").exists() or count_rows(home) == 0


def test_flags_and_a_single_object(home: Path) -> None:
    p = run("log", "--model", "claude-haiku-4-5", "--input", "10", "--output", "5", "--cache-read", "7",
            "--client", "claude-code", "--timestamp", "2026-11-02T10:00:00Z", "--id", "x")
    assert p.returncode == 0, p.stderr
    p = run("log", "--json", "-", input=json.dumps({"model": "m", "id": "y"}))
    assert p.returncode == 0, p.stderr
    assert count_rows(home) == 2
    p = run("log", "--input", "3")
    assert p.returncode == 2 and "--model is required" in p.stderr


def test_invalid_json_says_where(home: Path) -> None:
    p = run("log", "--json", "-", input='[{"model": "m",}]')
    assert p.returncode == 2
    assert "not valid JSON at line 1 column" in p.stderr


def test_home_before_or_after_the_subcommand(tmp_path: Path, home: Path) -> None:
    other = tmp_path / "elsewhere"
    assert run("--home", str(other), "log", "--model", "m", "--id", "1").returncode == 0
    assert run("log", "--model", "m", "--id", "2", "--home", str(other)).returncode == 0
    assert count_rows(other) == 2
    assert not (home / "ledger.db").exists()


WRITER = """
import sys
from tui.cli import cli
worker = int(sys.argv[1])
for i in range(200):
    cli.main(["log", "--quiet", "--model", "gpt-5-mini", "--client", "codex", "--input", str(i),
              "--output", "1", "--id", f"w{worker}-{i}"], standalone_mode=False)
"""


def test_eight_processes_writing_200_events_each(home: Path) -> None:
    """8 concurrent writers, 1,600 separate write transactions: nothing lost or doubled,
    no error printed, no "database is locked"."""
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(w)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for w in range(8)
    ]
    outs = [p.communicate(timeout=600) for p in procs]
    for p, (out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
        assert err == "" and out == ""
    assert count_rows(home) == 1600
    data = run_json("report", "monthly", "--json")
    assert data["totals"]["requests"] == 1600
    assert data["totals"]["input_tokens"] == 8 * sum(range(200))


def test_eight_console_script_processes_at_once(home: Path) -> None:
    """The real ``tokenprint log`` console script, 8 at once on a fresh ledger (which
    they also create and migrate concurrently), 200 events each."""
    batches = [
        json.dumps([{"model": "gpt-5", "client": "codex", "id": f"p{w}-{i}", "output_tokens": 1}
                    for i in range(200)])
        for w in range(8)
    ]
    procs = [
        subprocess.Popen([TOKENPRINT, "log", "--json", "-"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in batches
    ]
    for p, b in zip(procs, batches, strict=True):
        out, err = p.communicate(b, timeout=300)
        assert p.returncode == 0 and err == "", err
        assert "200 new" in out
    assert count_rows(home) == 1600


# --- Hostile input at the door (issue 10, defects 2 and 13) ----------------------------

def _files(home: Path) -> dict[str, bytes]:
    return {str(p.relative_to(home)): p.read_bytes() for p in sorted(home.rglob("*")) if p.is_file()}


DEEP = '{"model": "m", "usage": ' + "[" * 100_000 + "]" * 100_000 + "}"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (DEEP, "stdin: JSON nested too deeply"),
        ("[" * 100_000 + "]" * 100_000, "stdin: JSON nested too deeply"),
        ('{"model": "m", "input_tokens": 1000000000000000000000000000000}',
         "input_tokens about 10**30 is above the maximum of 1,000,000,000 tokens per request (x 1 request(s))"),
        ('[{"model": "m", "id": "a", "input_tokens": 9223372036854775807}]',
         "item 0: input_tokens 9223372036854775807 is above the maximum of 1,000,000,000"),
        ('{"model": "m", "output_tokens": 1e300}', "output_tokens about 10**300 is above the maximum"),
        ('{"model": "m", "output_tokens": 1e999}', "output_tokens must be a non-negative integer, got inf"),
        ('{"model": "m", "output_tokens": NaN}', "stdin: not valid JSON: NaN is not a number JSON allows"),
        ('{"model": "m", "cost_usd": Infinity}', "stdin: not valid JSON: Infinity is not a number JSON allows"),
        ('{"model": "m", "output_tokens": 2.5}', "output_tokens must be a non-negative integer, got 2.5"),
        ('{"model": "m", "input_tokens": ' + "9" * 5000 + "}", "stdin: not valid JSON: Exceeds the limit"),
        ('{"model": "m", "requests": 10000000}', "requests 10000000 is above the maximum of 1,000,000 per event"),
        ('{"model": "m", "timestamp": "0001-01-01T00:00:00Z"}',
         "timestamp 0001-01-01T00:00:00.000Z is outside the accepted window 2015-01-01T00:00:00.000Z .. now + 1 day"),
        ('{"model": "m", "timestamp": "9999-12-31T23:59:59.999Z"}',
         "timestamp 9999-12-31T23:59:59.999Z is outside the accepted window"),
        ('{"model": ["m"]}', "model is missing"),
        ('{"model": "m", "session": {"a": 1}}', "session must be a string, got dict"),
        ('"just a string"', "expected a JSON object, got str"),
        ("[1, 2]", "item 0: expected a JSON object, got int"),
    ],
    ids=lambda v: v if len(v) < 60 else v[:40] + f"...({len(v)} chars)",  # the test id is in the env
)
def test_what_cannot_be_real_refuses_the_batch_and_writes_nothing(home: Path, payload: str, message: str) -> None:
    assert run("log", "--json", "-", input=json.dumps(BATCH[:1])).returncode == 0
    before = _files(home)
    batch = payload if not payload.startswith("{") else "[" + json.dumps(BATCH[1]) + ", " + payload + "]"
    for text in {payload, batch}:
        p = run("log", "--json", "-", input=text)
        assert p.returncode == 2, p.stderr
        assert "Traceback" not in p.stderr
        assert len(p.stderr.strip().splitlines()) == 1 and len(p.stderr) < 300, p.stderr
        assert message in p.stderr
        assert p.stderr.rstrip().endswith("nothing was recorded")
        assert _files(home) == before


def test_a_huge_stdin_is_refused_before_it_is_parsed(home: Path) -> None:
    from tui.commands.log import MAX_JSON_BYTES

    item = json.dumps({"model": "m", "input_tokens": 1}) + ", "
    big = "[" + item * (MAX_JSON_BYTES // len(item) + 1) + json.dumps({"model": "m"}) + "]"
    p = run("log", "--json", "-", input=big)
    assert p.returncode == 2
    assert p.stderr.strip() == (
        "tokenprint: stdin: more than 16 MiB of JSON; split the batch into smaller runs; nothing was recorded"
    )
    assert not (home / "ledger.db").exists()


def test_invalid_utf8_is_refused(home: Path, tmp_path: Path) -> None:
    f = tmp_path / "bad.json"
    f.write_bytes(b'{"model": "m\xff"}')
    p = run("log", "--json", str(f))
    assert p.returncode == 2 and "not UTF-8 (byte 12); nothing was recorded" in p.stderr
    assert not (home / "ledger.db").exists()


def test_flags_beyond_the_limits_are_refused(home: Path) -> None:
    p = run("log", "--model", "m", "--input", str(10**30))
    assert p.returncode == 2 and "flags: input_tokens about 10**30 is above the maximum" in p.stderr
    p = run("log", "--model", "m", "--cost", "inf")
    assert p.returncode == 2 and "flags: cost_usd must be a non-negative number, got inf" in p.stderr
    p = run("log", "--model", "m", "--timestamp", "1999-01-01T00:00:00Z")
    assert p.returncode == 2 and "outside the accepted window" in p.stderr
    assert not (home / "ledger.db").exists()


def test_control_characters_are_stored_neutralised(home: Path) -> None:
    item = {"model": "\u001b[2J\u001b[31mRED", "project": "\u001b]0;pwned\u0007/p", "session": "s\u202e1",
            "provider": "x\u0085y", "id": "id\u0000\u007f", "timestamp": "2026-11-02T09:00:00Z", "input_tokens": 4}
    p = run("log", "--json", "-", input=json.dumps(item))
    assert p.returncode == 0, p.stderr
    row = sqlite3.connect(home / "ledger.db").execute(
        "SELECT model, project, session, provider, event_id, input_tokens FROM events").fetchone()
    assert row == ("?[2J?[31mRED", "?]0;pwned?/p", "s?1", "x?y", "id??", 4)
