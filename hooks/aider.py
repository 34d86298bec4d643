"""aider: where an analytics-log line (or a chat-history report line) becomes a ledger event.

aider has no hook system: nothing here runs on the hook path (``INSTALL = ()``,
``hook_paths`` gives nothing), so ``tokenprint import aider`` is the only way in.
The parser is still standard library only, like every adapter's; PyYAML (reading
``.aider.conf.yml``) is imported inside the functions that find the files.

**Analytics log** (``aider/analytics.py``, ``Analytics.event``): with
``--analytics-log FILE`` (or ``analytics-log:`` in ``.aider.conf.yml``, or
``$AIDER_ANALYTICS_LOG``) aider appends, even when analytics are opted out, one
``json.dump`` per event, then ``"\\n"`` (two writes: a line may lack its newline for a
moment)::

    {"event": "message_send", "properties": {"main_model": "gemini/gemini-2.5-pro",
     "weak_model": ..., "editor_model": ..., "edit_format": "ask", "prompt_tokens": 10006,
     "completion_tokens": 81, "total_tokens": 10087, "cost": 0.0133175,
     "total_cost": 0.0133175}, "user_id": "c42c4e6b-...", "time": 1755100406}

- one ``message_send`` per user message (``Coder.show_usage_report``,
  ``aider/coders/base_coder.py``): its ``prompt_tokens`` is ``message_tokens_sent``,
  summed over every completion of that message (a response cut by the output limit is
  continued in another call, ``FinishReasonLength``), so one event may be more than
  one request; how many is not written: the event counts as one;
- ``prompt_tokens`` includes cache writes (``message_tokens_sent += prompt_tokens +
  cache_write_tokens`` when the API reports caching) and excludes Anthropic's cache
  hits; the log gives no split, so it all goes to ``input_tokens`` (cache buckets 0).
  It is aider's own local estimate when the API returned no usage;
- ``completion_tokens`` goes to ``output_tokens`` (reasoning, if any, is inside it:
  no split is written);
- ``main_model`` is redacted by aider (``Analytics._redact_model_name``) to
  ``<provider>/REDACTED`` for a model outside its list, and to the string ``"None"``
  for one without a provider (``None`` made a string by ``str(value)``): the tokens
  count, the name is kept as given, and the ledger's model table sizes it as an
  unknown model with a warning (``tokenprint models --resolve gemini/REDACTED``);
- ``cost`` is the message's cost as aider computed it: the reported cost. aider
  reports 0 for a model it has no price for, so 0 is stored as no reported cost
  (tokenprint's price table estimates it instead);
- the instant is ``time`` (integer seconds); the session is the latest ``launched``
  event before the send (``aider-<its time>``), the project unknown;
- the event id is ``<user_id>:<time>:<hash of the line's bytes>``, with ``:<n>`` for the
  n-th identical line of the same second: stable across re-reads and copies of the
  file, and two sends in the same second stay two events.

**Chat history fallback** (``.aider.chat.history.md`` at the git root,
``aider/io.py``: ``InputOutput.append_chat_history``): each session starts with
``# aider chat started at YYYY-MM-DD HH:MM:SS`` (local time), tool output is quoted
(``> ``), the model in ``> Model: X with ... edit format`` or ``> Main model: X with
...`` (``Coder.get_announcements``), and after each message a report line
(``calculate_and_show_tokens_and_cost``)::

    > Tokens: 10k sent, 2.1k cache write, 5.0k cache hit, 81 received. Cost: $0.01 message, $0.02 session.

Numbers are rounded (``aider/utils.py: format_tokens``: ``999``, ``1.2k``, ``10k``;
before August 2024 ``12,345``), so these events are marked estimated
(``tokens_estimated="aider-report"``). ``sent`` includes the cache write (as the log's
``prompt_tokens`` does): input = sent - cache write, cache write, cache read = cache
hit (an older ``N cached`` likewise), output = received. DeepSeek counts its cache hits
inside ``sent`` (``compute_costs_from_tokens``: hit + miss == prompt_tokens): for a
``deepseek`` model they are taken out of input too. The cost is the ``$x message``
figure when on the same line (aider puts it on the next line, unquoted, when the report
has both a cache write and a cache hit: then no cost is taken). The event id is
``md:<session start>:<n>:<hash chain of the session's lines>``: a copy of the file
gives the same ids, another repository's session started in the same second does not.

**Both for the same session**: the analytics log wins. A history session is passed
over (a counted skip, ``in-analytics-log``) when an analytics log found by this import
(or named by a ``.aider.conf.yml`` or ``$AIDER_ANALYTICS_LOG``) has a ``launched``
event from its start to :data:`COVER_WINDOW_S` after it: aider writes the history
header when it opens its ``InputOutput`` and logs ``launched`` a little later in
``main()`` (after the analytics opt-in question, the one wait in between). The local
time of the header is read in this machine's time zone.

Where the files are (``aider/main.py``, ``aider/args.py``): ``.aider.conf.yml`` is
read from the home folder, the git root and the current folder, in that order, a
later one overriding an earlier one (configargparse reads ``default_config_files``
reversed); ``$AIDER_ANALYTICS_LOG`` overrides them all. aider opens the log path as
given, relative to its own working folder: a relative path is looked for beside the
config file, in the current folder and at its git root, and ``~`` is expanded (which
aider itself does not do). For the default import every log any of them names is
read (each held the usage of the runs that used it), with the chat history of the
current folder's git root (or of the current folder).
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from hooks.fields import count as _count
from hooks.fields import decode as _decode
from hooks.fields import latest_ms
from hooks.fields import resolve as _resolve
from hooks.fields import skip as _skip
from hooks.fields import text as _text
from hooks.tail import Parsed
from ledger.events import (
    ABSURD_COUNT,
    EARLIEST_MS,
    FAR_INSTANT,
    LONG_TEXT,
    MAX_COST_USD_PER_REQUEST,
    MAX_TEXT_CHARS,
    MAX_TOKENS_PER_REQUEST,
    Event,
)

try:  # hashlib's own blake2b, without loading OpenSSL (as hooks.tail)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - a Python built without it
    from hashlib import blake2b

CLIENT = "aider"
NAME = "aider"
#: What ``import`` and ``hooks status`` call its sources.
SOURCE_NOUN = "logs"
SOURCE = "analytics-log"
HISTORY_SOURCE = "chat-history"
#: How the chat history's rounded report counts are marked.
ESTIMATE = "aider-report"
#: Read positions carry the adapter's state (file kind, session, duplicates, model).
STATEFUL = True
UNKNOWN_MODEL = "unknown"
#: Seconds after a history session's header within which a ``launched`` event of an
#: analytics log makes it the same aider run.
COVER_WINDOW_S = 300
#: Seconds before the header still accepted (the two clocks are read a moment apart).
COVER_SLACK_S = 5

CONF_NAME = ".aider.conf.yml"
HISTORY_NAME = ".aider.chat.history.md"
CONF_KEY = "analytics-log"
ENV_LOG = "AIDER_ANALYTICS_LOG"
#: Skip reasons of this adapter (labels in ``hooks.backfill.SKIP_LABELS``).
COVERED = "in-analytics-log"
NO_SESSION = "no-session"

_loads = json.loads
#: A line that may be one of ours (json.dump writes the event name unescaped).
_WANTED = re.compile(rb'"(?:message_send|launched)"')


# -- the pure part: analytics log -------------------------------------------------------


def _cost(value: Any) -> float | None:
    """The reported cost in USD, or None (absent, not a finite number, 0: aider's "no price")."""
    if (type(value) is float or type(value) is int) and math.isfinite(value) and value > 0:
        return float(value) if value <= MAX_COST_USD_PER_REQUEST else None
    return None


def _provider(model: str) -> str | None:
    head, sep, _rest = model.partition("/")
    return head if sep and head else None


def _analytics_record(
    obj: Any, line: bytes, state: dict[str, Any], skips: dict[str, int], latest: int
) -> Event | None:
    if type(obj) is not dict:
        _skip(skips, "not-an-object")
        return None
    name = obj.get("event")
    if name == "launched":
        t = obj.get("time")
        if type(t) is int or (type(t) is float and math.isfinite(t)):
            state["session"] = f"aider-{int(t)}"
        return None
    if name != "message_send":
        return None  # message_send_starting, message_send_exception, ...
    props = obj.get("properties")
    if type(props) is not dict:
        _skip(skips, "bad-usage")
        return None
    t = obj.get("time")
    if not (type(t) is int or (type(t) is float and math.isfinite(t))):
        _skip(skips, "bad-timestamp")
        return None
    ts_ms = int(t * 1000)
    if ts_ms < EARLIEST_MS or ts_ms > latest:
        _skip(skips, FAR_INSTANT)
        return None
    try:
        prompt = _count(props, "prompt_tokens")
        completion = _count(props, "completion_tokens")
    except ValueError:
        _skip(skips, "bad-usage")
        return None
    if max(prompt, completion) > MAX_TOKENS_PER_REQUEST:
        _skip(skips, ABSURD_COUNT)
        return None
    model = props.get("main_model")
    model = model if type(model) is str and model.strip() else UNKNOWN_MODEL
    user = _text(obj.get("user_id")) or ""
    if len(model) > MAX_TEXT_CHARS or len(user) > MAX_TEXT_CHARS // 2:
        _skip(skips, LONG_TEXT)
        return None
    model = _text(model) or UNKNOWN_MODEL
    digest = blake2b(line, digest_size=8).hexdigest()
    second = int(t)
    dup = state.get("dup")
    if not isinstance(dup, dict) or dup.get("t") != second:
        dup = {"t": second, "d": {}}
    seen = dup["d"]
    n = seen.get(digest, 0)
    seen[digest] = n + 1
    state["dup"] = dup
    event_id = f"{user}:{second}:{digest}" + (f":{n}" if n else "")
    return Event(CLIENT, event_id, model, ts_ms, _provider(model), state.get("session"), None,
                 prompt, 0, 0, completion, 0, 1, _cost(props.get("cost")), SOURCE)


def _parse_lines(data: bytes, at_eof: bool, loads: Callable[[bytes], Any], state: dict[str, Any]) -> Parsed:
    events: list[Event] = []
    skips: dict[str, int] = {}
    latest = latest_ms()
    consumed = data.rfind(b"\n") + 1
    pos = 0
    search = _WANTED.search
    while pos < consumed:
        nl = data.find(b"\n", pos, consumed)
        line = data[pos:nl].strip()
        pos = nl + 1
        if not line or search(line) is None:
            continue
        ok, obj = _decode(line, loads, skips)
        if ok:
            ev = _analytics_record(obj, line, state, skips, latest)
            if ev is not None:
                events.append(ev)
    if at_eof and consumed < len(data):
        # An unterminated last line that already parses is complete (aider writes the
        # object, then the newline); one that does not is left for the next read.
        tail = data[consumed:].strip()
        if not tail:
            consumed = len(data)
        elif tail[:1] == b"{" and tail[-1:] == b"}":
            try:
                obj = loads(tail)
            except Exception:  # noqa: BLE001 - still being written
                obj = None
            if obj is not None:
                consumed = len(data)
                if search(tail) is not None:
                    ev = _analytics_record(obj, tail, state, skips, latest)
                    if ev is not None:
                        events.append(ev)
    return Parsed(events, consumed, skips)


# -- the pure part: chat history ----------------------------------------------------------

_HEADER = re.compile(r"^# aider chat started at (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})\s*$")
_MODEL = re.compile(r"^> (?:Main model|Model): (\S+?)(?: with | using |\s*$)")
_NUM = r"\d[\d,]*(?:\.\d+)?k?"
_TOKENS = re.compile(
    rf"^> Tokens: (?P<sent>{_NUM}) sent(?P<parts>(?:, {_NUM} [a-z][a-z ]*?)*), (?P<recv>{_NUM}) received\."
    r"(?: Cost: \$(?P<cost>\d+(?:\.\d+)?) (?:message|request))?"
)
_PART = re.compile(rf", ({_NUM}) ([a-z][a-z ]*?)(?=,|$)")


def report_number(text: str) -> int:
    """A count as aider prints it: ``81``, ``1.2k``, ``10k``, ``12,345``."""
    text = text.replace(",", "")
    if text.endswith("k"):
        return round(float(text[:-1]) * 1000)
    return round(float(text))


def local_ms(text: str) -> int:
    """``YYYY-MM-DD HH:MM:SS`` in this machine's time zone, as UTC epoch ms (aider
    writes the header with ``datetime.now()``)."""
    t = text
    dt = datetime(int(t[0:4]), int(t[5:7]), int(t[8:10]), int(t[11:13]), int(t[14:16]), int(t[17:19]))
    return int(dt.timestamp()) * 1000


def covered(start_ms: int, launches: Iterable[int]) -> bool:
    """Whether an analytics ``launched`` instant (epoch s) belongs to the run whose
    history header says ``start_ms``."""
    s = start_ms // 1000
    return any(s - COVER_SLACK_S <= t <= s + COVER_WINDOW_S for t in launches)


def _history_report(
    m: re.Match[str], state: dict[str, Any], skips: dict[str, int], latest: int, chain: str
) -> Event | None:
    start = state.get("start")
    if not isinstance(start, int):
        _skip(skips, NO_SESSION)
        return None
    if state.get("covered"):
        _skip(skips, COVERED)
        return None
    if start < EARLIEST_MS or start > latest:
        _skip(skips, FAR_INSTANT)
        return None
    sent = report_number(m["sent"])
    received = report_number(m["recv"])
    write = hit = 0
    for num, label in _PART.findall(m["parts"] or ""):
        if label == "cache write":
            write += report_number(num)
        elif label in ("cache hit", "cached"):
            hit += report_number(num)
    model = state.get("model") or UNKNOWN_MODEL
    fresh = max(sent - write, 0)
    if "deepseek" in model.lower():
        fresh = max(fresh - hit, 0)
    if max(fresh, write, hit, received) > MAX_TOKENS_PER_REQUEST:
        _skip(skips, ABSURD_COUNT)
        return None
    n = int(state.get("n", 0)) + 1
    state["n"] = n
    cost = _cost(float(m["cost"])) if m["cost"] else None
    event_id = f"md:{start}:{n}:{chain[:16]}"
    return Event(CLIENT, event_id, model, start, _provider(model), f"aider-{start // 1000}", None,
                 fresh, write, hit, received, 0, 1, cost, HISTORY_SOURCE, ESTIMATE)


#: The lines the history is read by: quoted tool output (``> ``) and headers or the
#: user's input (``#``). The assistant's text, most of the bytes, is passed over in C.
_MARKED = re.compile(rb"^[#>][^\n]*", re.M)


def _parse_history(data: bytes, state: dict[str, Any], launches: Iterable[int]) -> Parsed:
    """Complete lines only (aider writes each line whole, newline included).

    ``state["h"]`` chains a hash over the session's header and its marked lines (tool
    output, the user's input), line by line, so that it does not depend on where a read
    stops: the report's event id carries it."""
    events: list[Event] = []
    skips: dict[str, int] = {}
    latest = latest_ms()
    consumed = data.rfind(b"\n") + 1
    held = state.get("h")
    chain: bytes | None = bytes.fromhex(held) if isinstance(held, str) else None
    for found in _MARKED.finditer(data, 0, consumed):
        line = found[0].rstrip()
        if line.startswith(b"# aider chat started at "):
            m = _HEADER.match(line.decode("utf-8", "replace"))
            if m is not None:
                try:
                    start: int | None = local_ms(m[1])
                except (ValueError, OverflowError, OSError):
                    start = None
                state.clear()
                state["mode"] = "md"
                state["start"] = start
                state["n"] = 0
                state["covered"] = start is not None and covered(start, launches)
                chain = blake2b(line, digest_size=16).digest()
                continue
        if chain is not None:
            chain = blake2b(chain + line, digest_size=16).digest()
        if line.startswith(b"> Tokens: "):
            tm = _TOKENS.match(line.decode("utf-8", "replace"))
            if tm is not None:
                ev = _history_report(tm, state, skips, latest, chain.hex() if chain is not None else "")
                if ev is not None:
                    events.append(ev)
        elif line.startswith((b"> Model: ", b"> Main model: ")):
            mm = _MODEL.match(line.decode("utf-8", "replace"))
            if mm is not None and len(mm[1]) <= MAX_TEXT_CHARS:
                state["model"] = _text(mm[1])
    if chain is not None:
        state["h"] = chain.hex()
    return Parsed(events, consumed, skips)


def parse(
    data: bytes,
    at_eof: bool,
    loads: Callable[[bytes], Any] = _loads,
    state: dict[str, Any] | None = None,
    launches: Iterable[int] | None = None,
) -> Parsed:
    """Events from analytics-log or chat-history bytes that start at a line boundary.

    ``state`` is the file's context carried between reads (updated in place; {} or
    None at the start of a file): ``mode`` (``jsonl`` or ``md``, decided by the first
    non-blank byte: ``{`` is an analytics log), and the session, duplicates, model and
    hash chain of each kind. ``launches``: the ``launched`` instants (epoch s) of the
    analytics logs known (default: :func:`known_launches`), for the history's rule.
    Never raises on what the bytes hold: a bad line is skipped and counted.
    """
    if state is None:
        state = {}
    mode = state.get("mode")
    if mode is None:
        head = data.lstrip()[:1]
        if not head:
            consumed = len(data) if at_eof else data.rfind(b"\n") + 1
            return Parsed([], consumed)  # only blank lines so far
        mode = "jsonl" if head == b"{" else "md"
        state["mode"] = mode
    if mode == "jsonl":
        return _parse_lines(data, at_eof, loads, state)
    return _parse_history(data, state, known_launches() if launches is None else launches)


# -- where the files are --------------------------------------------------------------------

#: Analytics logs known to this process (found by :func:`transcripts`), whose
#: ``launched`` events decide which history sessions they cover.
_LOGS: set[str] = set()
#: path -> ((size, mtime_ns), launched instants): read once per change of the file.
_LAUNCHES: dict[str, tuple[tuple[int, int], list[int]]] = {}


def register_logs(paths: Iterable[str]) -> None:
    _LOGS.update(paths)


def launches_in(path: str) -> list[int]:
    """The ``launched`` instants (epoch s) of one analytics log (cached by size and mtime)."""
    try:
        st = os.stat(path)
    except OSError:
        return []
    key = (st.st_size, st.st_mtime_ns)
    hit = _LAUNCHES.get(path)
    if hit is not None and hit[0] == key:
        return hit[1]
    found: list[int] = []
    try:
        with open(path, "rb") as f:
            for line in f:
                if b'"launched"' not in line:
                    continue
                try:
                    obj = json.loads(line)
                except ValueError:
                    continue
                if not isinstance(obj, dict) or obj.get("event") != "launched":
                    continue
                t = obj.get("time")
                if (type(t) is int or type(t) is float) and math.isfinite(t):
                    found.append(int(t))
    except OSError:
        return []
    _LAUNCHES[path] = (key, found)
    return found


def known_launches() -> list[int]:
    """Every ``launched`` instant of the analytics logs known (registered, and those the
    default configuration names)."""
    out: list[int] = []
    for path in sorted(_LOGS | set(map(str, configured_logs()))):
        out += launches_in(path)
    return out


def git_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding ``.git`` (a folder or a file)."""
    for d in (start, *start.parents):
        if (d / ".git").exists():
            return d
    return None


def config_files(cwd: Path | None = None) -> list[Path]:
    """The ``.aider.conf.yml`` aider reads, in its order (later overrides earlier):
    home, git root, current folder; each once."""
    cwd = cwd or Path.cwd()
    out = [Path.home() / CONF_NAME]
    root = git_root(cwd)
    if root is not None:
        out.append(root / CONF_NAME)
    out.append(cwd / CONF_NAME)
    return list(dict.fromkeys(out))


def conf_value(path: Path) -> str | None:
    """The ``analytics-log`` a config file sets, or None (absent, unreadable, not YAML)."""
    try:
        raw = path.read_bytes()[: 1 << 20]
    except OSError:
        return None
    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML is a dependency; a plain key still reads
        m = re.search(rb"^analytics-log:\s*['\"]?([^'\"#\r\n]+?)['\"]?\s*(?:#.*)?$", raw, re.M)
        return m[1].decode("utf-8", "replace") if m else None
    try:
        data = yaml.safe_load(raw)
    except Exception:  # noqa: BLE001 - a file aider would refuse too: nothing to read from it
        return None
    value = data.get(CONF_KEY) if isinstance(data, dict) else None
    return value if isinstance(value, str) and value.strip() else None


def log_candidates(value: str, beside: Path, cwd: Path | None = None) -> list[Path]:
    """Where a configured log path may be: ``~`` expanded; a relative one beside the
    config file, in the current folder and at its git root (aider opens it relative
    to its own working folder)."""
    cwd = cwd or Path.cwd()
    p = Path(os.path.expanduser(value.strip()))
    if p.is_absolute():
        return [p]
    bases = [beside, cwd]
    root = git_root(cwd)
    if root is not None:
        bases.append(root)
    return list(dict.fromkeys(b / p for b in bases))


def configured_logs(env: Mapping[str, str] | None = None, cwd: Path | None = None) -> list[Path]:
    """The analytics logs that exist among those ``$AIDER_ANALYTICS_LOG`` and the config
    files name (every one of them: each held the usage of the runs that used it)."""
    env = os.environ if env is None else env
    cwd = cwd or Path.cwd()
    found: list[Path] = []
    raw = env.get(ENV_LOG, "").strip()
    if raw:
        found += log_candidates(raw, cwd, cwd)
    for conf in config_files(cwd):
        value = conf_value(conf)
        if value is not None:
            found += log_candidates(value, conf.parent, cwd)
    out: list[Path] = []
    for p in dict.fromkeys(found):
        try:
            if p.is_file():
                out.append(p)
        except OSError:
            continue
    return out


def history_files(cwd: Path | None = None) -> list[Path]:
    """The chat history aider writes by default: at the git root, else in the current folder."""
    cwd = cwd or Path.cwd()
    root = git_root(cwd)
    out = [(root or cwd) / HISTORY_NAME]
    if root is not None and root != cwd:
        out.append(cwd / HISTORY_NAME)
    return [p for p in out if p.is_file()]


def default_roots(env: Mapping[str, str] | None = None) -> list[Path]:
    """The analytics logs named by ``$AIDER_ANALYTICS_LOG`` and the config files, and the
    current project's chat history, those that exist."""
    return [*configured_logs(env), *history_files()]


def search_roots() -> list[Path]:
    """Where the default import looks, existing or not (for messages)."""
    cwd = Path.cwd()
    return [*config_files(cwd), (git_root(cwd) or cwd) / HISTORY_NAME]


def present(env: Mapping[str, str] | None = None) -> bool:
    """aider is on this machine: ``aider`` on PATH, a ``.aider.conf.yml`` read by it, or
    an analytics log."""
    import shutil

    env = os.environ if env is None else env
    if shutil.which("aider", path=env.get("PATH")) is not None:
        return True
    if any(p.is_file() for p in config_files()):
        return True
    return bool(configured_logs(env))


def is_analytics_name(name: str) -> bool:
    """A file a folder walk takes for an analytics log: ``*analytics*.jsonl``."""
    return name.endswith(".jsonl") and "analytics" in name.lower()


#: Folders a walk never enters (what no aider file is kept in, and can be huge).
_PRUNE = frozenset({".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache",
                    ".pytest_cache", ".ruff_cache", ".cache", "site-packages"})


def walk_folder(root: Path) -> tuple[list[str], list[str]]:
    """``(analytics logs, chat histories)`` under ``root``: files named
    ``*analytics*.jsonl``, the logs the ``.aider.conf.yml`` files there name, and every
    ``.aider.chat.history.md``; links to folders are not followed."""
    logs: list[str] = []
    histories: list[str] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in _PRUNE)
        for name in files:
            path = os.path.join(folder, name)
            if name == HISTORY_NAME:
                histories.append(path)
            elif is_analytics_name(name):
                logs.append(path)
            elif name == CONF_NAME:
                value = conf_value(Path(path))
                if value is not None:
                    logs += [str(p) for p in log_candidates(value, Path(folder), Path(folder)) if p.is_file()]
    return logs, histories


def transcripts(paths: list[Path]) -> list[str]:
    """Files to read for ``paths``: a file as it is (an analytics log, or a chat history:
    its content says which), a folder walked (:func:`walk_folder`); analytics logs
    first, each file once (resolved). Registers the analytics logs (and those the
    default configuration names) for the history's rule."""
    logs: list[str] = []
    histories: list[str] = []
    for p in paths:
        resolved = _resolve(str(p))
        if resolved is None:
            continue
        real = Path(resolved)
        try:
            if real.is_file():
                (histories if real.name.endswith(".md") else logs).append(str(real))
            elif real.is_dir():
                found_logs, found_histories = walk_folder(real)
                logs += found_logs
                histories += found_histories
        except OSError:
            continue
    out: list[str] = []
    for path in [*logs, *histories]:
        r = _resolve(path)
        if r is not None and r not in out and os.path.isfile(r):
            out.append(r)
    register_logs(r for r in out if not r.endswith(".md"))
    return out


def hook_paths(payload: Mapping[str, Any]) -> list[str]:  # noqa: ARG001 - aider calls no hook
    """aider has no hook system: ``tokenprint-hook aider`` has nothing to read."""
    return []


# -- settings --------------------------------------------------------------------------------

#: aider has no hooks: nothing to install, no scope.
SCOPES: tuple[str, ...] = ()
#: ``hooks status`` / ``hooks install`` say this instead of listing targets.
NO_HOOKS = "aider has no hook system; `tokenprint import aider` reads its analytics log and chat history"


def settings_path(scope: str, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
    """The ``.aider.conf.yml`` of a scope (``user``: home; ``project``: the current folder's);
    read for ``analytics-log``, never edited."""
    if scope == "user":
        return Path.home() / CONF_NAME
    if scope == "project":
        return (cwd or Path.cwd()) / CONF_NAME
    raise ValueError(f"unknown scope {scope!r}; aider has no hooks to install")


#: What ``tokenprint hooks install aider`` edits: nothing.
INSTALL: tuple[Any, ...] = ()
