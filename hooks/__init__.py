"""Client adapters: read each client's logs and hook payloads into ledger events.

Standard library only at import: ``tokenprint-hook`` imports this package on
every turn of the user's client. One module per client (``hooks.claude_code``,
...) holds the pure function from the client's bytes to events; the shared
machinery around it is written once:

- ``hooks.tail``: incremental reading of append-only files (byte offsets, file
  identity, truncation, replacement and rewrites, unterminated last lines,
  chunking, regular files only);
- ``hooks.sync``: where positions and events go, in one transaction (stdlib
  ``sqlite3`` for the hook, SQLAlchemy through ``hooks.backfill`` for
  ``tokenprint import``); one bad file never stops the others;
- ``hooks.entry``: the ``tokenprint-hook`` process (never fails, never prints);
- ``hooks.installer``: reversible edits of a client's JSON settings file.
"""

#: Client name -> adapter module (imported lazily).
ADAPTERS: dict[str, str] = {
    "claude-code": "hooks.claude_code",
    "opencode": "hooks.opencode",
    "codex": "hooks.codex",
    "gemini-cli": "hooks.gemini_cli",
    "aider": "hooks.aider",
    "chatgpt-export": "hooks.chatgpt_export",
    "claude-export": "hooks.claude_export",
    "llm": "hooks.llm",
    "copilot": "hooks.copilot",
}


def clients() -> dict[str, str]:
    """Every client, built-in and from plugins (entry-point group ``tokenprint``):
    client -> adapter module, sorted by name. Loads the plugins (``hooks.plugins``):
    for commands that list or look up clients, never for the hook of a built-in client
    (which reads :data:`ADAPTERS` as it is)."""
    from hooks.plugins import clients as _clients

    return _clients()
