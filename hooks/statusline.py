"""The status line: today's footprint, this session's, and one everyday equivalent.

Standard library only (Claude Code runs the status line after every message):
stdlib ``sqlite3`` on the local ledger, two indexed sums, and the impact
methodology (``ledger.impact``, stdlib, data loaded lazily) when it is there;
tokens otherwise. Before reading, it takes in what is new in the session's
transcript (the same incremental read as the hook, with a short busy timeout),
so the session figure is current between Stop events.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ledger.units import count, qty
from ledger.vocab import COUNT_FIELDS

#: Most time the status line waits for a busy ledger before showing what it has.
BUSY_TIMEOUT_S = 0.1
#: Most time a wrapped (previous) status line command may take.
THEN_TIMEOUT_S = 3.0


def _sum_by_model(conn: sqlite3.Connection, where: str, args: tuple[Any, ...]) -> dict[str, dict[str, int]]:
    # TOTAL, not SUM: SQLite's SUM raises "integer overflow" past 2**63 - 1 (values
    # written before ledger.events' limits); see ledger.amounts.sum_sql
    cols = ", ".join(f"CAST(TOTAL({c}) AS INTEGER)" for c in COUNT_FIELDS)
    rows = conn.execute(
        f"SELECT model, client, {cols} FROM events WHERE {where} GROUP BY model, client", args
    ).fetchall()
    out: dict[str, dict[str, int]] = {}
    for model, client, *counts in rows:
        out[f"{model}\0{client}"] = dict(zip(COUNT_FIELDS, (int(c or 0) for c in counts), strict=True))
    return out


def _tokens(groups: dict[str, dict[str, int]]) -> int:
    return sum(sum(v for k, v in g.items() if k != "requests") for g in groups.values())


def _fmt_tokens(n: int) -> str:
    return f"{count(n)} tok"


def _fmt_g(g: float) -> str:
    """Two significant digits: the status line is one glance (``41 g``, ``3.2 g``, ``520 mg``)."""
    return qty(g, "g", digits=2)


def _impacts(groups: dict[str, dict[str, int]], settings: Any) -> tuple[float, float]:
    from ledger.impact import impacts_for

    co2e = water = 0.0
    for key, counts in groups.items():
        model, client = key.split("\0", 1)
        res = impacts_for(model, counts, settings, client)
        co2e += float(res["co2e_g"]["central"])
        water += float(res.get("water_ml", {}).get("central", 0.0))
    return co2e, water


def _today_ms(now: float) -> tuple[int, int]:
    """Today in the local zone, as UTC epoch milliseconds [start, end): an event
    dated later (a year-9999 instant, a clock far ahead) is not today's."""
    day = datetime.fromtimestamp(now).replace(hour=0, minute=0, second=0, microsecond=0)  # naive local
    midnight = day.astimezone()  # each midnight with its own UTC offset: a DST day is 23 or 25 h
    tomorrow = (day + timedelta(days=1)).astimezone()
    return int(midnight.timestamp() * 1000), int(tomorrow.timestamp() * 1000)


def catch_up(home: Path, payload: dict[str, Any]) -> None:
    """Ingest what is new in the session's transcript; never raises, never waits long."""
    try:
        from hooks import claude_code
        from hooks.sync import FastBackend, Syncer
        from ledger import fastpath
        from ledger.paths import ledger_path

        paths = claude_code.hook_paths(payload)
        if not paths:
            return
        conn = fastpath.open_ledger(ledger_path(home), timeout=BUSY_TIMEOUT_S)
        try:
            backend = FastBackend(conn)
            syncer = Syncer(backend, claude_code.CLIENT, claude_code.parse, max_bytes=8 << 20)
            positions = backend.load_positions(claude_code.CLIENT, paths)
            for path in paths:
                syncer.sync(path, positions.get(path))
            syncer.flush()
        finally:
            conn.close()
    except Exception:  # busy, corrupt or missing: show what the ledger has
        pass


def line(home: Path, payload: dict[str, Any], *, now: float | None = None) -> str:
    """The status line text (without the wrapped command's part)."""
    from ledger.paths import ledger_path

    db = ledger_path(home)
    if not db.exists():
        return "tokenprint: no data yet"
    now = time.time() if now is None else now
    start_ms, end_ms = _today_ms(now)
    from ledger.files import sqlite_read_uri

    conn = sqlite3.connect(sqlite_read_uri(db), uri=True, timeout=BUSY_TIMEOUT_S)
    try:
        today = _sum_by_model(conn, "ts >= ? AND ts < ?", (start_ms, end_ms))
        session_id = payload.get("session_id")
        session = (
            _sum_by_model(conn, "session = ?", (session_id,)) if isinstance(session_id, str) else {}
        )
    finally:
        conn.close()
    try:
        from ledger import config
        from ledger.equivalents import pick_equivalents
        from ledger.impact import Settings

        flat = config.load(home)
        settings = Settings.from_config(flat)
        t_co2, t_water = _impacts(today, settings)
        s_co2, _s_water = _impacts(session, settings)
    except Exception:  # no methodology (yet), or a broken config: tokens
        parts = [f"today {_fmt_tokens(_tokens(today))}"]
        if session:
            parts.append(f"session {_fmt_tokens(_tokens(session))}")
        return "🌍 " + " · ".join(parts)
    parts = [f"today {_fmt_g(t_co2)} CO2e"]
    if session:
        parts.append(f"session {_fmt_g(s_co2)}")
    try:
        eq = pick_equivalents(t_co2, None, str(flat.get("user.region") or "World"))
    except Exception:
        eq = []
    if eq:
        parts.append(f"≈ {eq[0]['label']}")
    return "🌍 " + " · ".join(parts)


def run_then(command: str, stdin: bytes) -> str:
    """The output of the previous status line command (first line), or '' on trouble."""
    try:
        proc = subprocess.run(
            command, shell=True, input=stdin, capture_output=True, timeout=THEN_TIMEOUT_S
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    text = proc.stdout.decode("utf-8", "replace").strip()
    return text.splitlines()[0] if text else ""


def render(home: Path, raw: bytes, then: str | None = None) -> str:
    """Everything the status line prints, from the raw stdin payload; never raises."""
    try:
        payload = json.loads(raw) if raw.strip() else {}
        if not isinstance(payload, dict):
            payload = {}
    except ValueError:
        payload = {}
    try:
        catch_up(home, payload)
        text = line(home, payload)
    except Exception as exc:
        text = f"tokenprint: {type(exc).__name__}"
    if then:
        other = run_then(then, raw)
        if other:
            text = f"{text} │ {other}"
    return text
