"""A usage event: the one fact the ledger stores, and its validation.

Standard library only: adapters (and the hook) build events without importing
SQLModel. An event holds counts and metadata, never prompt or response text.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ledger.vocab import COUNT_FIELDS, TOKEN_BUCKETS

_CLIENT_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


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
    """UTC epoch milliseconds as RFC 3339 with millisecond precision."""
    dt = datetime.fromtimestamp(ts_ms / 1000, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts_ms % 1000:03d}Z"


def now_ms() -> int:
    return int(datetime.now(tz=UTC).timestamp() * 1000)


def _count(item: Mapping[str, Any], name: str, where: str) -> int:
    value = item.get(name, None)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer() and value >= 0:
            return int(value)
        raise EventError(f"{where}: {name} must be a non-negative integer, got {value!r}")
    if value < 0:
        raise EventError(f"{where}: {name} must be a non-negative integer, got {value}")
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


def content_id(event: Event) -> str:
    """A deterministic id for an event that came without one.

    The same usage logged twice at the same instant is the same event, so a
    retried script cannot double count.
    """
    key = json.dumps(
        [event.client, event.model, event.ts_ms, event.session, event.project, event.counts()],
        sort_keys=True,
    )
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
            f"{where}: client must be a lowercase name such as 'manual' or 'claude-code', got {client!r}"
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
                f"{where}: timestamp {raw_ts!r} is not RFC 3339 (e.g. 2026-11-02T09:30:00Z)"
            ) from None
    counts = [_count(item, name, where) for name in TOKEN_BUCKETS]
    requests = _count(item, "requests", where) if "requests" in item else 1
    cost = item.get("cost_usd")
    if cost is not None and (isinstance(cost, bool) or not isinstance(cost, int | float) or cost < 0):
        raise EventError(f"{where}: cost_usd must be a non-negative number, got {cost!r}")
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
    event.event_id = event_id if event_id else content_id(event)
    return event
