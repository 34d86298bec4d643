"""What tokenprint installs inside host clients.

``plugins/claude-code/`` is a Claude Code plugin (hooks running the stdlib
``tokenprint-hook`` and a ``/footprint`` command); the repository's
``.claude-plugin/marketplace.json`` lists it so that ``/plugin marketplace add``
works on this repository (its git URL or a local path). Claude Code copies that
folder alone into its plugin cache, following symbolic links: the folder links
to ``hooks/``, ``ledger/``, ``tui/``, ``pyproject.toml`` and ``README.md``, so the
copy runs the hook with a bare ``python3`` and is itself installable
(``pipx install "<copy>"``). In the wheel only the plugin's own files ship here
(``pyproject.toml`` excludes the links). Nothing here is imported by the hook.
"""
