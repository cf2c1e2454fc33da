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
import xml.etree.ElementTree as ET
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser
from importlib.resources import files
from pathlib import Path

import cssselect2
import pydyf
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
# Selectors whose last part names no element (an attribute, `:is()` of elements) are tested
# against every element by the cascade (cssselect2 files the others by tag, class or id);
# these 14 of the sheet's 18 style only what the portal's templates never write (`dir`,
# `hidden`, `frame` and `rules` attributes, lists, `input`), so they go too.
UA_TRIMMED_RULES |= {
    ":is(colgroup, col, thead, tbody, tfoot, tr, td, th)[hidden] {": "",
    ":is(dir, dl, menu, ol, ul) :is(dir, dl, menu, ol, ul) {": "",
    "[dir=ltr i] :is(dir, menu, ol, ul) {": "",
    "[dir=rtl i] :is(dir, menu, ol, ul) {": "",
    "[dir] [dir=ltr i] :is(dir, menu, ol, ul) {": "",
    "[dir] [dir=rtl i] :is(dir, menu, ol, ul) {": "",
    "[dir] [dir] [dir=ltr i] :is(dir, menu, ol, ul) {": "",
    "[dir] [dir] [dir=rtl i] :is(dir, menu, ol, ul) {": "",
    ":is(dir, menu, ol, ul)[dir=ltr i][dir][dir] {": "",
    ":is(dir, menu, ol, ul)[dir=rtl i][dir][dir] {": "",
    "table:is([rules], [frame]):is(": "",
    "[dir=ltr i] {": "",
    "[dir=rtl i] {": "",
    ':is(input, input[value=""], input[type=checkbox i], input[type=radio i]) {': "",
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


VOID_ELEMENTS = frozenset("area base br col embed hr img input link meta source track wbr".split())


class DocumentTreeBuilder(HTMLParser):
    """The element tree of a document written by the portal's own templates, as WeasyPrint's
    HTML5 parser (tinyhtml5, pure Python: 77 ms of a Large render's ~1.7 s) builds it, in a
    quarter of its CPU (the standard library's tokenizer; the same PDF bytes). Enough of
    HTML5's tree construction for those templates: void elements, closing tags that close
    what they enclose, the `tbody` HTML5 puts around rows written directly in a table,
    whitespace outside `head` and `body` moved as HTML5 moves it, line ends normalised, NUL
    dropped. User text reaches the templates escaped, so it cannot add elements.
    `tests/quotes/test_pdf.py` checks whole documents and hostile text against tinyhtml5's."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = ET.Element("html")
        self.stack = [self.root]

    @classmethod
    def parse(cls, html: str) -> ET.Element:
        builder = cls()
        builder.feed(html.replace("\r\n", "\n").replace("\r", "\n").replace("\0", ""))
        builder.close()
        return builder.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.root.attrib.update(attributes)
            return
        parent = self.stack[-1]
        if tag == "tr" and parent.tag == "table":
            parent = ET.SubElement(parent, "tbody")
            self.stack.append(parent)
        element = ET.SubElement(parent, tag, attributes)
        if tag not in VOID_ELEMENTS:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_ELEMENTS and tag != "html":
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_ELEMENTS or tag not in {e.tag for e in self.stack[1:]}:
            return
        while self.stack.pop().tag != tag:
            pass

    def handle_data(self, data: str) -> None:
        parent = self.stack[-1]
        if parent is self.root:  # before <head> dropped, after </body> into the body
            if not len(parent):
                return
            if parent[-1].tag == "body":
                parent = parent[-1]
        if len(parent):
            parent[-1].tail = (parent[-1].tail or "") + data
        else:
            parent.text = (parent.text or "") + data


class PrintHTML(HTML):
    """WeasyPrint's HTML with the trimmed user-agent stylesheet (see `UA_TRIMMED_RULES`) and
    a whole document's tree built by `DocumentTreeBuilder` (then what `HTML.__init__` does
    with the tree tinyhtml5 builds: a document from a string, no `<base>`, print media). A
    fragment without `<body>` (only tests render those) goes through tinyhtml5, which adds
    the `html`, `head` and `body` elements it lacks."""

    def __init__(self, *, string: str, base_url: str, url_fetcher: URLFetcher) -> None:
        if "<body" not in string:
            super().__init__(string=string, base_url=base_url, url_fetcher=url_fetcher)
            return
        self.base_url = base_url
        self.url_fetcher = url_fetcher
        self.media_type = "print"
        self.wrapper_element = cssselect2.ElementWrapper.from_html_root(
            DocumentTreeBuilder.parse(string), content_language=None
        )
        self.etree_element = self.wrapper_element.etree_element

    def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
        return [_ua_stylesheet()]


# zlib's default level: pydyf deflates each stream at level 9, which on the Large document's
# 65 streams (pages' drawing, font subsets; 0.57 MB) costs 2.4 times level 6's CPU for 1.7 %
# smaller streams (88.5 vs 90.0 KB; 24 vs 10 ms a render).
FLATE_LEVEL = 6
_STREAM_END = b"\nendstream"


def deflate_streams(document: object, pdf: pydyf.PDF) -> None:
    """`write_pdf`'s finisher: deflate the PDF's compressible streams at `FLATE_LEVEL`
    (what pydyf does at level 9: the same decoded bytes, so the same pages), leaving them
    marked uncompressed so pydyf writes them as they are. The object stream and the
    cross-reference stream pydyf builds while writing keep its level 9."""
    for obj in pdf.objects:
        if not isinstance(obj, pydyf.Stream) or not obj.compress or "Filter" in obj.extra:
            continue
        # The stream's bytes as pydyf joins them: the body of an uncompressed copy.
        body = pydyf.Stream(obj.stream).data.partition(b"\nstream\n")[2]
        if not body.endswith(_STREAM_END):
            raise PdfRenderError("pydyf wrote a stream this module does not recognise")
        deflate = zlib.compressobj(level=FLATE_LEVEL)
        obj.stream = [deflate.compress(body[: -len(_STREAM_END)]) + deflate.flush()]
        obj.extra["Filter"] = "/FlateDecode"
        obj.compress = False


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
        data = document.write_pdf(finisher=deflate_streams)
    except FatalURLFetchingError as exc:
        blocked = fetcher.blocked[-1:]
        raise PdfRenderError(f"blocked a URL the document asked for: {blocked}") from exc
    return RenderedPdf(data=data, pages=len(document.pages), blocked_urls=list(fetcher.blocked))


def render_html(html: str, *, fetcher: PortalURLFetcher | None = None) -> RenderedPdf:
    """HTML → PDF with the bundled fonts, the print stylesheet and the deny-by-default fetcher.
    One render at a time per process (it shares the font configuration); the document is
    dropped when `_render` returns, before the young pass after the pause (collector.paused)."""
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
