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


#: The instants (UTC ms) over which a zone's UTC offsets are looked up: 1970-01-01
#: to 2100-01-01. Anything outside it (refused by ``ledger.events`` today, but an
#: older ledger may hold a year-1 or year-9999 instant) takes the offset at the
#: nearer edge, so a report never steps through millennia nor leaves the range
#: ``datetime`` can represent.
OFFSET_WINDOW_MS: tuple[int, int] = (0, 4_102_444_800_000)


def day_start_ms(day: date, zone: ZoneInfo) -> int:
    """The UTC instant (ms) of local midnight starting ``day``.

    Days at the ends of the calendar (0001-01-01, 9999-12-31), whose midnight is
    out of ``datetime``'s range in UTC, take the zone's offset at the nearer edge of
    :data:`OFFSET_WINDOW_MS`.
    """
    try:
        return int(datetime(day.year, day.month, day.day, tzinfo=zone).timestamp() * 1000)
    except (OverflowError, ValueError, OSError):
        edge = OFFSET_WINDOW_MS[0] if day.year < 1970 else OFFSET_WINDOW_MS[1]
        return (day - EPOCH_DAY).days * 86_400_000 - _offset_s(edge // 1000, zone) * 1000


def day_end_ms(day: date, zone: ZoneInfo) -> int:
    """The UTC instant (ms) just after local ``day`` ends: the next midnight (past
    9999-12-31, a day after its midnight)."""
    if day == date.max:
        return day_start_ms(day, zone) + 86_400_000
    return day_start_ms(day + timedelta(days=1), zone)


def _offset_s(ts_s: int, zone: ZoneInfo) -> int:
    lo, hi = OFFSET_WINDOW_MS
    ts_s = min(max(ts_s, lo // 1000 - 86400), hi // 1000 + 86400)
    off = datetime.fromtimestamp(ts_s, tz=UTC).astimezone(zone).utcoffset()
    return int(off.total_seconds()) if off is not None else 0


def offset_segments(zone: ZoneInfo, lo_ms: int, hi_ms: int) -> list[tuple[int, int]]:
    """``[(start_s, offset_s), ...]``: the zone's UTC offset from each start on.

    The first segment starts at -infinity (its start is ignored). Found by
    stepping a day at a time and bisecting each change to the second, within
    :data:`OFFSET_WINDOW_MS` (outside it, the offset at its edge).
    """
    w_lo, w_hi = OFFSET_WINDOW_MS
    lo_ms, hi_ms = min(max(lo_ms, w_lo), w_hi), min(max(hi_ms, w_lo), w_hi)
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


#: The first and last days a day index can name (``date``'s range).
_FIRST_INDEX = (date.min - EPOCH_DAY).days
_LAST_INDEX = (date.max - EPOCH_DAY).days


def day_from_index(index: int | float) -> str:
    """The ISO day of a local day index (days since 1970-01-01), clamped to
    0001-01-01 .. 9999-12-31 (an instant at the end of time plus a zone's offset
    can fall past them)."""
    i = min(max(int(index), _FIRST_INDEX), _LAST_INDEX)
    return (EPOCH_DAY + timedelta(days=i)).isoformat()


def week_key(day: str) -> str:
    y, w, _ = date.fromisoformat(day).isocalendar()
    return f"{y}-W{w:02d}"


def month_key(day: str) -> str:
    return day[:7]


def today_in(zone: ZoneInfo) -> date:
    return datetime.now(tz=zone).date()


def add_days(d: date, n: int) -> date:
    """``d`` moved by ``n`` days, saturated at 0001-01-01 and 9999-12-31."""
    try:
        return d + timedelta(days=n)
    except OverflowError:
        return date.max if n > 0 else date.min
