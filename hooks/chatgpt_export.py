"""ChatGPT's data export (client ``chatgpt-export``): every generated answer, its tokens counted.

Standard library only at import (the registry imports every adapter); reading an
export loads ``ijson`` and ``tiktoken`` (``hooks.exportfile``, ``hooks.tokencount``).
No hook: ChatGPT runs in a browser, and its export (Settings > Data controls >
Export data) is imported by hand: ``tokenprint import chatgpt-export <the .zip>``
(or its ``conversations.json``, or the split ``conversations-NNN.json`` files).

The format (``../shared/reference/clients.md``): an array of conversations ``{id,
conversation_id, title, create_time, mapping: {node: {id, parent, children,
message}}, current_node, default_model_slug}``; the root node's ``message`` is null;
a message has ``author.role`` (system, user, tool, assistant), ``content``
(``content_type`` text, multimodal_text, code, execution_output, thoughts, ...;
``parts[]`` of strings, or objects for images and files), ``create_time`` (epoch
seconds), ``metadata.model_slug``. The export carries no token counts.

Counting rules:

- every assistant message is one request (:data:`REQUEST_ROLES`), whichever branch it
  is on: an abandoned branch (the user edited an earlier message) and a regenerated
  answer were generated too, not only the ``current_node`` path. System messages,
  hidden ones (``metadata.is_visually_hidden_from_conversation``) included, the
  user's and the tools' messages are not requests. A ``reasoning_recap`` ("Thought
  for 12 seconds") is a line the app writes, not the model: no request;
- its input is the whole thread before it: every message on the path from the root
  to its parent (hidden system messages, custom instructions and tool outputs
  included: they were sent), counted once per message and summed down the tree
  (``hooks.exportfile.thread_sums``), so a conversation costs one pass over its text.
  The model's own reasoning (``thoughts``) is not sent back in later turns: it is not
  in the thread. The system prompt and the per-message framing tokens are unknown
  and not counted;
- output is the message's own visible text (text parts, code, tool calls);
  ``thoughts`` are reasoning tokens. Images, audio and files have no text here:
  zero tokens (their transcripts, when the export has them, are counted);
- the model is the message's ``metadata.model_slug``, else the conversation's
  ``default_model_slug``, else :data:`UNKNOWN_MODEL`; tokens are counted with that
  model's tiktoken encoding, offline (``hooks.tokencount``), and the event's
  ``tokens_estimated`` says which (``tiktoken:o200k_base``, ``tiktoken:cl100k_base``,
  ``chars/4``);
- the event id is ``<conversation id>:<message id>``: a later export of the same
  account (all the old conversations again, and the new) adds only what is new.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import Any

from hooks import exportfile
from hooks.dbsource import FILE, Batch, Source
from hooks.tail import Parsed
from ledger.events import (
    Event,
    latest,
)

CLIENT = "chatgpt-export"
NAME = "ChatGPT (data export)"
SOURCE = "chatgpt-export"
SOURCE_NOUN = "exports"
PROVIDER = "openai"
UNKNOWN_MODEL = "unknown"
#: Roles whose messages the model generated: one request each.
REQUEST_ROLES = frozenset({"assistant"})
#: Content types that are the app's own lines, not the model's.
NOT_GENERATED = frozenset({"reasoning_recap"})
#: Keys of a message's ``content`` that hold text that was in the thread.
_TEXT_KEYS = ("text", "result", "user_profile", "user_instructions", "model_set_context", "summary")
_TEXT_KEY_SET = frozenset(_TEXT_KEYS)

#: ``isinstance(x, _MAP)`` is ``isinstance(x, Mapping)``, the dict first: a decoded JSON
#: object is a dict, checked without the ABC machinery (a third of this adapter's own time
#: went to ``Mapping.__instancecheck__``, measured with cProfile on a 100 MB export).
_MAP = (dict, Mapping)

SCOPES: tuple[str, ...] = ()
INSTALL: tuple[Any, ...] = ()
#: Why there is nothing to install (``hooks status``, ``hooks --help``).
NO_HOOKS = "an export is a file you download; `tokenprint import chatgpt-export FILE` reads it (again for a later export: only new messages are added)"


def _pieces(content: Any) -> tuple[list[str], list[str]]:
    """The texts of a message's content: (visible, reasoning)."""
    if not isinstance(content, _MAP):
        return [], []
    visible: list[str] = []
    reasoning: list[str] = []
    parts = content.get("parts")
    if isinstance(parts, list):
        for part in parts:
            if isinstance(part, str):
                visible.append(part)
            elif isinstance(part, _MAP):  # image/file pointers carry no text; transcripts do
                text = part.get("text")
                if isinstance(text, str):
                    visible.append(text)
    if not _TEXT_KEY_SET.isdisjoint(content):  # most contents have none of them (a C scan of their keys)
        for key in _TEXT_KEYS:
            value = content.get(key)
            if isinstance(value, str):
                visible.append(value)
    thoughts = content.get("thoughts")
    if isinstance(thoughts, list):
        for t in thoughts:
            if isinstance(t, _MAP):
                for key in ("summary", "content"):
                    value = t.get(key)
                    if isinstance(value, str):
                        reasoning.append(value)
            elif isinstance(t, str):
                reasoning.append(t)
    return visible, reasoning


def _weight(weights: dict[str, int], node: str) -> int:
    return weights.get(node, 0)  # a node without a message weighs nothing


def _seconds_ms(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return int(round(float(value) * 1000))
    except (OverflowError, ValueError):
        return None


def conversation_events(conv: Mapping[str, Any], skips: dict[str, int]) -> list[Event]:
    """The events of one conversation of the export (pure, but for the counters it
    loads once per process): :func:`prepare`, counted at once."""
    return exportfile.now(prepare(conv, skips), skips)


def prepare(conv: Mapping[str, Any], skips: dict[str, int]) -> exportfile.Pending | None:
    """One conversation's texts to count and how they become its events
    (``hooks.exportfile.Pending``): the texts of each request and of every message with
    a message below it (a thread's), once per counter its requests use."""
    from hooks import tokencount

    cid = conv.get("conversation_id") or conv.get("id")
    mapping = conv.get("mapping")
    if not isinstance(cid, str) or not cid or not isinstance(mapping, _MAP):
        skips["not-a-conversation"] = skips.get("not-a-conversation", 0) + 1
        return None
    default = conv.get("default_model_slug")
    default_model = default if isinstance(default, str) and default.strip() else UNKNOWN_MODEL
    conv_ms = _seconds_ms(conv.get("create_time"))
    parents: dict[str, str | None] = {}
    # What each message is: its texts (visible, reasoning), model, itself; the requests per counter.
    info: dict[str, tuple[list[str], list[str], str, Mapping[str, Any]]] = {}
    requests: dict[str, list[str]] = {}  # counter label -> request nodes
    counters: dict[str, tokencount.Counter] = {}
    for node_key, node in mapping.items():
        if not isinstance(node, _MAP):
            continue
        key = str(node_key)
        parent = node.get("parent")
        parents[key] = parent if isinstance(parent, str) else None
        msg = node.get("message")
        if not isinstance(msg, _MAP):
            continue
        author = msg.get("author")
        role = author.get("role") if isinstance(author, _MAP) else None
        content = msg.get("content")
        ctype = content.get("content_type") if isinstance(content, _MAP) else None
        visible, reasoning = ([], []) if ctype in NOT_GENERATED else _pieces(content)
        meta = msg.get("metadata")
        slug = meta.get("model_slug") if isinstance(meta, _MAP) else None
        model = slug if isinstance(slug, str) and slug.strip() else default_model
        info[key] = (visible, reasoning, model, msg)
        if role in REQUEST_ROLES and ctype not in NOT_GENERATED:
            # one counter may stand for two encodings (o200k_base missing: cl100k_base)
            counter = tokencount.counter(tokencount.encoding_for_model(model))
            counters[counter.label] = counter
            requests.setdefault(counter.label, []).append(key)
    # thread_sums weighs exactly the nodes with a node below them (and each request's own text)
    above = {p for n, p in parents.items() if p is not None and p != n and p in parents}
    thread = [n for n in info if n in above]
    plan: list[tuple[tokencount.Counter, list[str], list[str]]] = []
    wants: list[tuple[tokencount.Counter, list[list[str]]]] = []
    for label, nodes in requests.items():
        counter = counters[label]
        weighed = list(dict.fromkeys(thread + nodes))
        plan.append((counter, weighed, nodes))
        wants.append((counter, [info[n][0] for n in weighed] + [info[n][1] for n in nodes]))

    def finish(sums: list[list[int]], skips: dict[str, int]) -> list[Event]:
        events: list[Event] = []
        latest_ms = latest()
        for (counter, weighed, nodes), counted in zip(plan, sums, strict=True):
            weights = dict(zip(weighed, counted, strict=False))  # then the reasoning counts
            reasoning = counted[len(weighed):]
            before, orphans = exportfile.thread_sums(parents, partial(_weight, weights))
            for key, reasoning_tokens in zip(nodes, reasoning, strict=True):
                if key in orphans:
                    skips["no-thread"] = skips.get("no-thread", 0) + 1
                    continue
                _visible, _reasoning, model, msg = info[key]
                ts = _seconds_ms(msg.get("create_time"))
                if ts is None:
                    ts = conv_ms
                if ts is None:
                    skips["bad-timestamp"] = skips.get("bad-timestamp", 0) + 1
                    continue
                mid = msg.get("id")
                ev = Event(
                    client=CLIENT,
                    event_id=f"{cid}:{mid if isinstance(mid, str) and mid else key}",
                    model=model.strip(),
                    ts_ms=ts,
                    provider=PROVIDER,
                    session=cid,
                    input_tokens=before.get(key, 0),
                    output_tokens=weights[key],
                    reasoning_tokens=reasoning_tokens,
                    source=SOURCE,
                    tokens_estimated=counter.label,
                )
                why = exportfile.refused(ev, latest_ms)
                if why:
                    skips[why] = skips.get(why, 0) + 1
                    continue
                events.append(ev)
        events.sort(key=lambda e: (e.ts_ms, e.event_id))
        return events

    return exportfile.Pending(wants, finish)


def parse(data: bytes, at_eof: bool = True) -> Parsed:
    """The events of an export held in memory (a whole ``conversations.json``)."""
    return exportfile.parse_document(data, at_eof, conversation_events)


def source_kind(path: str) -> str:
    return FILE


def read_source(source: Source, state: dict[str, Any], focus: Mapping[str, str]) -> Iterator[Batch]:
    """Stream the export at ``source.path`` (``hooks.exportfile.read_export``)."""
    return exportfile.read_export(source.path, prepare)


def default_roots(env: Mapping[str, str] | None = None) -> list[Path]:
    """None: an export is wherever the user saved it (``import chatgpt-export PATH``)."""
    return []


def transcripts(paths: list[Path]) -> list[str]:
    return exportfile.transcripts(paths)


def hook_paths(payload: Mapping[str, Any]) -> list[str]:
    return []


def present(env: Mapping[str, str] | None = None) -> bool:
    return False


def settings_path(scope: str, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
    raise ValueError(f"{CLIENT} has no settings file: it has no hooks (import its export)")

