"""An aider user's files in the real formats, with every trap of
``shared/reference/clients.md``, and the buckets they must give, computed by hand.

Formats from aider's source (Aider-AI/aider, 2026-05): ``aider/analytics.py``
(``Analytics.event``: ``json.dump`` with its default separators, then ``"\\n"``;
``_redact_model_name``), ``aider/coders/base_coder.py`` (``show_usage_report``,
``calculate_and_show_tokens_and_cost``, ``get_announcements``), ``aider/io.py``
(``append_chat_history``: ``> `` quotes and a trailing ``"  \\n"``), ``aider/utils.py``
(``format_tokens``). Times are UTC: the tests run with ``TZ=UTC`` (the history's
header is local time).

Layout (``user`` = ``$HOME``, ``repo`` = the current folder, a git repository)::

    user/.aider.conf.yml               analytics-log: ~/.aider/analytics.jsonl
    user/.aider/analytics.jsonl        HOME_LOG: every analytics trap, a torn last line
    repo/.git/
    repo/.aider.conf.yml               analytics-log: "logs/analytics-repo.jsonl" (relative)
    repo/logs/analytics-repo.jsonl     REPO_LOG: one send, a redacted openrouter model
    repo/.aider.chat.history.md        HISTORY: four sessions, one also in HOME_LOG
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

USER_ID = "c42c4e6b-f054-44d7-ae1f-6726cc41da88"
PRO, FLASH = "gemini/gemini-2.5-pro", "gemini/gemini-2.5-flash"
REDACTED, NONE, OR_REDACTED = "gemini/REDACTED", "None", "openrouter/REDACTED"
SONNET = "anthropic/claude-sonnet-4-20250514"

#: aider's own launch of the covered history session, 2 s after its header.
LAUNCH_1 = 1755100400  # 2025-08-13T15:53:20Z
LAUNCH_2 = 1755200000  # 2025-08-14T19:33:20Z
LAUNCH_REPO = 1755299990


def line(obj: Any) -> str:
    """One line as aider writes it (``json.dump``: ``", "`` and ``": "``)."""
    return json.dumps(obj) + "\n"


def event(name: str, t: int, **props: Any) -> dict[str, Any]:
    return {"event": name, "properties": props, "user_id": USER_ID, "time": t}


def send(t: int, model: str | None, prompt: Any, completion: Any, cost: float = 0.0,
         total_cost: float = 0.0, edit_format: str = "diff") -> dict[str, Any]:
    weak = "gemini/gemini-2.5-flash-lite" if model and model.startswith("gemini/") else "None"
    props: dict[str, Any] = {"main_model": model, "weak_model": weak, "editor_model": model,
                             "edit_format": edit_format, "prompt_tokens": prompt,
                             "completion_tokens": completion, "cost": cost, "total_cost": total_cost}
    if isinstance(prompt, int) and isinstance(completion, int):
        props["total_tokens"] = prompt + completion
    if model is None:
        del props["main_model"]
    return event("message_send", t, **props)


#: The real line of clients.md (aider's sample-analytics.jsonl, line 54).
REAL = ('{"event": "message_send", "properties": {"main_model": "gemini/gemini-2.5-pro", "weak_model": '
        '"gemini/gemini-2.5-flash-lite", "editor_model": "gemini/gemini-2.5-pro", "edit_format": "ask", '
        '"prompt_tokens": 10006, "completion_tokens": 81, "total_tokens": 10087, "cost": 0.013317500000000001, '
        '"total_cost": 0.013317500000000001}, "user_id": "c42c4e6b-f054-44d7-ae1f-6726cc41da88", '
        '"time": 1755100406}\n')

TWIN = line(send(1755100700, FLASH, 400, 40))  # written twice in the same second: two events
#: The send whose line is torn at the end of the file (then completed).
TORN = line(send(1755200200, SONNET, 1000, 100, 0.005, 0.065))


def home_log_complete() -> str:
    return "".join([
        line(event("launched", LAUNCH_1)),
        line(event("repo", LAUNCH_1, num_files=412)),
        line(event("auto_commits", LAUNCH_1, enabled=True)),
        line(event("message_send_starting", 1755100401)),
        REAL,
        line(event("message_send_starting", 1755100490)),
        line(send(1755100500, REDACTED, 2000, 100, 0.0, 0.0133175)),  # no price: cost 0, not stored
        line(send(1755100600, NONE, 3000, 300, 0.5, 0.5133175)),  # a model without a provider
        TWIN,
        TWIN,
        line(send(1755100700, FLASH, 500, 50)),  # another send in the same second
        '{"event": "message_send", "properties": {"main_model": "gemini/gemi\n',  # torn write
        line(send(1755100800, PRO, -5, 10)),  # a count that is not one
        line(send(1755100810, PRO, 2 * 10**9, 10)),  # beyond any request
        line(send(1262304000, PRO, 10, 10)),  # 2010: before any LLM API
        line(event("message_send_exception", 1755100900, exception="litellm.APIError: message_send")),
        line(event("command_model", 1755100950, note='"message_send" in a string')),
        line(event("exit", 1755101000, reason="Completed main CLI coder.run")),
        line(event("launched", LAUNCH_2)),
        line(send(1755200100, SONNET, 15000, 500, 0.06, 0.06)),
        TORN,
    ])


def home_log() -> str:
    """The log as found: its last line half written."""
    full = home_log_complete()
    return full[: len(full) - len(TORN) + 60]


def repo_log() -> str:
    return line(event("launched", LAUNCH_REPO)) + line(send(1755300000, OR_REDACTED, 700, 70, 0.001, 0.001))


_HISTORY_TEXT = """
# aider chat started at 2025-08-10 09:00:00

> Aider v0.85.2
> Model: gpt-4o with diff edit format
> Git repo: .git with 412 files
> Repo-map: using 4096 tokens, auto refresh

#### fix the "> Tokens: 1k sent, 1 received." parser

The parser now reads it.

> Tokens: 2.3k sent, 512 received. Cost: $0.0063 message, $0.0063 session.

#### /model gpt-4.1

> Aider v0.85.2
> Model: gpt-4.1 with diff edit format
> Git repo: .git with 412 files

#### and the tests

Done.

> Tokens: 12,345 sent, 1,024 received.

# aider chat started at 2025-08-13 15:53:18

> Aider v0.85.2
> Main model: gemini/gemini-2.5-pro with ask edit format
> Weak model: gemini/gemini-2.5-flash-lite

#### what does this repo do?

It reads logs.

> Tokens: 10k sent, 81 received. Cost: $0.01 message, $0.01 session.

# aider chat started at 2025-08-14 10:00:00

> Aider v0.86.0
> Main model: anthropic/claude-sonnet-4-5-20250929 with diff edit format, prompt cache, infinite output
> Weak model: anthropic/claude-3-5-haiku-20241022

#### refactor

Here it is.

> Tokens: 15k sent, 14k cache write, 1.2k cache hit, 500 received.
Cost: $0.06 message, $0.07 session.

#### again

> Tokens: 3.4k sent, 3.3k cache hit, 200 received. Cost: $0.0021 message, $0.07 session.

# aider chat started at 2025-08-15 11:00:00

> Aider v0.86.0
> Model: deepseek/deepseek-chat with diff edit format, prompt cache, infinite output

#### hi

> Tokens: 9.5k sent, 8.2k cache hit, 300 received. Cost: $0.0014 message, $0.0014 session.
"""


def _linebreaks(text: str) -> str:
    """aider's ``append_chat_history(..., linebreak=True)``: tool output (``> ``, and the
    unquoted rest of a two-line report) and the user's input (``#### ``) end in two spaces."""
    return "".join(ln + "  \n" if ln.startswith((">", "####", "Cost:")) else ln + "\n"
                   for ln in text.split("\n")[:-1])


HISTORY = _linebreaks(_HISTORY_TEXT)

HOME_CONF = "# my aider settings\nmodel: gemini/gemini-2.5-pro\nanalytics-log: ~/.aider/analytics.jsonl\n"
REPO_CONF = 'auto-commits: false\nanalytics-log: "logs/analytics-repo.jsonl"  # this repo only\n'


def build(user: Path, repo: Path) -> dict[str, Path]:
    """Write the layout; returns its files."""
    (user / ".aider").mkdir(parents=True, exist_ok=True)
    (user / ".aider.conf.yml").write_text(HOME_CONF)
    home_path = user / ".aider" / "analytics.jsonl"
    home_path.write_text(home_log())
    (repo / ".git").mkdir(parents=True, exist_ok=True)
    (repo / ".aider.conf.yml").write_text(REPO_CONF)
    (repo / "logs").mkdir(exist_ok=True)
    repo_path = repo / "logs" / "analytics-repo.jsonl"
    repo_path.write_text(repo_log())
    history = repo / ".aider.chat.history.md"
    history.write_text(HISTORY)
    return {"home_log": home_path, "repo_log": repo_path, "history": history}


def complete_torn_line(path: Path) -> None:
    """aider finishes writing the torn last line."""
    full = home_log_complete()
    done = path.read_text()
    path.write_text(done + full[len(done):])


Z = {"input_tokens": 0, "cache_write_tokens": 0, "cache_read_tokens": 0, "output_tokens": 0,
     "reasoning_tokens": 0, "requests": 0}


def b(inp: int = 0, cw: int = 0, cr: int = 0, out: int = 0, req: int = 1) -> dict[str, int]:
    return {**Z, "input_tokens": inp, "cache_write_tokens": cw, "cache_read_tokens": cr,
            "output_tokens": out, "requests": req}


#: (UTC day, model) -> buckets, by hand, after the first import (the torn line left).
EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    # analytics (exact): prompt_tokens -> input, completion_tokens -> output
    ("2025-08-13", PRO): b(10006, out=81),
    ("2025-08-13", REDACTED): b(2000, out=100),
    ("2025-08-13", NONE): b(3000, out=300),
    ("2025-08-13", FLASH): b(400 + 400 + 500, out=40 + 40 + 50, req=3),
    ("2025-08-14", SONNET): b(15000, out=500),
    ("2025-08-15", OR_REDACTED): b(700, out=70),
    # chat history (rounded reports); the 2025-08-13 session is the analytics log's
    ("2025-08-10", "gpt-4o"): b(2300, out=512),
    ("2025-08-10", "gpt-4.1"): b(12345, out=1024),
    ("2025-08-14", "anthropic/claude-sonnet-4-5-20250929"): b(15000 - 14000 + 3400, 14000, 1200 + 3300,
                                                             500 + 200, req=2),
    ("2025-08-15", "deepseek/deepseek-chat"): b(9500 - 8200, 0, 8200, 300),
}
#: After the torn line is completed.
EXPECTED_COMPLETED = {**EXPECTED, ("2025-08-14", SONNET): b(15000 + 1000, out=500 + 100, req=2)}
HOME_SKIPS = {"invalid-json": 1, "bad-usage": 1, "absurd-count": 1, "far-instant": 1}
HISTORY_SKIPS = {"in-analytics-log": 1}
