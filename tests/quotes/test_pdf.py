"""The reference-architecture PDF: content, bundled fonts, and the deny-by-default fetcher."""

from __future__ import annotations

import gc
import http.server
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
import tinyhtml5
from django.conf import settings as django_settings
from django.template.loader import render_to_string
from django.utils import timezone

from apps.quotes import money, pdf, services
from apps.quotes.document import document_context

from . import documents, factories
from .pdftext import font_names, page_texts, reader, squash

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(quote, sales_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        quote, _ = services.quote_send(user=sales_user, quote=quote)
    return quote


def test_document_holds_number_parts_total_and_sample_label_on_every_page(sent) -> None:
    """One render (~1 s of CPU) checked for its content, its table of contents, its fonts and
    its acceptance block before acceptance."""
    rendered = pdf.render_quote(sent)
    pages = page_texts(rendered.data)
    text = squash("\n".join(pages))
    assert rendered.pages == len(pages) >= 8
    assert squash(sent.number) in text and "rev.A" in text
    for item in sent.sizing_result["bom"]:
        if item.get("to_be_confirmed"):  # no sourced number: the placeholder is never shown
            assert item["part_number"] not in text and "tobeconfirmed" in text
        else:
            assert item["part_number"] in text, item["part_number"]
    assert squash(money.format_money(sent.total, sent.currency)) in text
    for i, page in enumerate(pages, start=1):
        assert "SAMPLEPRICEBOOK" in squash(page), f"page {i} lacks the sample label"
        assert f"Page{i}of{len(pages)}" in squash(page)
    for title in [
        "Executivesummary",
        "Sizingrationale",
        "Architecture",
        "Power,spaceandcooling",
        "Billofmaterials",
        "Totals",
        "Terms",
    ]:
        assert title in text
    # Running header: the quote reference on every page after the cover.
    assert all(squash(sent.number) in squash(p) for p in pages[1:])
    table_of_contents_points_at_real_pages(pages)
    fonts_are_the_bundled_ones(rendered.data)
    assert "Notyetaccepted" in text and "Signature" in text  # the acceptance block, blank


def table_of_contents_points_at_real_pages(pages: list[str]) -> None:
    toc = next(p for p in pages if "Contents" in p)
    line = next(ln for ln in toc.splitlines() if ln.startswith("Bill of materials"))
    target = int(line.rstrip().split(".")[-1].strip().split()[-1])
    assert "Bill of materials" in pages[target - 1]


def fonts_are_the_bundled_ones(data: bytes) -> None:
    # Only families declared by @font-face on static/fonts are embedded (Portal Sans/Mono for
    # the page, DejaVu Sans for the diagrams' own SVG text); a missing font would bring in
    # some other system family.
    names = {n.split("+", 1)[1] for n in font_names(data)}
    bundled = {"Portal-Sans", "Portal-Sans-Bold", "Portal-Mono", "DejaVu-Sans", "DejaVu-Sans-Bold"}
    assert names and names <= bundled, names


def test_a_quote_without_sample_prices_has_no_sample_label(payload_document) -> None:
    # The payload test's quote, priced without sample prices: one render for both tests.
    assert not payload_document.quote.is_sample
    assert "SAMPLEPRICEBOOK" not in payload_document.text
    assert "(SAMPLE)" not in payload_document.text


def test_document_context_lists_the_engines_explanations(sent) -> None:
    ctx = document_context(sent)
    engine = [  # the list-price cost figures are left to the document's own cost section
        e
        for e in sent.sizing_result.get("explanations") or []
        if not str(e.get("figure")).startswith("tco.")
    ]
    assert len(ctx["explanations"]) == len(engine) > 0
    assert ctx["sections"] and ctx["facility"]


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        type(self).hits.append(self.path)
        body = b"SECRET-FROM-THE-NETWORK"
        self.send_response(200)
        self.send_header("Content-Type", "image/svg+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[tuple[str, list[str]]]:
    _CountingHandler.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", _CountingHandler.hits
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def payload_document(book, sales_user, media_root, http_server, tmp_path_factory):
    """A quote without sample prices whose user text is markup that would read a local file
    or fetch from a server if it were not escaped; rendered once per process, with the
    requests the server got during the render."""

    def build() -> documents.Document:
        url, hits = http_server
        secret = tmp_path_factory.mktemp("payload") / "secret.txt"
        secret.write_text("TOP-SECRET-LOCAL-FILE")
        quote = factories.make_quote(
            sales_user,
            notes=_payload(url, secret),
            customer_company=f'Evil <img src="{url}/c.png"> Corp',
        )
        quote, _ = services.quote_send(user=sales_user, quote=quote)
        quote.is_sample = False
        document = documents.render(quote, fetcher=pdf.PortalURLFetcher())
        document.seen["server_hits"] = list(hits)
        return document

    return documents.once("payloads in user text, no sample prices", build)


def _payload(url: str, secret: Path) -> str:
    return (
        f'<img src="file:///etc/passwd"><img src="{url}/img.svg">'
        f'<link rel="attachment" href="file://{secret}"><link rel="attachment" href="{url}/a">'
        f'<style>@import url("{url}/x.css");</style>'
        f'<svg><image href="file://{secret}"/></svg><iframe src="file:///etc/shadow"></iframe>'
        f'<object data="{url}/o"></object>'
    )


def test_payloads_in_user_text_read_no_file_and_fetch_nothing(payload_document) -> None:
    rendered, text = payload_document.rendered, payload_document.raw
    assert payload_document.seen["server_hits"] == []  # no request during the render
    assert rendered.blocked_urls == []  # autoescaped: the renderer's fetcher never even asked
    assert "root:x:0:0" not in text and "TOP-SECRET" not in text and "SECRET-FROM" not in text
    pdf_reader = reader(rendered.data)
    assert not pdf_reader.attachments
    assert b"TOP-SECRET" not in rendered.data and b"root:x:0:0" not in rendered.data
    assert "Evil" in text  # the user's text is shown as text


def test_fetcher_denies_by_default(http_server, settings) -> None:
    url, hits = http_server
    fetcher = pdf.PortalURLFetcher()
    static = pdf.bundled_static_root()
    for denied in [
        "file:///etc/passwd",
        f"{url}/x",
        "https://example.com/x",
        "ftp://x/y",
        f"{(static / '..' / 'manage.py').as_uri()}",
        f"file://{static}/../config/settings/base.py",
        "gopher://x",
    ]:
        with pytest.raises(ValueError):
            fetcher.fetch(denied)
    assert hits == []
    font = fetcher.fetch((static / "fonts" / "DejaVuSans.ttf").as_uri())
    assert font.read()[:4] == b"\x00\x01\x00\x00"
    data = fetcher.fetch("data:text/plain;base64,aGVsbG8=")
    assert data.read() == b"hello"


def test_a_template_asking_for_a_url_fails_the_render(http_server) -> None:
    url, hits = http_server
    with pytest.raises(pdf.PdfRenderError):
        pdf.render_html(f'<p>x</p><img src="{url}/tracker.png">')
    with pytest.raises(pdf.PdfRenderError):
        pdf.render_html('<link rel="attachment" href="file:///etc/passwd"><p>x</p>')
    assert hits == []


def test_generated_at_is_recent(sent) -> None:
    assert (timezone.now() - document_context(sent)["generated_at"]).total_seconds() < 5


def test_print_user_agent_stylesheet_drops_only_the_unused_pseudo_element_rules() -> None:
    """The cascade no longer computes six pseudo-element styles per element (footnotes and
    notes the documents never have; list markers for `li` only) nor tests 14 selectors that
    style what the templates never write against every element: exactly those rules change."""
    from importlib.resources import files

    import weasyprint.css

    original = (files(weasyprint.css) / "html5_ua.css").read_text("utf-8").splitlines()
    trimmed = pdf.trimmed_ua_stylesheet_text().splitlines()
    changed = sorted(set(original) - set(trimmed))
    assert len(changed) == len(pdf.UA_TRIMMED_RULES) == 20
    assert all(line.startswith(tuple(pdf.UA_TRIMMED_RULES)) for line in changed)
    assert sorted(set(trimmed) - set(original)) == [
        "li::marker { font-variant-numeric: tabular-nums; white-space: pre; text-transform: none }"
    ]
    assert len(trimmed) == len(original)


def test_streams_are_deflated_at_the_finishers_level_to_the_bytes_pydyf_would_write() -> None:
    """`deflate_streams` (write_pdf's finisher): each compressible stream holds the deflate
    of what pydyf would have deflated at level 9, so a reader decodes the same drawing; a
    stream with a filter of its own and an uncompressed one are left alone."""
    import zlib

    import pydyf

    items = [b"BT", "/F1 9.5 Tf", 12.5, 3.0, pydyf.String("x"), b"ET"]
    drawing = pydyf.Stream(list(items), {"Type": "/XObject"}, compress=True)
    filtered = pydyf.Stream([b"\xff\xd8"], {"Filter": "/DCTDecode"}, compress=True)
    plain = pydyf.Stream([b"q Q"])
    document = pydyf.PDF()
    for stream in (drawing, filtered, plain):
        document.add_object(stream)

    pdf.deflate_streams(None, document)

    raw = pydyf.Stream(items).data.partition(b"\nstream\n")[2].removesuffix(b"\nendstream")
    assert raw == b"BT\n/F1 9.5 Tf\n12.5\n3\n(x)\nET"
    assert zlib.decompress(drawing.stream[0]) == raw
    assert (drawing.compress, drawing.extra) == (
        False,
        {"Type": "/XObject", "Filter": "/FlateDecode"},
    )
    assert (filtered.compress, filtered.stream, plain.stream) == (True, [b"\xff\xd8"], [b"q Q"])


def test_a_render_gives_the_garbage_collector_back_as_it_found_it() -> None:
    """`render_html` pauses the cyclic collector (its CPU, engine/collector.paused): a render,
    even one that fails, must leave it on when it was on, and off when it was off."""
    assert gc.isenabled()
    pdf.render_html("<p>x</p>")
    assert gc.isenabled()
    with pytest.raises(pdf.PdfRenderError):
        pdf.render_html('<link rel="attachment" href="file:///etc/passwd"><p>x</p>')
    assert gc.isenabled()
    gc.disable()
    try:
        pdf.render_html("<p>x</p>")
        assert not gc.isenabled()
    finally:
        gc.enable()


def _tree(element: ET.Element, depth: int = 0) -> list[tuple[object, ...]]:
    """Every element in document order with its depth, attributes, text and tail."""
    rows: list[tuple[object, ...]] = [
        (depth, element.tag, dict(element.attrib), element.text, element.tail)
    ]
    for child in element:
        rows += _tree(child, depth + 1)
    return rows


HOSTILE_TEXT = (
    'Line one\r\nline two\rline three\n\ttabbed <b>bold?</b> &amp; &lt;i&gt; "quoted" it\'s'
    " <!-- not a comment --> <table><tr><td>cell?</td></tr></table> </body></html> <p>"
)


@pytest.mark.parametrize("workload", ["inference", "pretraining"])
def test_the_render_parses_a_document_into_the_tree_html5_builds(
    workload, book, sales_user, media_root
) -> None:
    """`pdf.DocumentTreeBuilder` (the render's parser, `pdf.PrintHTML`) builds the tree
    tinyhtml5, WeasyPrint's HTML5 parser, builds from the same document: a whole document,
    inference or training, with markup, entities, CR LF and lone CRs in the user's text,
    rows written directly in tables (the `tbody` HTML5 adds), void elements and the
    whitespace after `</head>` and `</body>`."""
    scenario = factories.make_scenario(
        sales_user,
        None
        if workload == "inference"
        else {
            "kind": "pretraining",
            "model": "llama-2-7b",
            "gpu": "h100-nvl-94gb",
            "training": {"tokens": 1e12, "target_days": 30},
        },
    )
    quote = factories.make_quote(
        sales_user,
        scenario=scenario,
        notes=HOSTILE_TEXT,
        terms=HOSTILE_TEXT,
        customer_company="A & B <i>Corp</i>",
    )
    html = render_to_string(django_settings.QUOTES_PDF_TEMPLATE, document_context(quote))
    assert "\r\n" in html and '<table class="kv"><tr>' in html and "<col>" in html
    expected = tinyhtml5.parse(html, namespace_html_elements=False)
    assert _tree(pdf.DocumentTreeBuilder.parse(html)) == _tree(expected)
    # What the user-agent rules `pdf.UA_TRIMMED_RULES` drops would style: never written.
    elements = list(expected.iter())
    assert not {e.tag for e in elements} & {"dir", "dl", "menu", "ol", "ul", "input"}
    assert not {a for e in elements for a in e.attrib} & {"dir", "hidden", "frame", "rules"}


def test_the_render_parses_nul_and_stray_end_tags_as_html5_does() -> None:
    html = (
        "<!doctype html>\n<html lang=en>\n<head>\n<meta charset=utf-8>\n<title>a &amp; b</title>"
        '\n<style>p::after { content: "<b>" }</style>\n</head>\n<body>\n<p>x\x00y</span>z</p>'
        "\n<img src=data:, alt=''><br/>\n</body>\n</html>\n"
    )
    expected = tinyhtml5.parse(html, namespace_html_elements=False)
    assert _tree(pdf.DocumentTreeBuilder.parse(html)) == _tree(expected)
