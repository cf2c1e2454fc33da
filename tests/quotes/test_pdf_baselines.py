"""The PDF as a customer sees it: each page rendered to an image (pdftoppm) and compared
with its approved baseline in tests/quotes/baselines/<case>/ within a tolerance
(tests/quotes/pdfimages.py). A layout change that moves, overlaps or drops a block fails;
a changed digit or anti-aliasing does not.

The document is made deterministic: a fixed clock, names and quote number, and the sizing
result recorded from the engine in baselines/<case>/result.json (so an engine change does not
move the pictures; the engine's own numbers are checked by the golden tests). The quote is
made, priced and sent through the real services; WeasyPrint renders with the bundled fonts.

After an intended change to the document, look at the new pages and approve them with

    REFRESH_PDF_BASELINES=1 .venv/bin/python -m pytest tests/quotes/test_pdf_baselines.py

which records the engine's result again and rewrites the page images. On a mismatch the
pages rendered and a picture of the differences go to test-artifacts/pdf-baselines/<case>/.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime
from pathlib import Path
from unittest import mock

import pytest

from apps.core.exceptions import ApplicationError
from apps.quotes import pdf, services
from apps.quotes.models import Quote
from apps.sizing.models import Scenario
from tests.conftest import require_or_skip

from . import factories
from .pdfimages import diff, load_pages, page_images, pdftoppm, save_pages

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
BASELINES = Path(__file__).with_name("baselines")
ARTIFACTS = ROOT / "test-artifacts" / "pdf-baselines"
REFRESH = os.environ.get("REFRESH_PDF_BASELINES") == "1"
APPROVE = "REFRESH_PDF_BASELINES=1 .venv/bin/python -m pytest tests/quotes/test_pdf_baselines.py"
CLOCK = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
CASES = {
    "seed-large-inference": factories.LARGE_WORKLOAD,
    "pretraining": {
        "kind": "pretraining",
        "model": "llama-2-7b",
        "gpu": "h100-nvl-94gb",
        "training": {"tokens": 1e12, "target_days": 30},
    },
}


def _result(case: str, workload: dict) -> dict:
    path = BASELINES / case / "result.json"
    if REFRESH or not path.exists():
        require_or_skip(REFRESH, f"recorded result {path} (refresh the baselines)")
        path.parent.mkdir(parents=True, exist_ok=True)
        result = factories.sizing_result(workload)
        path.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    return json.loads(path.read_text())


def _document(case: str, workload: dict, user) -> bytes:
    result = _result(case, workload)
    with mock.patch("django.utils.timezone.now", return_value=CLOCK):
        scenario = Scenario.objects.create(
            organization=user.organization,
            owner=user,
            name=f"Baseline {case}",
            inputs=workload,
            result=result,
            engine_version=str(result.get("engine_version", "")),
        )
        try:
            quote = factories.make_quote(
                user,
                scenario=scenario,
                customer_company="Baseline Research GmbH",
                customer_contact="Ada Lovelace",
                customer_email="ada@example.com",
                valid_until=date(2026, 4, 1),
            )
        except ApplicationError as exc:  # the catalog changed under the recorded result
            pytest.fail(
                f"{case}: the recorded result no longer prices ({exc.field_errors}); {APPROVE}"
            )
        Quote.objects.filter(pk=quote.pk).update(number="Q-2026-00042")
        quote.refresh_from_db()
        quote, _ = services.quote_send(user=user, quote=quote)
        return pdf.render_quote(quote).data


@pytest.mark.parametrize("case", sorted(CASES))
def test_pdf_pages_match_their_baselines(
    case, book, seller, media_root, django_capture_on_commit_callbacks
) -> None:
    require_or_skip(pdftoppm() is not None, "pdftoppm (poppler-utils)")
    user = factories.make_user(seller, username="baseline-seller")
    user.first_name, user.last_name = "Sam", "Seller"
    user.save()
    with django_capture_on_commit_callbacks(execute=False):
        pages = page_images(_document(case, CASES[case], user))
    folder = BASELINES / case
    if REFRESH:
        save_pages(pages, folder)
    approved = load_pages(folder)
    assert approved, f"no baseline pages in {folder}: refresh them (see this module's docstring)"

    diffs = [diff(a, b, n) for n, (a, b) in enumerate(zip(pages, approved, strict=False), 1)]
    bad = [d for d, _ in diffs if not d.ok]
    if bad or len(pages) != len(approved):
        out = ARTIFACTS / case
        save_pages(pages, out)
        for d, picture in diffs:
            if not d.ok:
                picture.save(out / f"diff-{d.page:02d}.png")
    assert len(pages) == len(approved), (
        f"{case}: {len(pages)} pages, baseline has {len(approved)} (see {ARTIFACTS / case})"
    )
    assert not bad, f"{case}: pages differ from the baseline: " + ", ".join(
        f"page {d.page} {d.changed:.2%}" if d.size_matches else f"page {d.page} size" for d in bad
    )
