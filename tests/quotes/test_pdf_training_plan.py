"""The PDF of a training quote explains the training plan as the wizard does: the layout
chosen, where the step time goes, MFU and memory per GPU by part, with rule and source, in
words (no engine key)."""

from __future__ import annotations

import pytest

from apps.sizing.training_view import training_panel

from .pdftext import squash
from .test_pdf_document import engine_keys

pytestmark = pytest.mark.django_db


def test_the_pdf_explains_the_training_plan(training_document) -> None:
    # The pre-training document (tests/quotes/conftest.py), rendered once per process: its
    # plain words are test_pdf_document's.
    quote, raw, text = training_document.quote, training_document.raw, training_document.text
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
