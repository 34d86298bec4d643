"""Import hygiene: the dashboard's computations and its command stay Textual-free
until the app itself is started, so ``tokenprint --help`` and the reports stay fast."""

from __future__ import annotations

import subprocess
import sys


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print('\\n'.join(sys.modules))"],
        capture_output=True, text=True, check=True,
    ).stdout
    return set(out.split())


def test_data_layer_and_command_do_not_import_textual() -> None:
    mods = _modules_after("import tui.data, tui.format, tui.shrink, tui.commands.dashboard, ledger.queries")
    assert not {m for m in mods if m == "textual" or m.startswith(("textual.", "textual_plotext", "plotext"))}


def test_report_command_does_not_load_the_dashboard() -> None:
    mods = _modules_after("from tui.cli import cli; cli.get_command(None, 'report')")
    assert "tui.app" not in mods and "textual" not in mods
