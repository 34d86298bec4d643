"""Dashboard fixtures: one fixed ledger written once per run, copied into each test's home."""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path

import pytest

from tests.tui.dash import install_ledger, write_fixture_ledger


@pytest.fixture(scope="session")
def ledger_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dash-ledger") / "ledger.db"
    write_fixture_ledger(path)
    return path


@pytest.fixture
def dash_home(home: Path, ledger_template: Path) -> Path:
    """A home with the fixed ledger as ``ledger.db``."""
    install_ledger(ledger_template, home)
    return home


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests in a fresh event loop (no pytest-asyncio needed)."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    args = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    asyncio.run(pyfuncitem.obj(**args))
    return True
