"""Credentials never surface: ``ledger.redact`` masks passwords in URLs and error texts."""

from __future__ import annotations

import pytest

from ledger.redact import redact_text, redact_url


def test_issue_url_password_and_query_secrets_masked() -> None:
    got = redact_url("postgresql://tp:PW@host:5432/db?password=x&sslpassword=y&sslmode=require")
    assert got == "postgresql://tp:***@host:5432/db?password=***&sslpassword=***&sslmode=require"


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://tp:PW@127.0.0.1:1/x",
        "postgresql+psycopg://tp:PW@h/x",
        "postgresql://tp:p%40PW@h/x",
        "postgresql://tp:p@PW@h/x",
        "postgresql://h/x?user=tp&password=PW",
        "host=h user=tp password=PW dbname=x",
        "host=h password='PW with space'",
    ],
)
def test_no_password_left(url: str) -> None:
    assert "PW" not in redact_url(url)
    assert "PW" not in redact_text(f"connection failed: {url} (more)")


def test_plain_paths_and_urls_unchanged() -> None:
    assert redact_url("/home/me/.local/share/tokenprint/ledger.db") == (
        "/home/me/.local/share/tokenprint/ledger.db"
    )
    assert redact_url("postgresql://tp@host/db") == "postgresql://tp@host/db"
    assert redact_text("no secret here: a=b") == "no secret here: a=b"


def test_error_text_from_a_driver() -> None:
    msg = (
        '(psycopg.OperationalError) connection to server at "127.0.0.1", port 1 failed\n'
        "(Background on this error at: https://sqlalche.me/e/20/e3q8) "
        "url=postgresql+psycopg://tp:PW@127.0.0.1:1/x?password=PW2"
    )
    out = redact_text(msg)
    assert "PW" not in out
    assert "https://sqlalche.me/e/20/e3q8" in out
    assert "tp:***@127.0.0.1:1/x" in out
