"""The PDF of a training quote explains the training plan as the wizard does: the layout
chosen, where the step time goes, MFU and memory per GPU by part, with rule and source, in
words (no engine key)."""

from __future__ import annotations

import pytest

from apps.quotes import pdf, services
from apps.sizing.training_view import training_panel

from . import factories
from .pdftext import page_texts, squash
from .test_pdf_document import engine_keys

pytestmark = pytest.mark.django_db

TRAINING = {
    "kind": "pretraining",
    "model": "llama-2-70b",
    "gpu": "h100-nvl-94gb",
    "training": {"tokens": 2e12, "target_days": 60},
}


def test_the_pdf_explains_the_training_plan(
    book, sales_user, media_root, django_capture_on_commit_callbacks
) -> None:
    quote = factories.make_quote(sales_user, scenario=factories.make_scenario(sales_user, TRAINING))
    with django_capture_on_commit_callbacks(execute=False):
        quote, _ = services.quote_send(user=sales_user, quote=quote)
    raw = "\n".join(page_texts(pdf.render_quote(quote).data))  # one render for every check
    text = squash(raw)
    panel = training_panel(quote.sizing_result)
    assert panel is not None
    assert squash("Training plan") in text
    assert squash(panel["label"]) in text
    assert squash(f"Model FLOPs utilisation: {panel['mfu']}") in text
    assert squash(f"Step time: {panel['step_total']} s per optimizer step") in text
    for row in panel["step"]:
        assert squash(row["label"]) in text
    for row in panel["memory"]:
        assert squash(row["label"]) in text
    assert engine_keys(raw) == []
