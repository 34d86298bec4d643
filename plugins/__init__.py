"""What tokenprint installs inside host clients.

``plugins/claude-code/`` is a Claude Code plugin (hooks calling
``tokenprint-hook`` and a ``/footprint`` command); the repository's
``.claude-plugin/marketplace.json`` lists it so that ``/plugin marketplace add``
works on this repository. Nothing here is imported by the hook.
"""
