"""Read a generated PDF back: text per page (pypdf), fonts, attachments."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader


def reader(data: bytes | Path) -> PdfReader:
    raw = data.read_bytes() if isinstance(data, Path) else data
    return PdfReader(io.BytesIO(raw))


def page_texts(data: bytes | Path) -> list[str]:
    return [page.extract_text() or "" for page in reader(data).pages]


def squash(text: str) -> str:
    """Text without whitespace: table cells may wrap or be spaced out by extraction."""
    return "".join(text.split())


def font_names(data: bytes | Path) -> set[str]:
    names = set()
    for page in reader(data).pages:
        fonts = (page.get("/Resources") or {}).get("/Font") or {}
        for ref in fonts.values():
            names.add(str(ref.get_object().get("/BaseFont")))
    return names
