"""Documents the PDF tests read, each rendered once per test process (~1 s of CPU a render)
and kept by what goes into it: several tests then check the same real document, each for
what it is about (the acceptance block, a discount's approval, the serving plan, plain
words), as a customer would read that one document.

A kept document outlives its test's database rows: `quote` is the revision as it was
rendered (its fields and sizing result, no queries), `context` the document context it was
rendered from, `seen` what its build observed that its tests check (a server's requests).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from apps.quotes import pdf
from apps.quotes.document import document_context
from apps.quotes.models import Quote

from .pdftext import page_texts, squash


@dataclass(frozen=True)
class Document:
    quote: Quote
    rendered: pdf.RenderedPdf
    pages: list[str]
    context: dict[str, Any]
    seen: dict[str, Any] = field(default_factory=dict)

    @property
    def raw(self) -> str:
        """The text of every page."""
        return "\n".join(self.pages)

    @property
    def text(self) -> str:
        """The text without whitespace (`pdftext.squash`)."""
        return squash(self.raw)


def render(quote: Quote, *, fetcher: pdf.PortalURLFetcher | None = None) -> Document:
    """Render a quote's document (`pdf.render_quote`, what the worker runs) and read it back."""
    context = document_context(quote)
    rendered = pdf.render_quote(quote, fetcher=fetcher)
    return Document(quote, rendered, page_texts(rendered.data), context)


_KEPT: dict[str, Document] = {}


def once(key: str, build: Callable[[], Document]) -> Document:
    """The document `key` names, built (and rendered) by the first test that asks for it."""
    if key not in _KEPT:
        _KEPT[key] = build()
    return _KEPT[key]
