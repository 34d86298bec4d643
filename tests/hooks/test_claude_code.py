"""The Claude Code adapter and the shared tail machinery, in process."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hooks import claude_code
from hooks.sync import FastBackend
from hooks.tail import Position
from ledger import fastpath
from tests.hooks import corpus
from tests.hooks.helpers import buckets, sources, sync_all, text_columns


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    config = tmp_path / "claude"
    return config, corpus.build(config)


def test_corpus_buckets_equal_the_hand_computed_expectation(tmp_path: Path, built) -> None:
    config, _files = built
    db = tmp_path / "ledger.db"
    syncer = sync_all(db, claude_code.transcripts([config]))
    assert buckets(db) == corpus.EXPECTED
    assert syncer.totals.skips == corpus.EXPECTED_SKIPS
    assert syncer.totals.result.new == 11


def test_no_text_reaches_the_ledger(tmp_path: Path, built) -> None:
    config, _files = built
    db = tmp_path / "ledger.db"
    sync_all(db, claude_code.transcripts([config]))
    stored = " ".join(text_columns(db))
    for secret in ("Secret title", "please help", "continue", "hmm", "99999", "cut"):
        assert secret not in stored


def test_reading_twice_changes_nothing(tmp_path: Path, built) -> None:
    config, _files = built
    db = tmp_path / "ledger.db"
    files = claude_code.transcripts([config])
    sync_all(db, files)
    again = sync_all(db, files)
    assert again.totals.unchanged == len(files)
    assert again.totals.read == 0
    assert again.totals.result.new == again.totals.result.updated == 0
    assert buckets(db) == corpus.EXPECTED


def test_every_file_order_gives_the_same_buckets(tmp_path: Path, built) -> None:
    config, _files = built
    files = claude_code.transcripts([config])
    for i, order in enumerate((files, files[::-1], files[1:] + files[:1])):
        db = tmp_path / f"l{i}.db"
        sync_all(db, order)
        assert buckets(db) == corpus.EXPECTED


def test_tiny_chunks_and_lines_longer_than_a_chunk(tmp_path: Path, built) -> None:
    config, _files = built
    db = tmp_path / "ledger.db"
    sync_all(db, claude_code.transcripts([config]), chunk_bytes=64, flush_bytes=1)
    assert buckets(db) == corpus.EXPECTED


def test_half_written_line_is_left_then_counted_when_complete(tmp_path: Path, built) -> None:
    config, files = built
    db = tmp_path / "ledger.db"
    all_files = claude_code.transcripts([config])
    sync_all(db, all_files)
    pos = sources(db)[str(files["b"])]
    assert pos["offset"] < files["b"].stat().st_size  # the cut line was not consumed
    corpus.complete_b2(config, files)
    again = sync_all(db, all_files)
    assert again.totals.read == 1 and again.totals.result.new == 1
    expected = {k: dict(v) for k, v in corpus.EXPECTED.items()}
    day, model, extra = corpus.B2_COMPLETED
    for name, n in extra.items():
        expected[(day, model)][name] += n
    expected[(day, model)]["requests"] += 1
    assert buckets(db) == expected


def test_complete_last_line_without_newline_is_consumed_once(tmp_path: Path, built) -> None:
    config, files = built
    db = tmp_path / "ledger.db"
    sync_all(db, claude_code.transcripts([config]))
    assert sources(db)[str(files["a"])]["offset"] == files["a"].stat().st_size
    with open(files["a"], "a") as f:
        f.write("\n")  # the newline arrives later: nothing new
    again = sync_all(db, claude_code.transcripts([config]))
    assert again.totals.result.new == again.totals.result.updated == 0
    assert buckets(db) == corpus.EXPECTED


def test_a_later_read_raises_the_output_of_a_recorded_message(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    line = corpus.assistant("s", "/p", "2025-09-28T10:00:00.000Z", corpus.SONNET,
                            corpus.usage(1, 2, 3, 4), msg_id="m1")
    path.write_text(corpus.compact(line) + "\n")
    db = tmp_path / "ledger.db"
    sync_all(db, [str(path)])
    later = corpus.assistant("s", "/p", "2025-09-28T10:00:09.000Z", corpus.SONNET,
                             corpus.usage(1, 2, 3, 400), msg_id="m1")
    with open(path, "a") as f:
        f.write(corpus.compact(later) + "\n")
    again = sync_all(db, [str(path)])
    assert again.totals.result.updated == 1
    b = buckets(db)[("2025-09-28", corpus.SONNET)]
    assert (b["output_tokens"], b["requests"], b["input_tokens"]) == (400, 1, 1)


def test_a_thinking_split_stated_after_a_read_is_not_counted_twice(tmp_path: Path) -> None:
    """Stop fires between the lines of one response: the first read sees 500 output
    tokens with no split; the last line says 600 in all, 300 of them thinking."""
    path = tmp_path / "s.jsonl"
    first = corpus.assistant("s", "/p", "2025-09-28T10:00:00.000Z", corpus.SONNET,
                             corpus.usage(1, 2, 3, 500), msg_id="m1")
    path.write_text(corpus.compact(first) + "\n")
    db = tmp_path / "ledger.db"
    sync_all(db, [str(path)])
    last = corpus.assistant("s", "/p", "2025-09-28T10:00:09.000Z", corpus.SONNET,
                            corpus.usage(1, 2, 3, 600, output_tokens_details={"thinking_tokens": 300}),
                            msg_id="m1")
    with open(path, "a") as f:
        f.write(corpus.compact(last) + "\n")
    sync_all(db, [str(path)])
    b = buckets(db)[("2025-09-28", corpus.SONNET)]
    assert (b["output_tokens"], b["reasoning_tokens"], b["requests"]) == (300, 300, 1)


def test_truncated_file_is_read_again_without_double_counting(tmp_path: Path, built) -> None:
    config, files = built
    db = tmp_path / "ledger.db"
    sync_all(db, claude_code.transcripts([config]))
    data = files["c"].read_bytes()
    files["c"].write_bytes(b"")
    files["c"].write_bytes(data)  # same inode, rewritten (size equal but mtime moved)
    os.utime(files["c"], ns=(1, 1))
    sync_all(db, claude_code.transcripts([config]))
    with open(files["s"], "r+b") as f:
        f.truncate(10)
    s = sync_all(db, claude_code.transcripts([config]))
    assert s.totals.restarted == 1
    assert buckets(db) == corpus.EXPECTED


def test_replaced_file_is_read_from_the_start(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    one = corpus.assistant("s", "/p", "2025-09-28T10:00:00.000Z", corpus.SONNET,
                           corpus.usage(1, 0, 0, 1), msg_id="m1")
    path.write_text(corpus.compact(one) + "\n")
    db = tmp_path / "ledger.db"
    sync_all(db, [str(path)])
    two = corpus.assistant("s", "/p", "2025-09-28T10:00:00.000Z", corpus.SONNET,
                           corpus.usage(5, 0, 0, 5), msg_id="m2")
    three = corpus.assistant("s", "/p", "2025-09-28T10:00:00.000Z", corpus.SONNET,
                             corpus.usage(7, 0, 0, 7), msg_id="m3")
    tmp = tmp_path / "new.jsonl"
    tmp.write_text(corpus.compact(two) + "\n" + corpus.compact(three) + "\n")
    os.replace(tmp, path)  # a new inode, longer than the old file
    s = sync_all(db, [str(path)])
    assert s.totals.restarted == 1
    assert buckets(db)[("2025-09-28", corpus.SONNET)]["input_tokens"] == 13


def test_same_inode_new_content_is_noticed(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    a = corpus.assistant("s", "/p", "2025-09-28T10:00:00.000Z", corpus.SONNET,
                         corpus.usage(1, 0, 0, 1), msg_id="m1")
    path.write_text(corpus.compact(a) + "\n")
    db = tmp_path / "ledger.db"
    sync_all(db, [str(path)])
    b = corpus.assistant("s", "/p", "2025-09-28T10:00:00.000Z", corpus.SONNET,
                         corpus.usage(2, 0, 0, 2), msg_id="m9")
    with open(path, "r+") as f:  # rewritten in place, then grown: first bytes differ
        f.write(corpus.compact(b) + "\n" + corpus.compact(a) + "\n")
    sync_all(db, [str(path)])
    assert buckets(db)[("2025-09-28", corpus.SONNET)]["input_tokens"] == 3


def test_parse_is_pure_and_keeps_unterminated_lines() -> None:
    line = corpus.compact(corpus.assistant("s", "/p", "2025-09-28T10:00:00.000Z", corpus.SONNET,
                                           corpus.usage(1, 0, 0, 1), msg_id="m1")).encode()
    p = claude_code.parse(line[:50], at_eof=True)
    assert (p.events, p.consumed) == ([], 0)
    p = claude_code.parse(line, at_eof=False)  # not at EOF: more may follow
    assert (p.events, p.consumed) == ([], 0)
    p = claude_code.parse(line, at_eof=True)
    assert p.consumed == len(line) and len(p.events) == 1
    p = claude_code.parse(line + b"\n" + line[:20], at_eof=True)
    assert p.consumed == len(line) + 1 and len(p.events) == 1


def test_thinking_details_and_fallback_ids() -> None:
    rec = corpus.assistant("s", "/p", "2025-09-28T10:00:00Z", corpus.SONNET,
                           corpus.usage(1, 0, 0, 300, output_tokens_details={"thinking_tokens": 200}),
                           msg_id=None, request_id=None, uuid="u-1")
    ev = claude_code.event_from_record(rec, {})
    assert ev is not None
    assert (ev.event_id, ev.output_tokens, ev.reasoning_tokens) == ("u-1", 100, 200)
    assert ev.ts_ms == 1759053600000


@pytest.mark.parametrize(
    "bad",
    [
        {"output_tokens": -1},
        {"output_tokens": "12"},
        {"input_tokens": True},
    ],
)
def test_bad_counts_are_skipped_and_counted(bad: dict) -> None:
    rec = corpus.assistant("s", "/p", "2025-09-28T10:00:00Z", corpus.SONNET,
                           {**corpus.usage(1, 0, 0, 1), **bad}, msg_id="m")
    skips: dict[str, int] = {}
    assert claude_code.event_from_record(rec, skips) is None
    assert skips == {"bad-usage": 1}


def test_garbage_never_raises() -> None:
    for data in (b"\x00\xff\xfe\n", b"[1,2]\n", b'{"usage": 1}\n', b"\n\n\n", b'"usage"\n',
                 b'{"type":"assistant","message":{"usage":{}}}\n', b"{" * 5000 + b"\n",
                 b'{"type":"assistant","message":[],"usage":1}\n'):
        p = claude_code.parse(data, at_eof=True)
        assert p.events == []


_LINES = [
    corpus.compact(corpus.assistant("s", "/p", f"2025-09-28T10:00:0{i}.000Z", corpus.SONNET,
                                    corpus.usage(i, i * 10, i * 100, o), msg_id=f"m{i % 3}"))
    for i, o in ((1, 5), (2, 7), (3, 9), (4, 11), (5, 13), (6, 15))
] + [corpus.compact(corpus.user("s", "/p", "2025-09-28T10:00:00.000Z", "x" * 300))]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    order=st.permutations(range(len(_LINES))),
    cuts=st.lists(st.integers(min_value=0, max_value=5000), max_size=6),
    chunk=st.integers(min_value=16, max_value=4096),
)
def test_any_append_pattern_gives_the_same_ledger(tmp_path_factory, order, cuts, chunk) -> None:
    """Writing a file in arbitrary pieces and reading after each piece (with any
    chunk size) gives the same ledger as reading it once when complete."""
    tmp = tmp_path_factory.mktemp("prop")
    data = ("\n".join(_LINES[i] for i in order) + "\n").encode()
    whole, pieces = tmp / "whole.jsonl", tmp / "pieces.jsonl"
    whole.write_bytes(data)
    sync_all(tmp / "whole.db", [str(whole)])
    pieces.write_bytes(b"")
    last = 0
    for cut in sorted({min(c, len(data)) for c in cuts} | {len(data)}):
        with open(pieces, "ab") as f:
            f.write(data[last:cut])
        last = cut
        sync_all(tmp / "pieces.db", [str(pieces)], chunk_bytes=chunk)
    assert buckets(tmp / "pieces.db") == buckets(tmp / "whole.db")


def test_position_round_trip(tmp_path: Path) -> None:
    pos = Position(identity="1:2:ab", offset=5, size=9, mtime_ns=3, skipped_lines=1,
                   skip_reasons={"x": 1}, state={"k": "v"})
    conn = fastpath.open_ledger(tmp_path / "l.db")
    try:
        backend = FastBackend(conn)
        backend.commit("claude-code", [], {"/f.jsonl": pos})
        assert backend.load_positions("claude-code", None) == {"/f.jsonl": pos}
        assert backend.load_positions("claude-code", ["/f.jsonl", "/g"]) == {"/f.jsonl": pos}
    finally:
        conn.close()


def test_config_dirs_follow_clients_md(tmp_path: Path) -> None:
    env = {"CLAUDE_CONFIG_DIR": f"{tmp_path}/a, {tmp_path}/b"}
    assert claude_code.config_dirs(env) == [tmp_path / "a", tmp_path / "b"]
    home = Path.home()
    assert claude_code.config_dirs({}) == [home / ".config" / "claude", home / ".claude"]


def test_the_same_file_reached_twice_is_listed_once(tmp_path: Path, built) -> None:
    config, files = built
    link = tmp_path / "link"
    link.symlink_to(config)
    listed = claude_code.transcripts([config, link, config / "projects" / "-p-alpha", files["a"]])
    assert len(listed) == len(set(listed)) == 4


_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**12), st.floats(allow_nan=False),
                     st.text(max_size=12))
_usage = st.dictionaries(
    st.sampled_from(["input_tokens", "output_tokens", "cache_creation_input_tokens",
                     "cache_read_input_tokens", "output_tokens_details", "service_tier"]),
    st.one_of(_scalars, st.fixed_dictionaries({"thinking_tokens": _scalars})),
)
_record = st.fixed_dictionaries(
    {"type": st.sampled_from(["assistant", "user", "progress", "system"]),
     "timestamp": st.sampled_from(["2025-09-28T10:00:00.000Z", "2025-09-28T10:00:00", "bad", 5]),
     "message": st.one_of(
         st.fixed_dictionaries({"model": st.sampled_from([corpus.SONNET, "<synthetic>", 3, "é\ud83d"]),
                                "usage": st.one_of(_usage, _scalars)},
                               optional={"id": _scalars, "content": st.lists(_scalars, max_size=3)}),
         _scalars)},
    optional={"requestId": _scalars, "uuid": _scalars, "isApiErrorMessage": _scalars,
              "sessionId": _scalars, "cwd": _scalars, "costUSD": _scalars},
)


@settings(max_examples=300, deadline=None)
@given(rec=_record, spaced=st.booleans())
def test_fast_decoder_gives_what_the_standard_library_gives(rec: dict, spaced: bool) -> None:
    fast = claude_code.fast_loads()
    if fast is None:
        pytest.skip("msgspec not installed")
    line = json.dumps(rec, separators=None if spaced else (",", ":")).encode()
    s1: dict[str, int] = {}
    s2: dict[str, int] = {}
    assert claude_code.event_from_record(fast(line), s1) == claude_code.event_from_record(
        json.loads(line), s2)
    assert s1 == s2


def test_a_byte_budget_leaves_the_rest_for_the_next_run(tmp_path: Path) -> None:
    """The hook reads at most so many bytes per run; the next runs finish the file."""
    path = tmp_path / "big.jsonl"
    lines = []
    for i in range(300):
        rec = corpus.assistant("s", "/p", "2025-09-28T10:00:00.000Z", corpus.SONNET,
                               corpus.usage(1, 0, 0, 2), msg_id=f"m{i}",
                               content=[{"type": "text", "text": "x" * 3000}])
        lines.append(corpus.compact(rec))
    path.write_text("\n".join(lines) + "\n")
    db = tmp_path / "ledger.db"
    runs = 0
    while True:
        runs += 1
        s = sync_all(db, [str(path)], max_bytes=200_000, chunk_bytes=50_000)
        if s.totals.bytes == 0:
            break
        assert s.totals.bytes <= 200_000 + 50_000
    assert runs > 3
    b = buckets(db)[("2025-09-28", corpus.SONNET)]
    assert (b["requests"], b["input_tokens"], b["output_tokens"]) == (300, 300, 600)
    assert sources(db)[str(path)]["offset"] == path.stat().st_size


def test_a_chunk_never_ends_inside_a_response() -> None:
    def line(msg: str, out: int, **u: object) -> bytes:
        return corpus.compact(corpus.assistant("s", "/p", "2025-09-28T10:00:00.000Z", corpus.SONNET,
                                               corpus.usage(1, 0, 0, out, **u), msg_id=msg)).encode()

    first = line("m1", 5) + b"\n"
    second = line("m2", 150) + b"\n"
    data = first + second
    p = claude_code.parse(data, at_eof=False)  # m2 may go on in the next chunk
    assert [e.event_id for e in p.events] == ["m1"] and p.consumed == len(first)
    rest = data[p.consumed:] + line("m2", 300, output_tokens_details={"thinking_tokens": 200}) + b"\n"
    p2 = claude_code.parse(rest, at_eof=True)
    (ev,) = p2.events
    assert (ev.output_tokens, ev.reasoning_tokens) == (100, 200)
    user = corpus.compact(corpus.user("s", "/p", "2025-09-28T10:00:01.000Z", "next")).encode() + b"\n"
    p3 = claude_code.parse(data + user, at_eof=False)  # another line followed: m2 is complete
    assert [e.event_id for e in p3.events] == ["m1", "m2"] and p3.consumed == len(data + user)
