"""The only module that imports WeasyPrint: HTML (templates/quotes/pdf/) → PDF bytes.

Security: WeasyPrint's default fetcher follows `file://` and any network URL, so a payload in
user text could embed a local file or make the server fetch a URL. User text is autoescaped by
Django (the first defence), and `PortalURLFetcher` denies by default: only `data:` URLs and
files inside the project's bundled static directory are read; no network, no redirects; any
other URL stops the render (a template should never ask for one).
"""

from __future__ import annotations

import mimetypes
import threading
import urllib.request
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import weasyprint.css
from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.css.counters import CounterStyle
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from apps.sizing.engine.collector import paused

from .document import DiagramError, document_context
from .models import Quote

STYLESHEET = "quotes/pdf/styles.css"
_assets_lock = threading.Lock()
# WeasyPrint's HTML5 user-agent stylesheet styles six pseudo-elements of *every* element
# (`::marker`, `::footnote-call`, `::footnote-marker`, `::note-call`, `::note-marker`,
# `::note-callback`), so the cascade computes six extra styles per element: ~9,000 in the
# seed's Large document, a fifth of its render's CPU (bench/bench_pdf.py). The documents have
# no footnotes or notes, and only `li` elements are list items, so the print sheet keeps the
# marker rule for `li` and drops the note rules; nothing drawn changes (the PDF baselines).
UA_TRIMMED_RULES = {
    "::marker {": "li::marker {",
    "::footnote-call {": "",
    "::footnote-marker {": "",
    "::note-call {": "",
    "::note-marker {": "",
    "::note-callback {": "",
}


class PdfRenderError(Exception):
    """A render that cannot succeed by retrying (a denied URL, a broken diagram)."""


def bundled_static_root() -> Path:
    """The project's own static files (fonts, CSS): the only directory the renderer reads."""
    return Path(settings.BASE_DIR / "static").resolve()


class PortalURLFetcher(URLFetcher):
    """Deny by default: `data:` and bundled static files only; everything else raises.

    `blocked` keeps the refused URLs (for logs and tests)."""

    def __init__(self, allowed_root: Path | None = None) -> None:
        super().__init__(
            allow_redirects=False, fail_on_errors=True, allowed_protocols={"data", "file"}
        )
        self.allowed_root = (allowed_root or bundled_static_root()).resolve()
        self.blocked: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            request = urllib.request.Request(url)  # noqa: S310 - scheme checked: data: only
            with urllib.request.DataHandler().data_open(request) as resp:
                return URLFetcherResponse(
                    url, resp.read(), {"Content-Type": resp.headers.get_content_type()}
                )
        if scheme == "file":
            path = self._allowed_path(url)
            if path is not None:
                mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})
        self.blocked.append(url)
        raise ValueError(f"URL not allowed in documents: {url[:200]}")

    def _allowed_path(self, url: str) -> Path | None:
        raw = url.split("?", 1)[0].split("#", 1)[0]
        if not raw.startswith("file://"):
            return None
        path = Path(urllib.request.url2pathname(raw[len("file://") :])).resolve()
        if not path.is_relative_to(self.allowed_root) or not path.is_file():
            return None
        return path


@dataclass
class RenderedPdf:
    data: bytes
    pages: int
    blocked_urls: list[str] = field(default_factory=list)


def trimmed_ua_stylesheet_text() -> str:
    """WeasyPrint's own HTML5 user-agent stylesheet with `UA_TRIMMED_RULES` applied: each
    rule (a line of its own) must be found once, so a WeasyPrint upgrade that changes them
    fails loudly instead of styling the documents differently."""
    lines = (files(weasyprint.css) / "html5_ua.css").read_text("utf-8").splitlines()
    for start, replacement in UA_TRIMMED_RULES.items():
        found = [i for i, line in enumerate(lines) if line.startswith(start)]
        if len(found) != 1:
            raise PdfRenderError(f"WeasyPrint's stylesheet has {len(found)} rules {start!r}")
        i = found[0]
        lines[i] = replacement + lines[i][len(start) :] if replacement else ""
    return "\n".join(lines)


@lru_cache(maxsize=1)
def _ua_stylesheet() -> CSS:
    return CSS(string=trimmed_ua_stylesheet_text(), counter_style=CounterStyle())


class PrintHTML(HTML):
    """WeasyPrint's HTML with the trimmed user-agent stylesheet (see `UA_TRIMMED_RULES`)."""

    def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
        return [_ua_stylesheet()]


@lru_cache(maxsize=1)
def _print_assets() -> tuple[FontConfiguration, CSS]:
    """The bundled fonts and the print stylesheet, loaded once per process (parsing the
    stylesheet and registering @font-face fonts costs a few hundred ms per render otherwise).
    Its fetcher, like every other, reads bundled static files only."""
    font_config = FontConfiguration()
    css = CSS(
        string=render_to_string(STYLESHEET),
        base_url=bundled_static_root().as_uri() + "/",
        url_fetcher=PortalURLFetcher(),
        font_config=font_config,
    )
    return font_config, css


def _render(html: str, fetcher: PortalURLFetcher) -> RenderedPdf:
    font_config, css = _print_assets()
    base_url = bundled_static_root().as_uri() + "/"
    try:
        document = PrintHTML(string=html, base_url=base_url, url_fetcher=fetcher).render(
            font_config=font_config, stylesheets=[css]
        )
        data = document.write_pdf()
    except FatalURLFetchingError as exc:
        blocked = fetcher.blocked[-1:]
        raise PdfRenderError(f"blocked a URL the document asked for: {blocked}") from exc
    return RenderedPdf(data=data, pages=len(document.pages), blocked_urls=list(fetcher.blocked))


def render_html(html: str, *, fetcher: PortalURLFetcher | None = None) -> RenderedPdf:
    """HTML → PDF with the bundled fonts, the print stylesheet and the deny-by-default fetcher.
    One render at a time per process (it shares the font configuration); the document is
    dropped when `_render` returns, before the collection that ends the pause (collector.paused)."""
    # The collector paused (engine/collector.py): a render allocates a few hundred thousand
    # container objects (boxes, computed styles, Pango wrappers); on, it ran ~145 young and ~13
    # middle-generation passes per Large document, ~0.17 s of its CPU; the one pass after it
    # (the document already dropped) frees the ~64,000 objects left in cycles for ~0.03 s;
    # peak RSS 167 -> 185 MB (bench/bench_pdf.py, 16 and 512 nodes).
    with _assets_lock, paused():
        return _render(html, fetcher or PortalURLFetcher())


def render_quote(quote: Quote, *, fetcher: PortalURLFetcher | None = None) -> RenderedPdf:
    """The reference-architecture document of one quote revision."""
    try:
        context = document_context(quote)
    except DiagramError as exc:
        raise PdfRenderError(str(exc)) from exc
    return render_html(render_to_string(settings.QUOTES_PDF_TEMPLATE, context), fetcher=fetcher)
