"""A usage event: the one fact the ledger stores, and its validation.

Standard library only: adapters (and the hook) build events without importing
SQLModel. An event holds counts and metadata, never prompt or response text.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from dataclasses import fields as dataclass_fields
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from typing import Any

from ledger.vocab import COUNT_FIELDS, TOKEN_BUCKETS

_CLIENT_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")

# --- Limits at the door -------------------------------------------------------
# What cannot be real is refused before it reaches the ledger: by ``log`` (exit 2,
# the whole batch) and by adapters (the line is skipped and counted under the
# reason :func:`problem` gives). Reports stay robust anyway (sums that cannot
# overflow), since a ledger may hold values written before these limits.

#: Most tokens one API request can put in one bucket. The largest context
#: windows are about 2 million tokens (2025), and a request reads or writes at
#: most its context; 10**9 is 500 times that, so no real request comes near it,
#: while 2**63 / 10**9 is still 9 billion maximal requests before a 64-bit sum
#: could overflow.
MAX_TOKENS_PER_REQUEST: int = 10**9
#: Most API requests one event may group. A grouped event (``requests`` > 1)
#: may hold up to ``requests * MAX_TOKENS_PER_REQUEST`` tokens per bucket.
#: A million calls in one logged event is far beyond any real batch.
MAX_REQUESTS_PER_EVENT: int = 10**6
#: Most tokens any event may hold in one bucket (``MAX_REQUESTS_PER_EVENT``
#: maximal requests).
MAX_TOKENS_PER_EVENT: int = MAX_TOKENS_PER_REQUEST * MAX_REQUESTS_PER_EVENT
#: Most US dollars one request may cost. 10**9 tokens at the dearest list price
#: (about 600 USD per million output tokens, 2025) is 600,000 USD; a reported
#: cost above 10**6 USD per request, or one that is not a finite number, is refused.
MAX_COST_USD_PER_REQUEST: float = 1e6
#: The earliest instant an event may carry: 2015-01-01T00:00Z, before any LLM
#: API existed (OpenAI's first API opened in 2020).
EARLIEST: datetime = datetime(2015, 1, 1, tzinfo=UTC)
EARLIEST_MS: int = int(EARLIEST.timestamp() * 1000)
#: How far in the future an event may be, for clocks that disagree: the latest
#: instant accepted is ``now + LATEST_SKEW``, evaluated at validation time.
LATEST_SKEW: timedelta = timedelta(days=1)

#: Reason codes :func:`problem` returns (adapters count skipped lines under them).
BAD_COUNT = "bad-count"  # not a non-negative integer (float, bool, string, negative)
ABSURD_COUNT = "absurd-count"  # above MAX_TOKENS_PER_REQUEST / MAX_REQUESTS_PER_EVENT
BAD_INSTANT = "bad-instant"  # not an integer millisecond instant
FAR_INSTANT = "far-instant"  # before EARLIEST or after latest()
LONG_TEXT = "long-text"  # a stored string longer than MAX_TEXT_CHARS

#: Longest string an event may store in one field (model, project, session, id,
#: source...): PATH_MAX on Linux is 4,096 bytes, and no model id or session id
#: comes near it.
MAX_TEXT_CHARS: int = 4096


def latest(now: int | None = None) -> int:
    """The latest instant accepted, in UTC epoch milliseconds: ``now + LATEST_SKEW``."""
    base = now if now is not None else now_ms()
    return base + int(LATEST_SKEW.total_seconds() * 1000)


def count_problem(name: str, value: Any, requests: int = 1) -> str | None:
    """None if ``value`` is an acceptable ``name`` count (a bucket, or ``requests``)
    of an event grouping ``requests`` API calls; else a reason code."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return BAD_COUNT
    if name == "requests":
        return ABSURD_COUNT if value > MAX_REQUESTS_PER_EVENT else None
    allowed = MAX_TOKENS_PER_REQUEST * min(max(requests, 1), MAX_REQUESTS_PER_EVENT)
    return ABSURD_COUNT if value > allowed else None


def instant_problem(ts_ms: Any, now: int | None = None) -> str | None:
    """None if ``ts_ms`` (UTC epoch milliseconds) lies in [EARLIEST, latest()]; else a reason code."""
    if isinstance(ts_ms, bool) or not isinstance(ts_ms, int):
        return BAD_INSTANT
    if ts_ms < EARLIEST_MS or ts_ms > latest(now):
        return FAR_INSTANT
    return None


def problem(event: Event, now: int | None = None) -> str | None:
    """None if ``event`` can be real; else a short reason code (``absurd-count``,
    ``far-instant``, ``bad-count``, ``bad-instant``) an adapter counts a skip under.

    ``now`` (UTC epoch milliseconds, default the clock) sets the latest instant.
    """
    requests = event.requests
    reason = count_problem("requests", requests)
    if reason:
        return reason
    for name in TOKEN_BUCKETS:
        reason = count_problem(name, getattr(event, name), requests)
        if reason:
            return reason
    reason = instant_problem(event.ts_ms, now)
    if reason:
        return reason
    if _long_field(event):
        return LONG_TEXT
    return None


def _long_field(event: Event) -> str | None:
    for name in TEXT_FIELDS:
        value = getattr(event, name)
        if isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
            return name
    return None


#: The same check under the other name adapters may look for.
check_event = problem


def describe_problem(event: Event, now: int | None = None) -> str | None:
    """Like :func:`problem`, as a sentence naming the value and the limit (for ``log``)."""
    requests = event.requests
    fields = ("requests", *TOKEN_BUCKETS)
    for name in fields:
        value = getattr(event, name)
        reason: str | None = count_problem(name, value, requests if name != "requests" else 1)
        if reason == BAD_COUNT:
            return f"{name} must be a non-negative integer, got {_short_repr(value)}"
        if reason == ABSURD_COUNT:
            if name == "requests":
                return f"requests {value} is above the maximum of {MAX_REQUESTS_PER_EVENT:,} per event"
            return (
                f"{name} {_short_repr(value)} is above the maximum of {MAX_TOKENS_PER_REQUEST:,} "
                f"tokens per request (x {max(requests, 1)} request(s))"
            )
    reason = instant_problem(event.ts_ms, now)
    if reason == BAD_INSTANT:
        return f"timestamp must be an instant, got {_short_repr(event.ts_ms)}"
    if reason == FAR_INSTANT:
        return (
            f"timestamp {_instant_text(event.ts_ms)} is outside the accepted window "
            f"{format_ts(EARLIEST_MS)} .. now + {_skew_text()}"
        )
    long_name = _long_field(event)
    if long_name:
        return f"{long_name} is {len(getattr(event, long_name)):,} characters long, above the maximum of {MAX_TEXT_CHARS:,}"
    return None


def _skew_text() -> str:
    hours = int(LATEST_SKEW.total_seconds() // 3600)
    return "1 day" if hours == 24 else f"{hours} h"


def _short_repr(value: Any, limit: int = 40) -> str:
    """``repr(value)`` cut to ``limit`` characters (a 10**30 count stays one short line)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**24:
        # never str() it: past 4,300 digits Python refuses to
        digits = int(math.log10(abs(value) >> (abs(value).bit_length() - 64)) + (abs(value).bit_length() - 64) * math.log10(2))
        return f"about {'-' if value < 0 else ''}10**{digits}"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _instant_text(ts_ms: int) -> str:
    try:
        return format_ts(ts_ms)
    except (ValueError, OverflowError, OSError):
        return f"{ts_ms} ms since 1970"


# --- Names stored neutralised ----------------------------------------------------
#: Characters never stored raw: C0 controls (U+0000-U+001F, tab and newline
#: included), DEL, C1 controls (U+0080-U+009F), and the bidirectional embedding,
#: override and isolate controls (U+202A-U+202E, U+2066-U+2069). Each is
#: *replaced* by ``?`` (the same mark ``ledger.names.terminal_safe`` shows), so a
#: neutralised name still shows that something was there and two names that differ
#: only by a control character stay distinguishable in most cases.
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
NEUTRAL_MARK = "?"


def neutralise(text: str) -> str:
    """``text`` with every control character (see ``_CONTROL_RE``) replaced by ``?``."""
    return _CONTROL_RE.sub(NEUTRAL_MARK, text)


#: The string fields of an event that are stored (``client`` is already a safe name).
TEXT_FIELDS: tuple[str, ...] = (
    "event_id",
    "model",
    "provider",
    "session",
    "project",
    "source",
    "tokens_estimated",
)


def neutralised(event: Event) -> Event:
    """``event`` itself when no stored string holds a control character; else a
    copy with each such string passed through :func:`neutralise`."""
    # Fast path (every event of every writer comes through here, ~1 us instead of
    # ~4): every character ``_CONTROL_RE`` matches is one ``str.isprintable()``
    # refuses (C0, DEL and C1 are category Cc, the bidi controls Cf;
    # tests/ledger/test_write_fastpath.py checks all 74), so when the stored strings
    # joined are printable there is nothing to replace. A value that is not a
    # string (never stored as text here) makes the join raise: the exact loop below
    # decides. Non-printable is not "control" (a no-break space): the loop decides.
    try:
        if (
            event.client + event.event_id + event.model + (event.provider or "") + (event.session or "")
            + (event.project or "") + (event.source or "") + (event.tokens_estimated or "")
        ).isprintable():
            return event
    except TypeError:
        pass
    changes: dict[str, Any] = {}
    for name in (*TEXT_FIELDS, "client"):
        value = getattr(event, name)
        if isinstance(value, str) and _CONTROL_RE.search(value):
            changes[name] = neutralise(value)
    if not changes:
        return event
    return replace(event, **changes)


class EventError(ValueError):
    """An event that cannot be recorded; the message says what and where."""


@dataclass(slots=True)
class Event:
    """One API request (or a group of them, ``requests`` > 1) as the ledger keeps it.

    ``ts_ms`` is the UTC instant in milliseconds since the epoch. ``event_id`` is
    the client's own id (message id, turn id...), unique per ``client``.
    """

    client: str
    event_id: str
    model: str
    ts_ms: int
    provider: str | None = None
    session: str | None = None
    project: str | None = None
    input_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    requests: int = 1
    cost_usd: float | None = None
    source: str | None = None
    #: None when the client reported the counts; else how they were estimated
    #: (e.g. ``"tiktoken:cl100k_base"`` or ``"chars/4"``).
    tokens_estimated: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNT_FIELDS}

    def row(self) -> dict[str, Any]:
        """The column values for the ``events`` table."""
        return {
            "client": self.client,
            "event_id": self.event_id,
            "provider": self.provider,
            "model": self.model,
            "ts": self.ts_ms,
            "session": self.session,
            "project": self.project,
            "input_tokens": self.input_tokens,
            "cache_write_tokens": self.cache_write_tokens,
            "cache_read_tokens": self.cache_read_tokens,
            "output_tokens": self.output_tokens,
            "reasoning_tokens": self.reasoning_tokens,
            "requests": self.requests,
            "cost_usd": self.cost_usd,
            "source": self.source,
            "tokens_estimated": self.tokens_estimated,
        }


#: An event as a tuple of its fields, in ``Event``'s order (``Event(*row)`` rebuilds it):
#: how events cross a pipe between processes (a list of slotted dataclasses pickles
#: about ten times slower).
as_row = attrgetter(*(f.name for f in dataclass_fields(Event)))


def parse_timestamp(value: Any) -> int:
    """An RFC 3339 / ISO 8601 string (or epoch seconds) to UTC epoch milliseconds.

    A naive timestamp (no offset) is taken as UTC. Raises ``ValueError``.
    """
    if isinstance(value, bool):
        raise ValueError(f"not a timestamp: {value!r}")
    if isinstance(value, int | float):
        return int(round(float(value) * 1000))
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"not a timestamp: {value!r}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(round(dt.timestamp() * 1000))


def format_ts(ts_ms: int) -> str:
    """UTC epoch milliseconds as RFC 3339 with millisecond precision (saturated
    at 0001-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z)."""
    ts_ms = min(max(int(ts_ms), _FIRST_MS), _LAST_MS)
    dt = datetime.fromtimestamp(ts_ms // 1000, tz=UTC)
    return f"{dt.year:04d}-" + dt.strftime("%m-%dT%H:%M:%S.") + f"{ts_ms % 1000:03d}Z"


_FIRST_MS = -62_135_596_800_000  # 0001-01-01T00:00:00Z
_LAST_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z


def now_ms() -> int:
    return int(datetime.now(tz=UTC).timestamp() * 1000)


def _count(item: Mapping[str, Any], name: str, where: str) -> int:
    value = item.get(name, None)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer() and value >= 0:
            return int(value)  # 12.0 from a float-only JSON writer; 1e300 is refused as absurd
        raise EventError(f"{where}: {name} must be a non-negative integer, got {_short_repr(value)}")
    if value < 0:
        raise EventError(f"{where}: {name} must be a non-negative integer, got {_short_repr(value)}")
    return value


def _opt_str(item: Mapping[str, Any], name: str, where: str) -> str | None:
    value = item.get(name)
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise EventError(f"{where}: {name} must be a string, got {type(value).__name__}")
    return value or None


def _finite(value: int | float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


def content_id(event: Event) -> str:
    """A deterministic id for an event that came without one.

    The same usage logged twice at the same instant is the same event, so a
    retried script cannot double count.
    """
    key = json.dumps(
        [event.client, event.model, event.ts_ms, event.session, event.project, event.counts()],
        sort_keys=True,
    )
    import hashlib  # here: OpenSSL's 5 ms are not on the hook's or the import's path

    return "h:" + hashlib.sha256(key.encode()).hexdigest()[:32]


def event_from_json(
    item: Any, where: str, *, default_client: str = "manual", now: int | None = None
) -> Event:
    """Validate one object of the ``tokenprint log --json`` schema (interface.md).

    Unknown keys are ignored. Raises ``EventError`` naming ``where``.
    """
    if not isinstance(item, Mapping):
        raise EventError(f"{where}: expected a JSON object, got {type(item).__name__}")
    client = item.get("client", default_client)
    if not isinstance(client, str) or not _CLIENT_RE.match(client):
        raise EventError(
            f"{where}: client must be a lowercase name such as 'manual' or 'claude-code', got {_short_repr(client)}"
        )
    model = item.get("model")
    if not isinstance(model, str) or not model.strip():
        raise EventError(f"{where}: model is missing (give the model id, e.g. \"gpt-5-mini\")")
    raw_ts = item.get("timestamp")
    if raw_ts is None:
        ts_ms = now if now is not None else now_ms()
    else:
        try:
            ts_ms = parse_timestamp(raw_ts)
        except (ValueError, OverflowError, OSError):
            raise EventError(
                f"{where}: timestamp {_short_repr(raw_ts)} is not RFC 3339 (e.g. 2026-11-02T09:30:00Z)"
            ) from None
    counts = [_count(item, name, where) for name in TOKEN_BUCKETS]
    requests = _count(item, "requests", where) if "requests" in item else 1
    cost = item.get("cost_usd")
    if cost is not None and (
        isinstance(cost, bool) or not isinstance(cost, int | float) or not _finite(cost) or cost < 0
    ):
        raise EventError(f"{where}: cost_usd must be a non-negative number, got {_short_repr(cost)}")
    if cost is not None and cost > MAX_COST_USD_PER_REQUEST * min(max(requests, 1), MAX_REQUESTS_PER_EVENT):
        raise EventError(
            f"{where}: cost_usd {_short_repr(cost)} is above the maximum of "
            f"{MAX_COST_USD_PER_REQUEST:,.0f} USD per request (x {max(requests, 1)} request(s))"
        )
    event = Event(
        client=client,
        event_id="",
        model=model.strip(),
        ts_ms=ts_ms,
        provider=_opt_str(item, "provider", where),
        session=_opt_str(item, "session", where),
        project=_opt_str(item, "project", where),
        requests=requests,
        cost_usd=float(cost) if cost is not None else None,
        source="log",
    )
    for name, value in zip(TOKEN_BUCKETS, counts, strict=True):
        setattr(event, name, value)
    event_id = _opt_str(item, "id", where)
    if event_id:
        event.event_id = event_id
    reason = describe_problem(event, now)
    if reason:
        raise EventError(f"{where}: {reason}")
    event = neutralised(event)
    if not event_id:
        event.event_id = content_id(event)
    return event
