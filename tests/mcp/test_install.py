"""``tokenprint mcp install|uninstall|status``, run as subprocesses on real files in the
clients' formats: byte-idempotent install, exact uninstall, foreign entries kept, a file
we do not understand refused and left untouched, and our MCP server beside our hooks in
the same Gemini CLI settings.json, in any order."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

import pytest

from tests.conftest import TOKENPRINT, run

OURS = [str(Path(TOKENPRINT).absolute()), "mcp"]


def user() -> Path:
    return Path(os.environ["HOME"])


def paths() -> dict[str, Path]:
    u = user()
    return {"claude-code": u / ".claude.json", "codex": u / ".codex" / "config.toml",
            "gemini-cli": u / ".gemini" / "settings.json"}


#: As Claude Code writes it: ``JSON.stringify(config, null, 2)``, no final newline; with
#: the API key a Console login leaves there (never to be copied into our backups).
CLAUDE_KEY = "sk-ant-api03-not-a-real-key"
CLAUDE_JSON = json.dumps({
    "numStartups": 7, "primaryApiKey": CLAUDE_KEY, "tipsHistory": {"mcp": 1},
    "mcpServers": {"github": {"type": "stdio", "command": "npx",
                              "args": ["-y", "@modelcontextprotocol/server-github"], "env": {}}},
    "projects": {},
}, indent=2)
CODEX_TOML = """\
# my Codex settings (kept by hand)
model = "gpt-5"   # the default

[mcp_servers.docs]
command = "docs-server"   # a server of mine
args = ["--port", "0"]

[tui]
# the footer
show_tooltips = false
"""
GEMINI_JSONC = """{
  // my Gemini settings
  "ui": { "theme": "GitHub" }, /* kept */
  "mcpServers": {
    "files": { "command": "files-mcp", "args": [] } // mine
  }
}
"""
ORIGINALS = {"claude-code": CLAUDE_JSON, "codex": CODEX_TOML, "gemini-cli": GEMINI_JSONC}


def write_originals() -> dict[str, bytes]:
    out = {}
    for client, path in paths().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(ORIGINALS[client])
        out[client] = path.read_bytes()
    return out


def tp(*args: str, code: int = 0) -> str:
    proc = run(*args)
    assert proc.returncode == code, (args, proc.stdout, proc.stderr)
    return proc.stdout + proc.stderr


def servers(client: str) -> dict[str, dict[str, object]]:
    path = paths()[client]
    if client == "codex":
        return tomllib.loads(path.read_text()).get("mcp_servers", {})  # type: ignore[no-any-return]
    from hooks.jsonc import strip_comments

    return json.loads(strip_comments(path.read_text())).get("mcpServers", {})  # type: ignore[no-any-return]


CLIENTS = ("claude-code", "codex", "gemini-cli")


def test_install_twice_is_byte_idempotent_and_uninstall_exact(home: Path) -> None:
    before = write_originals()
    out = tp("mcp", "install", *CLIENTS)
    assert out.count(": installed in ") == 3
    ours = OURS + ["--home", str(home)]
    for client in CLIENTS:
        got = servers(client)
        assert got["tokenprint"]["command"] == ours[0] and got["tokenprint"]["args"] == ours[1:]
        # the user's own server is still there
        assert set(got) == {"tokenprint", {"claude-code": "github", "codex": "docs", "gemini-cli": "files"}[client]}
    assert servers("claude-code")["tokenprint"] == {"type": "stdio", "command": ours[0], "args": ours[1:], "env": {}}
    assert set(servers("gemini-cli")["tokenprint"]) == {"command", "args"}
    # comments and formatting kept byte for byte around ours
    ours_toml = f'[mcp_servers.tokenprint]\ncommand = "{ours[0]}"\nargs = ["mcp", "--home", "{home}"]\n\n'
    assert paths()["codex"].read_text() == CODEX_TOML.replace("[tui]", ours_toml + "[tui]")
    gemini = paths()["gemini-cli"].read_text()
    assert "// my Gemini settings" in gemini and "/* kept */" in gemini and "// mine" in gemini
    installed = {c: p.read_bytes() for c, p in paths().items()}
    out = tp("mcp", "install", *CLIENTS)
    assert out.count(": already installed in ") == 3
    assert {c: p.read_bytes() for c, p in paths().items()} == installed
    status = json.loads(tp("mcp", "status", "--json"))
    assert {c: status[c]["user"]["installed"] for c in CLIENTS} == dict.fromkeys(CLIENTS, True)
    assert status["codex"]["user"]["commands"] == [" ".join(ours)]
    out = tp("mcp", "uninstall")
    assert out.count("restored the original content") == 2  # codex, gemini-cli: from the saved original
    assert "claude-code: removed our entries in ~/.claude.json" in out  # no copy kept: re-serialised
    assert {c: p.read_bytes() for c, p in paths().items()} == before
    # ~/.claude.json (and its API key) was never copied into our folder
    assert not any(CLAUDE_KEY.encode() in f.read_bytes() for f in home.rglob("*") if f.is_file())
    assert tp("mcp", "uninstall").count("nothing installed") == 3
    assert not any(json.loads(tp("mcp", "status", "--json"))[c]["user"]["installed"] for c in CLIENTS)


@pytest.mark.parametrize("text", ['{\n  "numStartups": 1\n}', '{\n  "numStartups": 1,\n  "mcpServers": {}\n}'])
def test_claude_json_without_copies_comes_back_exactly(home: Path, text: str) -> None:
    """No saved original for ~/.claude.json: what our install created (the mcpServers key)
    is remembered by name, and the uninstall gives the bytes back."""
    p = paths()["claude-code"]
    p.write_text(text)
    tp("mcp", "install", "claude-code")
    assert json.loads(p.read_text())["mcpServers"]["tokenprint"]["args"][0] == "mcp"
    assert "removed our entries" in tp("mcp", "uninstall", "claude-code")
    assert p.read_text() == text
    assert not (home / "backups").exists() or not any(
        f.name.endswith((".bak", ".original")) for f in (home / "backups").iterdir())


def test_install_into_no_file_and_uninstall_removes_it(home: Path) -> None:
    tp("mcp", "install", *CLIENTS)
    assert all(p.is_file() for p in paths().values())
    out = tp("mcp", "uninstall", *CLIENTS)
    assert out.count("removed the file we had created") == 3
    assert not any(p.exists() for p in paths().values())


def test_a_later_edit_by_the_client_is_kept_on_uninstall(home: Path) -> None:
    write_originals()
    tp("mcp", "install", *CLIENTS)
    p = paths()["claude-code"]  # Claude Code rewrites ~/.claude.json all the time
    data = json.loads(p.read_text())
    data["numStartups"] = 8
    p.write_text(json.dumps(data, indent=2) + "\n")
    c = paths()["codex"]
    c.write_text(c.read_text().replace('model = "gpt-5"', 'model = "o3"'))
    out = tp("mcp", "uninstall", "claude-code", "codex")
    assert "removed our entries" in out and "removed ours" in out
    assert p.read_text() == json.dumps({**json.loads(CLAUDE_JSON), "numStartups": 8}, indent=2) + "\n"
    assert c.read_text() == CODEX_TOML.replace('model = "gpt-5"', 'model = "o3"')


@pytest.mark.parametrize("client,text,problem", [
    ("claude-code", '{"mcpServers": {"a": 1,}}\n', "not valid JSON at line 1 column 24"),
    ("claude-code", '{"mcpServers": []}\n', '"mcpServers" is a JSON list, expected an object'),
    ("codex", 'model = "x"\n[mcp_servers\n', "not valid TOML at line 2"),
    ("codex", 'mcp_servers = "none"\n', "'mcp_servers' is not a table"),
    ("gemini-cli", '{\n  // mine\n  "mcpServers": {"a": {},},\n}\n', "not valid JSON with comments"),
])
def test_malformed_files_are_left_untouched(home: Path, client: str, text: str, problem: str) -> None:
    path = paths()[client]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    for action in ("install", "uninstall"):
        out = tp("mcp", action, client, code=2)
        assert str(path) in out and problem in out and "left untouched" in out, out
        assert path.read_text() == text
    status = json.loads(run("mcp", "status", client, "--json").stdout)
    assert problem in status[client]["user"]["problem"]


@pytest.mark.parametrize("client", CLIENTS)
def test_a_foreign_server_named_tokenprint_is_refused(home: Path, client: str) -> None:
    path = paths()[client]
    path.parent.mkdir(parents=True, exist_ok=True)
    if client == "codex":
        text = '[mcp_servers.tokenprint]\ncommand = "someone-else"\n'
    else:
        text = '{"mcpServers": {"tokenprint": {"command": "someone-else", "args": ["mcp"]}}}\n'
    path.write_text(text)
    out = tp("mcp", "install", client, code=2)
    assert "tokenprint did not write" in out and "left untouched" in out
    tp("mcp", "uninstall", client, code=2)
    assert path.read_text() == text


def test_gemini_hooks_and_mcp_share_the_file_in_any_order(home: Path) -> None:
    path = paths()["gemini-cli"]
    path.parent.mkdir(parents=True)
    path.write_text(GEMINI_JSONC)
    original = path.read_bytes()
    for first, second in ((("hooks",), ("mcp",)), (("mcp",), ("hooks",))):
        for what in (first, second):
            tp(*what, "install", "gemini-cli")
        text = path.read_text()
        assert "tokenprint-hook" in text and '"tokenprint": {' in text and "// mine" in text
        tp(*first, "uninstall", "gemini-cli")
        assert path.read_bytes() != original
        tp(*second, "uninstall", "gemini-cli")
        assert path.read_bytes() == original


def test_project_scope(home: Path, tmp_path: Path) -> None:
    proj = tmp_path / "proj"
    proj.mkdir()
    import subprocess

    def here(*args: str, code: int = 0) -> str:
        proc = subprocess.run([TOKENPRINT, *args], cwd=proj, capture_output=True, text=True, timeout=120)
        assert proc.returncode == code, proc.stderr
        return proc.stdout + proc.stderr

    out = here("mcp", "install", "claude-code", "gemini-cli", "--scope", "project")
    assert "usually committed" in out
    assert json.loads((proj / ".mcp.json").read_text())["mcpServers"]["tokenprint"]["args"][0] == "mcp"
    assert (proj / ".gemini" / "settings.json").is_file()
    assert "codex has no project scope" in here("mcp", "install", "codex", "--scope", "project", code=2)
    here("mcp", "uninstall", "claude-code", "gemini-cli", "--scope", "project")
    assert not (proj / ".mcp.json").exists() and not (proj / ".gemini" / "settings.json").exists()


def test_unknown_client(home: Path) -> None:
    out = tp("mcp", "install", "aider", code=2)
    assert "'aider' cannot run an MCP server tokenprint registers; available: claude-code, codex, gemini-cli" in out


def test_report_does_not_import_the_sdk(home: Path) -> None:
    import subprocess
    import sys

    code = ("import sys; from tui.cli import main\n"
            "try:\n    main(['report', '--json'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m == 'mcp' or m.startswith(('mcp.', 'mcp_types', 'starlette'))))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("order", [("notify", "mcp", "notify", "mcp"), ("notify", "mcp", "mcp", "notify"),
                                   ("mcp", "notify", "notify", "mcp"), ("mcp", "notify", "mcp", "notify")])
def test_codex_notify_and_mcp_share_config_toml(home: Path, order: tuple[str, ...]) -> None:
    """An old Codex gets ``notify`` in the same config.toml: both come and go in any order,
    and the user's bytes come back."""
    from hooks import codex

    notify = next(t for t in codex.INSTALL if t.kind == "notify")
    (server,) = codex.MCP_INSTALL
    path = paths()["codex"]
    path.parent.mkdir(parents=True)
    path.write_text(CODEX_TOML)
    targets = {"notify": (notify, ["/bin/tokenprint-hook", "codex"]), "mcp": (server, ["/bin/tokenprint", "mcp"])}
    for i, what in enumerate(order):
        t, argv = targets[what]
        if i < 2:
            assert t.install(home, "user", argv) == "installed"
        else:
            assert t.uninstall(home, "user") != "nothing installed"
    assert path.read_text() == CODEX_TOML
