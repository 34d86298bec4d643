"""Generate a realistic ChatGPT data export of a given size.

    python bench/gen_chatgpt_export.py OUT --mb 500 [--seed 1] [--zip] [--split N]

``OUT`` is ``conversations.json`` (or, with ``--zip``, an export ``.zip`` holding it
beside ``chat.html`` and ``user.json``, as downloaded; with ``--split N``,
``conversations-000.json`` ... files of about N MB each in the folder ``OUT``).
Written as a stream: memory stays small whatever the size.

The format is ``../shared/reference/clients.md``'s (ChatGPT section): conversations
with a ``mapping`` of nodes (root with ``message: null``, a hidden system message,
user, assistant, tool messages), ``current_node``, ``default_model_slug``; the traps
at realistic rates: regenerated answers and edited questions (abandoned branches),
``thoughts`` and ``reasoning_recap`` of reasoning models, code and execution output,
``multimodal_text`` with image pointers, tool (browsing) messages, metadata as heavy
as the app's (about half of the bytes are not text).
"""

from __future__ import annotations

import argparse
import json
import random
import uuid
import zipfile
from pathlib import Path
from typing import Any, BinaryIO

MODELS = [("gpt-4o", 0.45), ("gpt-5", 0.25), ("o3", 0.1), ("gpt-4o-mini", 0.1), ("gpt-4", 0.1)]
WORDS = ("the of and to in is that for it as with was on be by this are or from at which an "
         "function return value python import error data model token energy footprint ledger "
         "carbon water request response system user thread branch export stream parse json "
         "because however therefore example question answer explain code test file").split()
T0 = 1_717_200_000.0  # 2024-06-01


def pick(rng: random.Random, items: list[tuple[str, float]]) -> str:
    x = rng.random()
    for name, w in items:
        x -= w
        if x <= 0:
            return name
    return items[-1][0]


def text(rng: random.Random, lo: int, hi: int) -> str:
    n = rng.randint(lo, hi)
    words = rng.choices(WORDS, k=n)
    out = []
    for i in range(0, n, 14):
        out.append(" ".join(words[i:i + 14]).capitalize() + ".")
    return " ".join(out)


def uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def node(rng: random.Random, nid: str, parent: str | None, role: str, ts: float, content: dict[str, Any],
         model: str | None, **meta: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {"citations": [], "content_references": [], "request_id": uid(rng)[:18],
                                "message_type": None, "timestamp_": "absolute"}
    if model:
        metadata.update(model_slug=model, default_model_slug=model, parent_id=parent, finish_details={
            "type": "stop", "stop_tokens": [200002]}, is_complete=True)
    metadata.update(meta)
    return {"id": nid, "parent": parent, "children": [], "message": {
        "id": nid, "author": {"role": role, "name": None, "metadata": {}}, "create_time": ts,
        "update_time": None, "content": content, "status": "finished_successfully",
        "end_turn": role == "assistant", "weight": 1.0, "metadata": metadata, "recipient": "all",
        "channel": None}}


def conversation(rng: random.Random, i: int) -> dict[str, Any]:
    cid = uid(rng)
    model = pick(rng, MODELS)
    ts = T0 + i * 600 + rng.random() * 300
    mapping: dict[str, Any] = {}
    root = uid(rng)
    mapping[root] = {"id": root, "parent": None, "children": [], "message": None}

    def add(n: dict[str, Any]) -> str:
        mapping[n["id"]] = n
        if n["parent"] is not None:
            mapping[n["parent"]]["children"].append(n["id"])
        return str(n["id"])

    last = add(node(rng, uid(rng), root, "system", ts, {"content_type": "text", "parts": [""]}, None,
                    is_visually_hidden_from_conversation=True))
    for _turn in range(rng.randint(1, 8)):
        ts += rng.random() * 60
        if rng.random() < 0.1:
            content: dict[str, Any] = {"content_type": "multimodal_text", "parts": [
                {"content_type": "image_asset_pointer", "asset_pointer": "file-service://file-" + uid(rng)[:22],
                 "size_bytes": rng.randint(10_000, 900_000), "width": 1024, "height": 768}, text(rng, 5, 40)]}
        else:
            content = {"content_type": "text", "parts": [text(rng, 5, 120)]}
        user = add(node(rng, uid(rng), last, "user", ts, content, None))
        if rng.random() < 0.07:  # an edited question: the first version's branch is abandoned
            ts += 5
            gone = add(node(rng, uid(rng), last, "user", ts, {"content_type": "text", "parts": [text(rng, 5, 60)]}, None))
            add(node(rng, uid(rng), gone, "assistant", ts + 3, {"content_type": "text", "parts": [text(rng, 20, 300)]}, model))
        parent = user
        if model in ("o3", "gpt-5") and rng.random() < 0.6:
            parent = add(node(rng, uid(rng), parent, "assistant", ts + 1, {"content_type": "thoughts", "thoughts": [
                {"summary": text(rng, 3, 8), "content": text(rng, 30, 200)}], "source_analysis_msg_id": uid(rng)}, model))
            parent = add(node(rng, uid(rng), parent, "assistant", ts + 2, {"content_type": "reasoning_recap",
                                                                           "content": "Thought for 12 seconds"}, model))
        if rng.random() < 0.15:  # code run by the tool, its output back
            call = node(rng, uid(rng), parent, "assistant", ts + 3, {"content_type": "code", "language": "unknown",
                                                                     "text": f"print(sum(range({rng.randint(1, 99)})))"}, model)
            call["message"]["recipient"] = "python"
            parent = add(call)
            parent = add(node(rng, uid(rng), parent, "tool", ts + 4, {"content_type": "execution_output",
                                                                      "text": str(rng.randint(1, 9999))}, None))
        answers = 2 if rng.random() < 0.1 else 1  # a regenerated answer: both were generated
        for _ in range(answers):
            last = add(node(rng, uid(rng), parent, "assistant", ts + 5, {"content_type": "text",
                                                                         "parts": [text(rng, 30, 500)]}, model))
    return {"title": text(rng, 2, 5), "create_time": T0 + i * 600, "update_time": ts, "mapping": mapping,
            "moderation_results": [], "current_node": last, "plugin_ids": None, "conversation_id": cid,
            "conversation_template_id": None, "gizmo_id": None, "gizmo_type": None, "is_archived": False,
            "is_starred": None, "safe_urls": [], "blocked_urls": [], "default_model_slug": model,
            "conversation_origin": None, "voice": None, "async_status": None, "disabled_tool_ids": [],
            "is_do_not_remember": False, "memory_scope": "global_enabled", "sugar_item_id": None, "id": cid}


def write_array(out: BinaryIO, rng: random.Random, target: int, start: int = 0) -> int:
    """Conversations as one JSON array until ``target`` bytes; returns the next index."""
    out.write(b"[")
    size, i = 1, start
    while size < target:
        chunk = (b"," if i > start else b"") + json.dumps(conversation(rng, i), ensure_ascii=False).encode()
        out.write(chunk)
        size += len(chunk)
        i += 1
    out.write(b"]")
    return i


def generate(out: Path, mb: float, seed: int = 1, as_zip: bool = False, split_mb: float = 0) -> Path:
    rng = random.Random(seed)
    target = int(mb * 1e6)
    if split_mb:
        out.mkdir(parents=True, exist_ok=True)
        i = k = 0
        while target > 0:
            part = int(min(target, split_mb * 1e6))
            with open(out / f"conversations-{k:03d}.json", "wb") as f:
                i = write_array(f, rng, part, i)
            target -= part
            k += 1
        return out
    if as_zip:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            zf.writestr("user.json", json.dumps({"id": "user-x", "email": "x@example.org"}))
            zf.writestr("chat.html", "<html></html>")
            with zf.open("conversations.json", "w", force_zip64=True) as member:
                write_array(member, rng, target)  # type: ignore[arg-type]
        return out
    with open(out, "wb") as f:
        write_array(f, rng, target)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--mb", type=float, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--zip", action="store_true")
    ap.add_argument("--split", type=float, default=0, help="split into conversations-NNN.json of N MB")
    a = ap.parse_args()
    path = generate(a.out, a.mb, a.seed, a.zip, a.split)
    print(path)


if __name__ == "__main__":
    main()
