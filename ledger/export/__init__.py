"""``tokenprint export``: the summary a user forwards (Markdown, HTML, CSV, JSON).

``export_to_file`` is the one call the command line and the dashboard share.
"""

from __future__ import annotations

from ledger.export.api import FORMATS, export_to_file, render

__all__ = ["FORMATS", "export_to_file", "render"]
