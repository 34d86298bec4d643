"""Local days in SQL agree with zoneinfo for every instant, across DST changes."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.timeutil import (
    day_from_index,
    local_day_index_sql,
    offset_segments,
    parse_date,
    week_key,
)

LO = 1_672_531_200_000  # 2023-01-01
HI = 1_830_297_600_000  # 2028-01-01
ZONES = ["Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC", "Asia/Kathmandu"]


def sql_day(zone_name: str, ts_ms: int) -> str:
    zone = ZoneInfo(zone_name)
    expr = local_day_index_sql(offset_segments(zone, LO, HI))
    conn = sqlite3.connect(":memory:")
    idx = conn.execute(f"SELECT {expr} FROM (SELECT ? AS ts)", (ts_ms,)).fetchone()[0]
    return day_from_index(idx)


def py_day(zone_name: str, ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC).astimezone(ZoneInfo(zone_name)).date().isoformat()


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(ZONES), st.integers(min_value=LO, max_value=HI))
def test_sql_local_day_matches_zoneinfo(zone_name: str, ts_ms: int) -> None:
    assert sql_day(zone_name, ts_ms) == py_day(zone_name, ts_ms)


@pytest.mark.parametrize(
    ("ts", "expected"),
    [
        ("2026-03-29T00:59:59Z", "2026-03-29"),  # Paris: 01:59:59 CET
        ("2026-03-28T22:59:59Z", "2026-03-28"),  # 23:59:59 CET
        ("2026-03-28T23:00:00Z", "2026-03-29"),  # midnight CET
        ("2026-10-24T21:59:59Z", "2026-10-24"),  # 23:59:59 CEST
        ("2026-10-24T22:00:00Z", "2026-10-25"),  # midnight CEST
        ("2026-10-25T22:59:59Z", "2026-10-25"),  # 23:59:59 CET after the change
    ],
)
def test_days_around_paris_dst_changes(ts: str, expected: str) -> None:
    ms = int(datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp() * 1000)
    assert sql_day("Europe/Paris", ms) == expected


def test_dates_and_weeks() -> None:
    assert parse_date("20261102") == parse_date("2026-11-02") == date(2026, 11, 2)
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_date("02/11/2026")
    assert week_key("2026-01-01") == "2026-W01"
    assert week_key("2027-01-01") == "2026-W53"
