"""``tokenprint doctor [--json]``: is the ledger safe, and is every client feeding it?

Prints one line per check (``ok``, ``info`` or ``action``) and, for each problem,
one line saying what to do; exits 1 when something needs action, 0 otherwise.
``--json`` prints one object: ``{"ok": bool, "needs_action": int, "checks":
[{"check", "status", "message", "fix", "details"}]}``.
"""

from __future__ import annotations

import json

import click

from tui.common import common, ctx_obj


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (see the README).")
@common()
def doctor(as_json: bool) -> None:
    """Check the ledger (integrity, schema, modes), every client's hooks and read
    positions, the spool, disk space and backups; exit 1 when something needs action."""
    from hooks.doctor import client_findings
    from ledger.doctor import ACTION, ledger_findings
    from ledger.names import terminal_safe

    home = ctx_obj().home_path()
    findings = ledger_findings(home) + client_findings(home)
    needs = [f for f in findings if f.status == ACTION]
    if as_json:
        click.echo(json.dumps({"ok": not needs, "needs_action": len(needs), "home": str(home),
                               "checks": [f.to_json() for f in findings]}, indent=1, default=str))
    else:
        for f in findings:
            click.echo(f"{f.status:6} {terminal_safe(f.message, newline=' ')}")
            if f.status == ACTION and f.fix:
                click.echo(f"       fix: {terminal_safe(f.fix, newline=' ')}")
        click.echo("needs action: " + str(len(needs)) if needs else "all good")
    raise SystemExit(1 if needs else 0)
