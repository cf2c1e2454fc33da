"""PDF pages as images (poppler's pdftoppm) compared with approved baselines.

A page matches its baseline when the share of pixels whose grey level differs by more than
`LEVEL` (of 255) stays within `TOLERANCE`: anti-aliasing and a changed digit pass; a block
that moved, overlaps or vanished does not (a moved paragraph changes several per cent).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops

DPI = 50  # enough to see layout (a line of 9 pt text is ~6 px high); keeps baselines small
LEVEL = 64
TOLERANCE = 0.004  # 0.4 % of a page's pixels


def pdftoppm() -> str | None:
    return shutil.which("pdftoppm")


def page_images(data: bytes, dpi: int = DPI) -> list[Image.Image]:
    """Every page of the PDF rendered in grey at `dpi`, in order."""
    exe = pdftoppm()
    assert exe, "pdftoppm (poppler-utils) is needed"
    with tempfile.TemporaryDirectory(prefix="pdfpages-") as tmp:
        src = Path(tmp) / "doc.pdf"
        src.write_bytes(data)
        subprocess.run(  # noqa: S603 - fixed arguments, our own file
            [exe, "-r", str(dpi), "-gray", "-png", str(src), str(Path(tmp) / "page")],
            check=True,
            capture_output=True,
        )
        pages = sorted(Path(tmp).glob("page-*.png"))
        return [Image.open(p).convert("L").copy() for p in pages]


@dataclass(frozen=True)
class PageDiff:
    page: int
    changed: float  # share of the page's pixels that differ beyond LEVEL
    size_matches: bool

    @property
    def ok(self) -> bool:
        return self.size_matches and self.changed <= TOLERANCE


def diff(actual: Image.Image, baseline: Image.Image, page: int) -> tuple[PageDiff, Image.Image]:
    """How much of the page changed, and an image of where (changed pixels black)."""
    if actual.size != baseline.size:
        return PageDiff(page, 1.0, False), actual
    delta = ImageChops.difference(actual, baseline).point(lambda v: 255 if v > LEVEL else 0)
    histogram = delta.histogram()
    changed = histogram[255] / (actual.width * actual.height)
    return PageDiff(page, changed, True), ImageChops.invert(delta)


def save_pages(images: list[Image.Image], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("page-*.png"):
        old.unlink()
    for n, image in enumerate(images, start=1):
        image.save(folder / f"page-{n:02d}.png", optimize=True)


def load_pages(folder: Path) -> list[Image.Image]:
    return [Image.open(p).convert("L") for p in sorted(folder.glob("page-*.png"))]
