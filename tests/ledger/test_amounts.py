"""Adding groups (``ledger.amounts``), the rollup of the report, the export and the dashboard."""

from __future__ import annotations

from ledger.amounts import add_into, group_by, sum_all, zero


def g(client: str, model: str, tokens: int, co2: float, **extra: object) -> dict[str, object]:
    return {"key": "2026-10-01", "client": client, "model": model, "project": None, "input_tokens": tokens,
            "requests": 1, "cost_usd": 0.5, "co2e_g": {"low": co2 / 2, "central": co2, "high": co2 * 2}, **extra}


def test_amounts_add_names_do_not_and_ranges_add_end_by_end() -> None:
    total = sum_all([g("codex", "gpt-5", 10, 1.0, tokens_estimated=1), g("aider", "gpt-5", 5, 3.0, tokens_estimated=1)])
    assert total["input_tokens"] == 15 and total["requests"] == 2 and total["cost_usd"] == 1.0
    assert total["co2e_g"] == {"low": 2.0, "central": 4.0, "high": 8.0}
    assert "tokens_estimated" not in total and "client" not in total and total["output_tokens"] == 0


def test_sessions_keep_their_first_and_last_time() -> None:
    acc = zero()
    add_into(acc, g("codex", "gpt-5", 1, 1.0, first_ts=200, last_ts=300))
    add_into(acc, g("codex", "o3", 1, 1.0, first_ts=100, last_ts=250))
    assert (acc["first_ts"], acc["last_ts"]) == (100, 300)


def test_group_by_carries_its_fields() -> None:
    sums = group_by([g("codex", "gpt-5", 1, 1.0), g("codex", "o3", 2, 1.0), g("aider", "gpt-5", 4, 1.0)], "client")
    assert {k: (v["client"], v["input_tokens"]) for k, v in sums.items()} == {
        ("codex",): ("codex", 3), ("aider",): ("aider", 4),
    }
