"""docs/methodology.md states the version in force and every calibration case."""

from __future__ import annotations

from pathlib import Path

from ledger.impact import METHODOLOGY_VERSION
from ledger.impact.calibration import run_all

DOC = Path(__file__).resolve().parents[3] / "docs" / "methodology.md"


def test_methodology_doc_matches_the_code() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert f"version {METHODOLOGY_VERSION}" in text
    for r in run_all():
        assert r.name in text
        assert f"{r.ratio:.2f}" in text, f"{r.name}: regenerate the calibration table"
    for section in ("boundary", "Calibration", "EcoLogits", "Price cross-check", "Equivalents", "Settings"):
        assert section in text


def test_methodology_doc_lists_the_equivalents_in_force() -> None:
    """Every line of the equivalents table (factor, unit, source, year) is in the doc
    exactly as the data file gives it: a changed factor means a regenerated table."""
    from ledger.impact.describe import equivalents_md

    text = DOC.read_text(encoding="utf-8")
    for line in equivalents_md():
        assert line in text, f"docs/methodology.md section 13 is out of date: {line}"
