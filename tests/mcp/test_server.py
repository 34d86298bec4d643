"""``tokenprint mcp`` run as a subprocess and spoken to with the SDK's own stdio client
(``mcp.client.stdio``): the tools, their schemas, results equal to ``report --json``,
``estimate --json`` and ``methodology --json`` run as subprocesses on the same ledger,
errors as MCP errors, and a server that keeps serving after them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import pytest

pytest.importorskip("mcp")

from mcp import ClientSession, MCPError, StdioServerParameters, stdio_client  # noqa: E402

from tests.conftest import TOKENPRINT, run, run_json  # noqa: E402

TODAY = datetime.now(UTC).date()
YESTERDAY = TODAY - timedelta(days=1)
EIGHT_DAYS_AGO = TODAY - timedelta(days=8)


def _ts(day: Any, hour: int) -> str:
    return f"{day.isoformat()}T{hour:02d}:00:00Z"


#: Known events: two today (two clients, two models), one yesterday, one 8 days ago.
EVENTS = [
    {"id": "a", "client": "claude-code", "model": "claude-sonnet-4-5", "timestamp": _ts(TODAY, 0),
     "input_tokens": 1000, "output_tokens": 500, "cache_read_tokens": 0, "project": "/src/shop"},
    {"id": "b", "client": "codex", "model": "gpt-5", "timestamp": _ts(TODAY, 0),
     "input_tokens": 2000, "output_tokens": 100, "cache_read_tokens": 3000, "reasoning_tokens": 50,
     "requests": 2, "project": "/src/shop"},
    {"id": "c", "client": "claude-code", "model": "claude-sonnet-4-5", "timestamp": _ts(YESTERDAY, 12),
     "input_tokens": 4000, "output_tokens": 0},
    {"id": "d", "client": "claude-code", "model": "claude-haiku-4-5", "timestamp": _ts(EIGHT_DAYS_AGO, 12),
     "input_tokens": 10, "cache_write_tokens": 20},
]


@pytest.fixture
def ledger(home: Path) -> Path:
    proc = run("log", "--json", "-", input=json.dumps(EVENTS))
    assert proc.returncode == 0, proc.stderr
    return home


async def _session(args: list[str], env: dict[str, str] | None, body: Any) -> Any:
    params = StdioServerParameters(command=TOKENPRINT, args=["mcp", *args], env=env)
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        return await body(session)


def talk(body: Any, *args: str, env: dict[str, str] | None = None) -> Any:
    """Start ``tokenprint mcp ARGS``, initialise, run ``body(session)``, close."""
    return anyio.run(_session, list(args), env, body)


def structured(result: Any) -> Any:
    assert not result.is_error, result.content
    data = result.structured_content
    assert json.loads(result.content[0].text) == data  # the text block says the same
    return data


def test_lists_the_four_tools_with_their_schemas(ledger: Path) -> None:
    async def body(s: ClientSession) -> Any:
        return (await s.list_tools()).tools

    tools = {t.name: t for t in talk(body, "--home", str(ledger))}
    assert list(tools) == ["footprint", "estimate", "compare_models", "methodology"]
    fp = tools["footprint"].input_schema
    assert fp["properties"]["period"]["enum"] == ["today", "week", "month", "year", "all"]
    assert fp["properties"]["by"]["enum"] == ["model", "client", "project"]
    assert fp["additionalProperties"] is False
    est = tools["estimate"].input_schema
    assert est["required"] == ["model"]
    assert set(est["properties"]) == {"model", "input_tokens", "output_tokens", "cache_read_tokens",
                                      "cache_write_tokens", "reasoning_tokens", "requests", "region", "client",
                                      "include_training"}
    assert est["properties"]["input_tokens"] == {"type": "integer", "minimum": 0,
                                                 "description": "Fresh input tokens (not served from a cache)."}
    assert tools["compare_models"].input_schema["required"] == ["models"]
    assert tools["methodology"].input_schema == {"type": "object", "properties": {}, "additionalProperties": False}
    for t in tools.values():
        assert t.description and "\n" not in t.description


def _report(ledger: Path, since: Any, until: Any, *extra: str) -> Any:
    return run_json("report", "--json", "--tz", "UTC", "--since", since.isoformat(), "--until", until.isoformat(),
                    *extra, env={"TOKENPRINT_HOME": str(ledger)})


def test_footprint_equals_report_json(ledger: Path) -> None:
    async def body(s: ClientSession) -> Any:
        return [structured(await s.call_tool("footprint", {"period": p, "tz": "UTC", **kw}))
                for p, kw in (("today", {}), ("today", {"by": "model"}), ("week", {"by": "client"}),
                              ("all", {}))]

    today, by_model, week, whole = talk(body, env={"TOKENPRINT_HOME": str(ledger)})
    rep = _report(ledger, TODAY, TODAY)
    # hand-computed: a + b
    tot = today["totals"]
    assert (tot["input_tokens"], tot["output_tokens"], tot["cache_read_tokens"], tot["cache_write_tokens"],
            tot["reasoning_tokens"], tot["requests"]) == (3000, 600, 3000, 0, 50, 3)
    assert tot == {**rep["totals"], "key": "today"}
    assert (today["since"], today["until"], today["tz"], today["period"]) == (
        TODAY.isoformat(), TODAY.isoformat(), "UTC", "today")
    assert [(r["client"], r["model"]) for r in today["rows"]] == sorted(
        [(r["client"], r["model"]) for r in rep["rows"]],
        key=lambda cm: -next(r["co2e_g"]["central"] for r in rep["rows"] if (r["client"], r["model"]) == cm))
    for r in today["rows"]:
        same = next(x for x in rep["rows"] if (x["client"], x["model"]) == (r["client"], r["model"]))
        assert r == {**same, "key": "today"}
    # the previous period is yesterday: event c
    prev = _report(ledger, YESTERDAY, YESTERDAY)
    assert today["previous"]["totals"] == {**prev["totals"], "key": "previous"}
    assert today["previous"]["totals"]["input_tokens"] == 4000
    assert today["change_pct"]["tokens"] == 66.25  # (6650 - 4000) / 4000
    assert today["change_pct"]["requests"] == 200.0  # 3 against 1
    for m in ("energy_wh", "co2e_g", "water_ml"):
        want = (rep["totals"][m]["central"] - prev["totals"][m]["central"]) / prev["totals"][m]["central"] * 100
        assert today["change_pct"][m] == round(want, 2)
    assert today["equivalents"] and all({"name", "label", "value", "unit"} <= set(e) for e in today["equivalents"])
    # by model: one row per model, as report --by model
    rep_m = _report(ledger, TODAY, TODAY, "--by", "model")
    assert sorted(r["model"] for r in by_model["rows"]) == ["claude-sonnet-4-5", "gpt-5"]
    for r in by_model["rows"]:
        assert r == {**next(x for x in rep_m["rows"] if x["model"] == r["model"]), "key": "today"}
    # week (7 days: a, b, c), by client; its previous week holds d
    assert week["since"] == (TODAY - timedelta(days=6)).isoformat()
    assert {r["client"]: r["input_tokens"] for r in week["rows"]} == {"claude-code": 5000, "codex": 2000}
    assert week["totals"] == {**_report(ledger, TODAY - timedelta(days=6), TODAY)["totals"], "key": "week"}
    assert week["previous"]["totals"]["cache_write_tokens"] == 20
    # all history: no previous period
    assert whole["since"] is None and whole["previous"] is None and whole["change_pct"] is None
    assert whole["totals"]["input_tokens"] == 7010
    everything = run_json("report", "--json", "--tz", "UTC", env={"TOKENPRINT_HOME": str(ledger)})
    assert whole["totals"] == {**everything["totals"], "key": "all"}


ESTIMATE_ARGS = {"model": "claude-sonnet-4-5", "input_tokens": 12000, "output_tokens": 800,
                 "cache_read_tokens": 50000, "reasoning_tokens": 300, "requests": 4, "region": "FR"}
ESTIMATE_CLI = ["--model", "claude-sonnet-4-5", "--input", "12000", "--output", "800", "--cache-read", "50000",
                "--reasoning", "300", "--requests", "4", "--region", "FR"]


def test_estimate_and_compare_equal_estimate_json(ledger: Path) -> None:
    async def body(s: ClientSession) -> Any:
        est = structured(await s.call_tool("estimate", ESTIMATE_ARGS))
        plain = structured(await s.call_tool("estimate", {"model": "gpt-5"}))
        cmp = structured(await s.call_tool("compare_models", {
            **{k: v for k, v in ESTIMATE_ARGS.items() if k != "model"},
            "models": ["claude-opus-4-1", "claude-sonnet-4-5", "claude-haiku-4-5"]}))
        return est, plain, cmp

    est, plain, cmp = talk(body, "--home", str(ledger))
    env = {"TOKENPRINT_HOME": str(ledger)}
    assert est == run_json("estimate", "--json", *ESTIMATE_CLI, env=env)
    assert plain == run_json("estimate", "--json", "--model", "gpt-5", env=env)
    assert plain["requests"] == 1 and plain["input_tokens"] == 0
    assert cmp["usage"] == {"input_tokens": 12000, "cache_write_tokens": 0, "cache_read_tokens": 50000,
                            "output_tokens": 800, "reasoning_tokens": 300, "requests": 4}
    centrals = [m["co2e_g"]["central"] for m in cmp["models"]]
    assert centrals == sorted(centrals)
    assert cmp["smallest"] == cmp["models"][0]["model"] == "claude-haiku-4-5"
    for m in cmp["models"]:
        cli = run_json("estimate", "--json", *ESTIMATE_CLI[2:], "--model", m["model"], env=env)
        for k in ("model_resolved", "energy_wh", "co2e_g", "water_ml", "warnings"):
            assert m[k] == cli[k]
        assert m["co2e_ratio_to_smallest"] == round(m["co2e_g"]["central"] / centrals[0], 3)
    assert cmp["models"][0]["co2e_ratio_to_smallest"] == 1.0


def test_methodology_equals_methodology_json(ledger: Path) -> None:
    async def body(s: ClientSession) -> Any:
        return structured(await s.call_tool("methodology", {}))

    got = talk(body, "--home", str(ledger))
    assert got == run_json("methodology", "--json", env={"TOKENPRINT_HOME": str(ledger)})
    assert got["boundary"] and all("source" in f for f in got["factors"])


def test_bad_arguments_are_mcp_errors_and_the_server_keeps_serving(ledger: Path) -> None:
    async def body(s: ClientSession) -> Any:
        out: list[Any] = []
        for name, args in (
            ("footprint", {"period": "decade"}),
            ("footprint", {"period": "today", "colour": "red"}),
            ("footprint", {"tz": "Mars/Olympus"}),
            ("estimate", {}),
            ("estimate", {"model": "gpt-5", "input_tokens": -1}),
            ("estimate", {"model": "gpt-5", "output_tokens": "many"}),
            ("estimate", {"model": "gpt-5", "region": "Atlantis"}),
            ("compare_models", {"models": []}),
        ):
            r = await s.call_tool(name, args)
            out.append((r.is_error, r.content[0].text))
        try:
            await s.call_tool("no_such_tool", {})
        except MCPError as exc:
            out.append(("rpc", exc.error.code, exc.error.message))
        out.append(structured(await s.call_tool("footprint", {"period": "today", "tz": "UTC"})))
        return out

    *errors, unknown, after = talk(body, "--home", str(ledger))
    assert all(e[0] is True for e in errors)
    texts = [e[1] for e in errors]
    assert texts[0].startswith("footprint: invalid period: 'decade' is not one of")
    assert "'colour' was unexpected" in texts[1]
    assert texts[2].startswith("footprint: invalid tz:") and "Mars/Olympus" in texts[2]
    assert texts[3] == "estimate: invalid arguments: 'model' is a required property"
    assert texts[4] == "estimate: invalid input_tokens: -1 is less than the minimum of 0"
    assert texts[5] == "estimate: invalid output_tokens: 'many' is not of type 'integer'"
    assert texts[6].startswith("invalid region:") and "Atlantis" in texts[6]
    assert texts[7].startswith("compare_models: invalid models: [] should be non-empty")
    assert unknown[:2] == ("rpc", -32602) and "no_such_tool" in unknown[2]
    assert after["totals"]["input_tokens"] == 3000


def test_broken_config_is_a_tool_error(ledger: Path) -> None:
    (ledger / "config.toml").write_text("[grid\nregion = 'FR'\n")

    async def body(s: ClientSession) -> Any:
        return await s.call_tool("footprint", {}), await s.call_tool("estimate", {"model": "gpt-5"})

    for r in talk(body, "--home", str(ledger)):
        assert r.is_error and "config.toml" in r.content[0].text


def test_demo_ledger(home: Path) -> None:
    assert run("demo", "--days", "20", "--events", "300", "--seed", "7").returncode == 0

    async def body(s: ClientSession) -> Any:
        return structured(await s.call_tool("footprint", {"period": "all", "by": "project"}))

    got = talk(body, "--demo", "--home", str(home))
    rep = run_json("report", "--json", "--demo", "--by", "project", env={"TOKENPRINT_HOME": str(home)})
    assert got["demo"] is True
    assert got["totals"] == {**rep["totals"], "key": "all"}
    assert got["totals"]["requests"] == 300


def test_empty_and_damaged_ledgers(home: Path, tmp_path: Path) -> None:
    async def body(s: ClientSession) -> Any:
        return await s.call_tool("footprint", {"period": "week", "tz": "UTC"})

    got = structured(talk(body, "--home", str(home)))
    assert got["rows"] == [] and got["equivalents"] == []
    assert got["totals"]["requests"] == 0
    assert got["totals"] == {**_report(home, TODAY - timedelta(days=6), TODAY)["totals"], "key": "week"}
    assert got["change_pct"] == {"energy_wh": None, "co2e_g": None, "water_ml": None, "tokens": None,
                                 "requests": None}
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "ledger.db").write_bytes(b"SQLite format 3\x00" + b"\xff" * 4080)

    async def two(s: ClientSession) -> Any:
        return await s.call_tool("footprint", {}), await s.call_tool("estimate", {"model": "gpt-5"})

    bad, fine = talk(two, "--home", str(damaged))
    assert bad.is_error and "ledger" in bad.content[0].text, bad.content[0].text
    assert not fine.is_error  # an estimate needs no ledger: the server still serves
