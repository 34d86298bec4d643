"""Dates, time zones and the SQL that turns a stored UTC instant into a local day.

Periods are computed in the report's time zone; instants are stored as UTC epoch
milliseconds. SQLite has no time-zone database, so the local day is computed as whole days
since the epoch of ``ts + offset``, the offset chosen by a ``CASE`` over the
zone's UTC-offset segments in the queried range (found with ``zoneinfo``). The
same integer SQL runs on SQLite and PostgreSQL and is tested across DST changes.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def parse_date(text: str) -> date:
    """``YYYY-MM-DD`` or ``YYYYMMDD``; raises ValueError with the accepted forms."""
    t = text.strip()
    try:
        if len(t) == 8 and t.isdigit():
            return date(int(t[:4]), int(t[4:6]), int(t[6:]))
        return date.fromisoformat(t)
    except ValueError:
        raise ValueError(f"{text!r} is not a date (use YYYY-MM-DD or YYYYMMDD)") from None


def local_zone_name() -> str:
    """The IANA name of the local zone: ``$TZ``, else /etc/localtime, else UTC."""
    env = os.environ.get("TZ", "").strip().lstrip(":")
    if env:
        try:
            ZoneInfo(env)
            return env
        except (ZoneInfoNotFoundError, ValueError):
            pass
    try:
        target = str(Path("/etc/localtime").resolve())
        if "zoneinfo/" in target:
            name = target.split("zoneinfo/", 1)[1]
            ZoneInfo(name)
            return name
    except (OSError, ZoneInfoNotFoundError, ValueError):
        pass
    return "UTC"


def get_zone(name: str | None) -> tuple[str, ZoneInfo]:
    zone_name = name or local_zone_name()
    try:
        return zone_name, ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {zone_name!r} (use an IANA name such as UTC or Europe/Paris)"
        ) from None


def day_start_ms(day: date, zone: ZoneInfo) -> int:
    """The UTC instant (ms) of local midnight starting ``day``."""
    return int(datetime(day.year, day.month, day.day, tzinfo=zone).timestamp() * 1000)


def _offset_s(ts_s: int, zone: ZoneInfo) -> int:
    off = datetime.fromtimestamp(ts_s, tz=UTC).astimezone(zone).utcoffset()
    return int(off.total_seconds()) if off is not None else 0


def offset_segments(zone: ZoneInfo, lo_ms: int, hi_ms: int) -> list[tuple[int, int]]:
    """``[(start_s, offset_s), ...]``: the zone's UTC offset from each start on.

    The first segment starts at -infinity (its start is ignored). Found by
    stepping a day at a time and bisecting each change to the second.
    """
    lo, hi = lo_ms // 1000 - 86400, hi_ms // 1000 + 86400
    segments = [(lo, _offset_s(lo, zone))]
    t = lo
    while t < hi:
        nxt = min(t + 86400, hi)
        if _offset_s(nxt, zone) != segments[-1][1]:
            a, b = t, nxt  # offset(a) == current, offset(b) differs
            while b - a > 1:
                mid = (a + b) // 2
                if _offset_s(mid, zone) == segments[-1][1]:
                    a = mid
                else:
                    b = mid
            segments.append((b, _offset_s(b, zone)))
        t = nxt
    return segments


def local_day_index_sql(segments: list[tuple[int, int]], column: str = "ts") -> str:
    """SQL for the local day as whole days since 1970-01-01 (any SQL dialect).

    Integer arithmetic only: much faster in SQLite than ``date()`` per row.
    """
    if len(segments) == 1:
        return f"(({column} + {segments[0][1] * 1000}) / 86400000)"
    cases = " ".join(
        f"WHEN {column} < {start * 1000} THEN {prev_off * 1000}"
        for (start, _), (_, prev_off) in zip(segments[1:], segments[:-1], strict=True)
    )
    return f"(({column} + CASE {cases} ELSE {segments[-1][1] * 1000} END) / 86400000)"


EPOCH_DAY = date(1970, 1, 1)


def day_from_index(index: int) -> str:
    return (EPOCH_DAY + timedelta(days=int(index))).isoformat()


def week_key(day: str) -> str:
    y, w, _ = date.fromisoformat(day).isocalendar()
    return f"{y}-W{w:02d}"


def month_key(day: str) -> str:
    return day[:7]


def today_in(zone: ZoneInfo) -> date:
    return datetime.now(tz=zone).date()


def add_days(d: date, n: int) -> date:
    return d + timedelta(days=n)
