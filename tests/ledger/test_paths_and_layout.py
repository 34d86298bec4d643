"""Where data lives, and the one-way arrows of the house (tui -> hooks -> ledger)."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import platformdirs
import pytest

from ledger.paths import default_home, resolve_home

ROOT = Path(__file__).resolve().parents[2]


def test_default_home_matches_platformdirs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOKENPRINT_HOME", raising=False)
    assert default_home() == Path(platformdirs.user_data_dir("tokenprint", appauthor=False))
    monkeypatch.setenv("XDG_DATA_HOME", "/tmp/xdg-elsewhere")
    assert default_home() == Path(platformdirs.user_data_dir("tokenprint", appauthor=False))


def test_home_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TOKENPRINT_HOME", str(tmp_path / "env"))
    assert resolve_home() == tmp_path / "env"
    assert resolve_home(tmp_path / "flag") == tmp_path / "flag"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module.split(".")[0])
    return out


@pytest.mark.parametrize(("folder", "forbidden"), [("ledger", {"tui", "hooks", "plugins"}), ("hooks", {"tui"})])
def test_arrows_point_one_way(folder: str, forbidden: set[str]) -> None:
    offenders = {
        str(p.relative_to(ROOT)): sorted(_imports(p) & forbidden)
        for p in (ROOT / folder).rglob("*.py")
        if _imports(p) & forbidden
    }
    assert offenders == {}


def test_no_engine_or_heavy_import_when_importing_ledger_basics() -> None:
    import subprocess
    import sys

    code = (
        "import sys, ledger, ledger.vocab, ledger.events, ledger.paths, ledger.schema, "
        "ledger.ingest, ledger.fastpath, ledger.timeutil, ledger.units\n"
        "heavy = [m for m in ('sqlalchemy', 'sqlmodel', 'pydantic', 'textual', 'click', 'rich', 'tomlkit') "
        "if m in sys.modules]\nprint(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.stdout.strip() == ""
