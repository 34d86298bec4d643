"""Render an export document in a format, to text or to a file."""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from ledger.export.gather import Range, resolve_range

#: Format name -> module with ``render(doc) -> str``, and the file suffix.
FORMATS: dict[str, str] = {"md": "md", "html": "html", "csv": "csv", "json": "json"}


def render(doc: dict[str, Any], fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (use {', '.join(FORMATS)})")
    module = importlib.import_module(f"ledger.export.{fmt}")
    return str(module.render(doc))


def export_text(
    stores: Sequence[tuple[str, Any]],
    fmt: str,
    rng: Range,
    settings: dict[str, Any] | None = None,
    tz: str | None = None,
    generated_at: str | None = None,
    demo: bool | None = None,
) -> str:
    from ledger.export.document import build_document

    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (use {', '.join(FORMATS)})")
    doc = build_document(stores, rng, tz=tz, settings=settings, generated_at=generated_at, demo=demo)
    return render(doc, fmt)


def default_name(rng: Range, fmt: str) -> str:
    return f"tokenprint-{rng.slug}.{FORMATS[fmt]}"


class MissingFolder(ValueError):
    """The folder to write into does not exist (it is never created with its parents)."""

    def __init__(self, folder: Path) -> None:
        super().__init__(f"folder {folder} does not exist (create it, or choose another -o)")
        self.folder = folder


PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def write_atomic(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (``ledger.files.atomic_open``), into a
    folder that must exist (raises :class:`MissingFolder`). The file is 0600
    whatever the umask (an export holds private usage data)."""
    from ledger.files import atomic_open

    if not path.parent.is_dir():
        raise MissingFolder(path.parent)
    with atomic_open(path, PRIVATE_FILE, text=True) as fh:
        fh.write(text)
    return path


def export_to_file(
    stores: Sequence[tuple[str, Any]],
    fmt: str,
    since: date | None,
    until: date | None,
    path: str | os.PathLike[str] | None,
    settings: dict[str, Any] | None,
    tz: str | None = None,
    private_folder: bool = False,
) -> Path:
    """Export ``since``..``until`` (inclusive local days in ``tz``) of ``stores``
    (``[(label, Store), ...]``) as ``fmt`` to ``path``; returns the file written.

    Both dates missing: the last complete month; ``since`` missing: from the first day
    with data; ``until`` missing: to today. ``path`` missing or a folder (existing, or
    new and without a suffix: it is created): a file named ``tokenprint-<period>.<fmt>``
    there (the current folder when missing).
    A folder created here is 0700 whatever the umask; with ``private_folder`` (the
    dashboard's ``<home>/exports/``) an existing one of ours is tightened to 0700 too.
    The file is 0600. Raises ``ValueError`` on a bad format or range.
    """
    from ledger.export.gather import last_complete_month, opened, query_first_day
    from ledger.timeutil import get_zone

    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (use {', '.join(FORMATS)})")

    def first_day() -> date | None:
        with opened(stores, 0, 0) as src:
            return query_first_day(src, get_zone(tz)[1])

    if since is None and until is None:
        rng = last_complete_month(tz)
    else:
        rng = resolve_range(since, until, tz, first_day=first_day)
    text = export_text(stores, fmt, rng, settings=settings, tz=tz)
    target = output_path(path, rng, fmt)
    if path is not None and target.parent == Path(path).expanduser() and not target.parent.exists():
        if not target.parent.parent.is_dir():
            raise MissingFolder(target.parent.parent)
        target.parent.mkdir(mode=PRIVATE_DIR)  # a new folder named by the caller (not its parents)
        os.chmod(target.parent, PRIVATE_DIR)
    elif private_folder and target.parent.is_dir():
        _tighten_dir(target.parent)
    return write_atomic(target, text)


def _tighten_dir(folder: Path) -> None:
    """``folder`` (one of ours) 0700 if it is looser; never someone else's."""
    try:
        st = folder.stat()
        if hasattr(os, "getuid") and st.st_uid != os.getuid():
            return
        if st.st_mode & 0o077:
            os.chmod(folder, PRIVATE_DIR)
    except OSError:
        pass  # a read-only mount: the write below says why


def output_path(path: str | os.PathLike[str] | None, rng: Range, fmt: str) -> Path:
    """The file to write: ``path``, or a file named after the period inside ``path``
    when it is a folder (an existing one, or a new path without a suffix), or in the
    current folder when ``path`` is missing."""
    target = Path(path).expanduser() if path is not None else Path.cwd()
    if target.is_dir() or (not target.exists() and not target.suffix):
        return target / default_name(rng, fmt)
    return target
