"""The HTML export in a real browser: headless Chromium (Debian's ``chromium``)
renders it to PNG and prints it to PDF, with no network and a throwaway profile.

Checks: the screenshot is not blank and shows the chart's colours; the PDF has the
expected pages (summary, breakdowns, methodology), A4, with each section on its
page. Skipped, with the reason, only where Chromium is not installed.
Debian packages: ``chromium`` (required), ``poppler-utils`` (pdfinfo, pdftotext:
used when present, else the PDF is parsed directly).
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from collections import Counter
from pathlib import Path

import pytest

from ledger.export.api import export_text
from ledger.export.html import PALETTE
from ledger.store import Store
from tests.ledger.export.conftest import GENERATED_AT, TZ
from tests.ledger.export.test_export import OCTOBER

CHROMIUM = next(
    (p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p), None
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (Debian: apt-get install -y chromium poppler-utils); "
    "the HTML export cannot be rendered",
)

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--disable-extensions",
    "--hide-scrollbars",
)


def chromium(tmp_path: Path, page: Path, *args: str) -> None:
    profile = tmp_path / "profile"
    env = dict(os.environ, HOME=str(tmp_path))  # no writes to the real home
    proc = subprocess.run(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
        capture_output=True, text=True, timeout=180, env=env,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]


# -- a tiny PNG decoder (8-bit greyscale, RGB, RGBA; no interlace) ---------------------------------
def png_pixels(data: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    height = depth = ctype = interlace = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert depth == 8 and interlace == 0 and ctype in (0, 2, 6), (depth, ctype, interlace)
    bpp = {0: 1, 2: 3, 6: 4}[ctype]
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    pixels: list[tuple[int, ...]] = []
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 0xFF
            elif f == 2:
                line[i] = (line[i] + b) & 0xFF
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        pixels += [tuple(line[x : x + 3]) if bpp >= 3 else (line[x],) * 3 for x in range(0, stride, bpp)]
        prev = line
    return width, height, pixels


def pdf_pages(pdf: Path) -> int:
    if shutil.which("pdfinfo"):
        out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, timeout=60).stdout
        return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))  # type: ignore[union-attr]
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf.read_bytes()))


def pdf_page_texts(pdf: Path, pages: int) -> list[str] | None:
    if not shutil.which("pdftotext"):
        return None
    texts = []
    for n in range(1, pages + 1):
        out = subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(pdf), "-"],
                             capture_output=True, text=True, timeout=60)
        texts.append(out.stdout)
    return texts


@pytest.fixture
def page(alice: Store, tmp_path: Path) -> Path:
    path = tmp_path / "october.html"
    path.write_text(export_text([("alice", alice)], "html", OCTOBER, tz=TZ, generated_at=GENERATED_AT),
                    encoding="utf-8")
    return path


def test_screenshot_is_not_blank(page: Path, tmp_path: Path) -> None:
    png = tmp_path / "shot.png"
    chromium(tmp_path, page, "--window-size=1000,1400", f"--screenshot={png}")
    width, height, pixels = png_pixels(png.read_bytes())
    assert (width, height) == (1000, 1400)
    colours = Counter(pixels)
    assert len(colours) > 50, "the page rendered with almost no colours: blank?"
    background, share = colours.most_common(1)[0][0], colours.most_common(1)[0][1] / len(pixels)
    assert share < 0.9, f"{share:.0%} of the page is {background}: blank?"
    dark = sum(n for (r, g, b), n in colours.items() if r + g + b < 200)
    assert dark > 2000, "no text drawn"
    bar = tuple(int(PALETTE[0][i : i + 2], 16) for i in (1, 3, 5))
    assert colours[bar] > 500, f"the chart's first colour {PALETTE[0]} is missing: SVG not drawn?"


#: Pages of the golden fixture's HTML: summary (1), breakdowns and what would shrink
#: it (2-3), methodology, sources and data quality (4-5). Changes with the golden files.
EXPECTED_PAGES = 5


def test_prints_to_a4_pages_with_each_section_on_a_new_page(page: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "out.pdf"
    chromium(tmp_path, page, "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    pages = pdf_pages(pdf)
    assert pages == EXPECTED_PAGES, f"expected {EXPECTED_PAGES} pages, got {pages}"
    sizes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert sizes and all(abs(float(w) - 595) < 2 and abs(float(h) - 842) < 2 for w, h in sizes), sizes
    texts = pdf_page_texts(pdf, pages)
    if texts is None:
        return
    assert all(t.strip() for t in texts), "an empty page"
    first_lines = [next(line.strip() for line in t.splitlines() if line.strip()) for t in texts]
    assert "October 2026" in texts[0] and "Day by day" in texts[0]  # the chart fits on the first page
    assert first_lines.count("By client") == 1 and first_lines.count("Methodology") == 1, first_lines
    breakdowns, method = first_lines.index("By client"), first_lines.index("Methodology")
    assert 0 < breakdowns < method
    assert "Data quality" in texts[-1]
