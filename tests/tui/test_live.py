"""The open dashboard follows the ledger: a ``tokenprint log`` from another process
shows up within two seconds, without a key press."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from tests.conftest import run
from tests.tui.dash import make_app, wait_loaded, wait_until
from tui.data import tokens

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


async def test_logged_event_appears_without_input(dash_home: Path) -> None:
    app = make_app(dash_home, live=True, period="today")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        dash = app.dashboard
        before = tokens(dash.summary.current)
        loads = dash.loads_done
        proc = await asyncio.to_thread(
            run, "log", "--client", "manual", "--model", "claude-sonnet-4-5",
            "--timestamp", "2026-11-26T10:00:00Z", "--input", "1000", "--output", "234", "--id", "live-1",
        )
        assert proc.returncode == 0, proc.stderr
        t0 = time.monotonic()
        await wait_until(pilot, lambda: dash.loads_done > loads and not dash.busy, timeout=5)
        await wait_until(pilot, lambda: tokens(dash.summary.current) == before + 1234, timeout=2)
        assert time.monotonic() - t0 < 2.0
        assert "manual" in {r.name for r in dash.summary.breakdown["client"]}


async def test_first_hook_write_replaces_the_demo(home: Path) -> None:
    app = make_app(home, live=True, demo_events=1500)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        dash = app.dashboard
        assert dash.summary.demo and dash.query_one("#banner").display
        loads = dash.loads_done
        proc = await asyncio.to_thread(
            run, "log", "--model", "gpt-4o", "--timestamp", "2026-11-26T09:00:00Z", "--input", "42",
        )
        assert proc.returncode == 0, proc.stderr
        await wait_until(pilot, lambda: dash.loads_done > loads and not dash.busy, timeout=5)
        assert dash.summary.demo is False
        assert tokens(dash.summary.current) == 42
        assert dash.query_one("#banner").display is False
