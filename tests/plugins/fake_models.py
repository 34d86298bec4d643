"""A tiny local model server for the real clients: it speaks just enough of three
providers' streaming APIs for Codex, Gemini CLI and opencode to finish a turn offline,
and answers each request with the usage numbers the test chose.

- OpenAI Responses (``POST …/responses``, Codex's ``wire_api = "responses"``): server-sent
  events ``response.created``, ``response.output_item.done`` (one assistant message),
  ``response.completed`` with ``usage`` (``input_tokens`` includes the cached and
  cache-write tokens, ``output_tokens`` includes the reasoning tokens).
- OpenAI Chat Completions (``POST …/chat/completions``, opencode's
  ``@ai-sdk/openai-compatible``): ``chat.completion.chunk`` events, the last one with
  ``usage`` (``prompt_tokens`` includes ``prompt_tokens_details.cached_tokens``,
  ``completion_tokens`` includes ``completion_tokens_details.reasoning_tokens``).
- Gemini (``POST …/models/<model>:streamGenerateContent?alt=sse``, Gemini CLI with
  ``GOOGLE_GEMINI_BASE_URL``): one ``GenerateContentResponse`` with ``usageMetadata``
  (``promptTokenCount`` includes ``cachedContentTokenCount``; ``thoughtsTokenCount``
  is apart from ``candidatesTokenCount``).

Each model request takes the next planned :class:`Usage`; a request beyond the plan is
answered with an HTTP 400 and recorded in :attr:`FakeModels.unexpected`, so a test sees
a client that asked more than it expected instead of hanging on a retry loop.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Usage:
    """One model request's counts, as a provider reports them in parts: ``prompt`` is the
    whole prompt (fresh + cache read + cache write), ``output`` the visible output
    (without ``reasoning``)."""

    prompt: int
    cached: int = 0
    cache_write: int = 0
    output: int = 0
    reasoning: int = 0
    text: str = "Hello."
    #: Answer with a call of this tool (name, JSON arguments) instead of a message, so
    #: that the client runs it and asks again within the same turn (a Responses
    #: call_id is ``call_<name>``).
    call: tuple[str, str] | None = None
    #: The tool's namespace, for a tool offered inside one (Codex's ``multi_agent_v1``).
    namespace: str | None = None

    def buckets(self) -> dict[str, int]:
        """The ledger's buckets for this request (tests.hooks.helpers.BUCKETS)."""
        return {"input_tokens": self.prompt - self.cached - self.cache_write,
                "cache_write_tokens": self.cache_write, "cache_read_tokens": self.cached,
                "output_tokens": self.output, "reasoning_tokens": self.reasoning, "requests": 1}


def summed(*usages: Usage) -> dict[str, int]:
    out: dict[str, int] = {}
    for u in usages:
        for k, v in u.buckets().items():
            out[k] = out.get(k, 0) + v
    return out


def _sse(events: list[dict[str, Any]], named: bool) -> bytes:
    parts = []
    for e in events:
        head = f"event: {e['type']}\n" if named else ""
        parts.append(f"{head}data: {json.dumps(e)}\n\n")
    return "".join(parts).encode()


def responses_stream(u: Usage, n: int) -> bytes:
    rid = f"resp_fake_{n}"
    usage = {"input_tokens": u.prompt,
             "input_tokens_details": {"cached_tokens": u.cached, "cache_write_tokens": u.cache_write},
             "output_tokens": u.output + u.reasoning,
             "output_tokens_details": {"reasoning_tokens": u.reasoning},
             "total_tokens": u.prompt + u.output + u.reasoning}
    item: dict[str, Any] = {"type": "message", "role": "assistant", "id": f"msg_fake_{n}",
                            "content": [{"type": "output_text", "text": u.text}]}
    if u.call:
        item = {"type": "function_call", "id": f"fc_fake_{n}", "call_id": f"call_{u.call[0]}",
                "name": u.call[0], "arguments": u.call[1]}
        if u.namespace:
            item["namespace"] = u.namespace
    return _sse([{"type": "response.created", "response": {"id": rid}},
                 {"type": "response.output_item.done", "output_index": 0, "item": item},
                 {"type": "response.completed", "response": {"id": rid, "usage": usage}}], named=True)


def chat_stream(u: Usage, n: int, model: str) -> bytes:
    base = {"id": f"chatcmpl-fake-{n}", "object": "chat.completion.chunk", "created": 1_700_000_000,
            "model": model}
    usage = {"prompt_tokens": u.prompt, "completion_tokens": u.output + u.reasoning,
             "total_tokens": u.prompt + u.output + u.reasoning,
             "prompt_tokens_details": {"cached_tokens": u.cached},
             "completion_tokens_details": {"reasoning_tokens": u.reasoning}}
    delta: dict[str, Any] = {"role": "assistant", "content": u.text}
    finish = "stop"
    if u.call:
        delta = {"role": "assistant", "tool_calls": [
            {"index": 0, "id": f"call_{u.call[0]}_{n}", "type": "function",
             "function": {"name": u.call[0], "arguments": u.call[1]}}]}
        finish = "tool_calls"
    chunks = [{**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]},
              {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]},
              {**base, "choices": [], "usage": usage}]
    return b"".join(f"data: {json.dumps(c)}\n\n".encode() for c in chunks) + b"data: [DONE]\n\n"


def gemini_stream(u: Usage, n: int, model: str) -> bytes:
    parts: list[dict[str, Any]] = [{"text": u.text}]
    if u.call:
        parts = [{"functionCall": {"name": u.call[0], "args": json.loads(u.call[1])}}]
    response = {"candidates": [{"content": {"role": "model", "parts": parts},
                                "finishReason": "STOP", "index": 0}],
                "usageMetadata": {"promptTokenCount": u.prompt, "cachedContentTokenCount": u.cached,
                                  "candidatesTokenCount": u.output, "thoughtsTokenCount": u.reasoning,
                                  "totalTokenCount": u.prompt + u.output + u.reasoning},
                "modelVersion": model, "responseId": f"fake-{n}"}
    return f"data: {json.dumps(response)}\r\n\r\n".encode()


@dataclass
class FakeModels:
    """The planned answers and what the clients asked (path, JSON body)."""

    plan: list[Usage]
    #: A request this says is a side request (a title, a summary) gets its Usage instead
    #: of the next planned one.
    aside: Callable[[dict[str, Any]], Usage | None] = lambda _body: None
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, path: str, body: dict[str, Any]) -> tuple[int, str, bytes]:
        with self._lock:
            self.requests.append((path, body))
            usage = self.aside(body)
            if usage is None:
                if not self.plan:
                    self.unexpected.append(path)
                    return 400, "application/json", b'{"error": {"message": "no more planned answers"}}'
                usage = self.plan.pop(0)
            n = len(self.requests)
        model = str(body.get("model") or path.rsplit("/", 1)[-1].split(":")[0])
        if path.split("?")[0].endswith("/responses"):
            return 200, "text/event-stream", responses_stream(usage, n)
        if path.split("?")[0].endswith("/chat/completions"):
            return 200, "text/event-stream", chat_stream(usage, n, model)
        if ":streamGenerateContent" in path:
            return 200, "text/event-stream", gemini_stream(usage, n, model)
        self.unexpected.append(path)
        return 404, "application/json", b'{"error": {"message": "not faked"}}'


@contextmanager
def serve(fake: FakeModels) -> Iterator[FakeModels]:
    """Run ``fake`` on 127.0.0.1 (a free port) for the ``with`` block; ``fake.url`` is
    its root (``http://127.0.0.1:PORT``)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base's name)
            pass

        def _reply(self, status: int, ctype: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("content-type", ctype)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # model lists and probes: nothing to offer
            self._reply(200, "application/json", b'{"object": "list", "data": [], "models": []}')

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("content-length") or 0))
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = {}
            self._reply(*fake.answer(self.path, body if isinstance(body, dict) else {}))

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
