"""Shared fixtures: an isolated ``$TOKENPRINT_HOME`` and ways to run the real commands."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

BIN = Path(sys.executable).parent
TOKENPRINT = shutil.which("tokenprint", path=str(BIN)) or "tokenprint"
TOKENPRINT_HOOK = shutil.which("tokenprint-hook", path=str(BIN)) or "tokenprint-hook"


@pytest.fixture(autouse=True)
def _isolated_clients(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs with the clients' homes (``$HOME``, ``$CODEX_HOME``,
    ``$GEMINI_CLI_HOME``, ``$XDG_CONFIG_HOME``, ``$XDG_DATA_HOME``) in a fresh folder of
    its own and without ``$CLAUDE_CONFIG_DIR``: ``hooks install`` with no client installs
    into every client found, and must never find (or edit) the real user's. A test that
    wants a client's files sets the variables itself."""
    from tests.clients_env import isolate_clients

    isolate_clients(tmp_path_factory.mktemp("clients"), monkeypatch)
    monkeypatch.delenv("CLAUDE_CONFIG_DIR", raising=False)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data folder, exported as ``$TOKENPRINT_HOME`` for in-process and child code."""
    h = tmp_path / "tp-home"
    h.mkdir()
    monkeypatch.setenv("TOKENPRINT_HOME", str(h))
    monkeypatch.delenv("TOKENPRINT_DATABASE_URL", raising=False)
    return h


def run(
    *args: str,
    input: str | bytes | None = None,
    env: dict[str, str] | None = None,
    exe: str = TOKENPRINT,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run a console script as a real subprocess (environment inherited + ``env``)."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    return subprocess.run(
        [exe, *args],
        input=input,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
    )


def run_json(*args: str, **kw: Any) -> Any:
    proc = run(*args, **kw)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


# -- PostgreSQL (a team ledger) -----------------------------------------------------------
#: The server ``.ci/run`` starts with ``.ci/postgres.sh``; tests that need it are skipped
#: with that reason when it is not set.
PG_URL = os.environ.get("TOKENPRINT_TEST_PG_URL", "")
needs_postgres = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="TOKENPRINT_TEST_PG_URL is not set (run .ci/postgres.sh)"),
]
LEDGER_TABLES = ("events", "sources", "schema_migrations")


def _drop_ledger_tables(url: str) -> None:
    from sqlalchemy import text

    from ledger.store import open_store

    store = open_store(url=url, migrate=False)
    try:
        with store.engine.begin() as conn:
            for t in LEDGER_TABLES:
                conn.execute(text(f"DROP TABLE IF EXISTS {t}"))
    finally:
        store.dispose()


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty ledger database on the test server, one database per test module
    (so modules never see each other's tables), emptied before and after each test."""
    from sqlalchemy import create_engine, text

    if not PG_URL:
        pytest.skip("TOKENPRINT_TEST_PG_URL is not set (run .ci/postgres.sh)")
    name = "tokenprint_t_" + request.module.__name__.rsplit(".", 1)[-1].lower()
    base = PG_URL.rpartition("/")[0]
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = f"{base}/{name}"
    _drop_ledger_tables(url)
    yield url
    _drop_ledger_tables(url)


@pytest.fixture
def pg(pg_url: str) -> Iterator[Any]:
    """A ``Store`` on the module's empty PostgreSQL ledger (see ``pg_url``)."""
    from ledger.store import open_store

    store = open_store(url=pg_url)
    yield store
    store.dispose()
