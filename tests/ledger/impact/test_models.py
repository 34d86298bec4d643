"""The model table: resolution of real client spellings, fallbacks with warnings, and its schema."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.impact import loading, resolve_model
from ledger.impact.models import candidates, is_local, rows
from ledger.impact.ranges import Range


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("claude-sonnet-4-5", "claude-sonnet-4-5"),
        ("claude-sonnet-4.5", "claude-sonnet-4-5"),
        ("claude-sonnet-4-5@20250929", "claude-sonnet-4-5"),  # Vertex
        ("anthropic.claude-3-5-sonnet-20241022-v2:0", "claude-sonnet-4"),  # Bedrock
        ("us.anthropic.claude-sonnet-4-20250514-v1:0", "claude-sonnet-4"),
        ("claude-opus-4-1-20250805", "claude-opus-4-1"),
        ("claude-haiku-4-5-20251001", "claude-haiku-4-5"),
        ("claude-3-5-sonnet-latest", "claude-sonnet-4"),
        ("gpt-5.1-codex", "gpt-5"),
        ("gpt-5-2025-08-07", "gpt-5"),
        ("openai/gpt-4o-2024-08-06", "gpt-4o"),
        ("o3", "o3"),
        ("models/gemini-2.5-pro", "gemini-2.5-pro"),
        ("gemini-3-pro-preview", "gemini-3.1-pro"),
        ("mistral-large-2407", "mistral-large-2"),
        ("mistral-large-latest", "mistral-large-4"),
        ("deepseek-chat", "deepseek-v3"),
        ("deepseek-reasoner", "deepseek-r1"),
        ("openrouter/meta-llama/llama-3.3-70b-instruct", "llama-3.3-70b"),
        ("groq/llama-3.1-8b-instant", "llama-3.1-8b"),
    ],
)
def test_hosted_ids_resolve_to_their_row(raw: str, expected: str) -> None:
    e = resolve_model(raw)
    assert e.id == expected
    assert e.match == "table"
    assert e.warnings == []
    assert not e.local


@pytest.mark.parametrize(
    ("raw", "client", "expected", "active"),
    [
        ("llama3.1:8b", "llm", "llama-3.1-8b", 8.03),
        ("llama3.1:latest", "llm", "llama-3.1-8b", 8.03),
        ("ollama/qwen2.5-coder:7b", "opencode", "qwen2.5-coder-7b", 7.6),
        ("qwen2.5-coder:7b", "aider", "qwen2.5-coder-7b", 7.6),
        ("ollama_chat/qwen2.5-coder:7b-instruct-q4_K_M", "aider", "qwen2.5-coder-7b", 7.6),
        ("qwen3:30b-a3b", "llm", "qwen3-30b-a3b", 3.3),
        ("gpt-oss:20b", "codex", "gpt-oss-20b", 3.6),
        ("mlx-community/Llama-3.2-3B-Instruct-4bit", "llm", "llama-3.2-3b", 3.21),
    ],
)
def test_local_runtimes_run_on_the_users_machine(raw: str, client: str, expected: str, active: float) -> None:
    e = resolve_model(raw, client)
    assert e.id == expected
    assert e.host == "local" and e.local
    assert e.params_active.central == pytest.approx(active)


def test_local_detection() -> None:
    assert is_local("llama3.1:8b", "llm")
    assert is_local("ollama/anything", None)
    assert is_local("lmstudio/qwen", "opencode")
    assert not is_local("anthropic.claude-3-5-sonnet-20241022-v2:0", None)
    assert not is_local("claude-sonnet-4-5", "claude-code")
    assert not is_local("llama3.1:8b", "chatgpt-export")
    # the same open-weights model through an API is hosted
    assert resolve_model("llama-3.3-70b-versatile", "llm").host == "cloud"


def test_unknown_local_model_is_sized_from_its_tag() -> None:
    e = resolve_model("qwen2.5-coder:14b-instruct-q4_K_M", "llm")
    assert e.match == "tag"
    assert e.host == "local"
    assert e.params_total == pytest.approx(Range(12.6, 14.0, 15.4))
    assert e.warnings and "14 B" in e.warnings[0]


def test_unknown_model_of_a_known_family_uses_the_family_rule() -> None:
    e = resolve_model("claude-opus-9-20270101")
    assert e.match == "rule"
    assert e.provider == "anthropic" and e.host == "anthropic"
    assert e.params_active.low == 67 and e.params_active.high == 400
    assert "not in the table" in e.warnings[0]


def test_unknown_model_falls_to_a_size_class_with_a_wide_range_and_a_warning() -> None:
    e = resolve_model("frobnicator-7")
    assert e.match == "size-class"
    assert e.params_active.high / e.params_active.low >= 100  # wide
    assert "unknown model" in e.warnings[0]
    small = resolve_model("acme-mini")
    assert small.id == "unknown-small"
    assert small.params_active.high <= 35


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60), st.sampled_from([None, "llm", "claude-code", "aider", "manual"]))
def test_resolution_never_raises(raw: str, client: str | None) -> None:
    e = resolve_model(raw, client)
    assert e.params_active.low > 0
    assert e.params_total.high >= e.params_active.high


def test_candidates_strip_dates_and_suffixes() -> None:
    c = candidates("claude-sonnet-4-5-20250929")
    assert "claude-sonnet-4-5" in c
    assert "gpt-5.1" in candidates("gpt-5-1")


# ---------------------------------------------------------------- schema
def test_every_row_has_params_with_unit_and_source_and_prices_with_unit_date_source() -> None:
    providers = set()
    for row in rows():
        where = row["id"]
        providers.add(row["provider"])
        p = row["params"]
        assert p.get("unit") == "billion", where
        assert p.get("source"), where
        assert isinstance(p.get("year"), int), where
        total = Range.of(p["total"])
        active = Range.of(p.get("active", p["total"]))
        assert active.high <= total.high, where
        price = row.get("price")
        if price is not None:
            assert price["unit"] == "USD per million tokens", where
            assert re.fullmatch(r"\d{4}-\d{2}", price["date"]), where
            assert price["source"], where
            assert price["input"] >= 0 and price["output"] >= price["input"] * 0.5, where
        if "training" in row:
            assert row["training"]["unit"] and row["training"]["source"], where
    for required in ("anthropic", "openai", "google", "mistral", "deepseek", "meta", "qwen"):
        assert required in providers


def test_every_rule_and_size_class_has_a_source() -> None:
    data = loading.models()
    for rule in data["rule"]:
        re.compile(rule["pattern"])
        assert rule["params"]["unit"] == "billion" and rule["params"]["source"]
    for name, spec in data["size_class"].items():
        assert spec["params"]["unit"] == "billion" and spec["params"]["source"], name


def test_ids_and_aliases_are_unique() -> None:
    seen: dict[str, str] = {}
    for row in rows():
        for key in (row["id"], *row.get("aliases", ())):
            assert key.lower() not in seen, f"{key} in {row['id']} and {seen.get(key.lower())}"
            seen[key.lower()] = row["id"]


def test_current_and_previous_generations_are_covered() -> None:
    ids = {r["id"] for r in rows()}
    for must in ("claude-opus-5-5", "claude-sonnet-4-5", "claude-haiku-4-5", "gpt-6-sol", "gpt-5", "o3",
                 "gpt-4o", "gemini-3.1-pro", "gemini-2.5-flash", "mistral-large-4", "mistral-large-2",
                 "deepseek-v3", "deepseek-r1", "llama-4-maverick", "llama-3.1-8b", "qwen3-coder-480b-a35b",
                 "qwen2.5-coder-7b"):
        assert must in ids
