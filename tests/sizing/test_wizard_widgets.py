"""The wizard's form is cheap per request (issue 16) without changing a byte of it: its fields
are built once per process and state, its commonest widgets written in Python. Both are checked
here against what Django builds and renders from scratch."""

from __future__ import annotations

from typing import Any

import pytest
from django.forms.renderers import DjangoTemplates
from django.http import QueryDict

from apps.sizing import adapters
from apps.sizing.wizard import WizardForm
from apps.sizing.wizard import form as wizard_form
from apps.sizing.wizard.widgets import WIZARD_RENDERER, WRITERS

from .conftest import SMALL

STATES: dict[str, dict[str, str]] = {
    "inference": SMALL,
    "capacity": {**SMALL, "mode": "capacity", "nodes": "2"},
    "auto-gpu": {**SMALL, "gpu": "auto", "fabric": "auto"},
    "pretraining": {"kind": "pretraining", "model": "llama-2-7b", "gpu": "h100-nvl-94gb"},
    "lora-capacity": {"kind": "lora", "model": "mixtral-8x7b", "mode": "capacity", "nodes": "1"},
    "custom": {"kind": "inference", "model_source": "custom", "gpu": "l40s-48gb"},
    "search": {**SMALL, "q": "qwen", "model": "mistral-7b"},
    "odd values": {
        **SMALL,
        "users": "<b>\"2,000\"</b> & 'x'",
        "a_goodput": "0.8",
        "a_mfu": "&amp;",
        "wi_nodes": "3",
        "wi_precision": "fp8",
        "serve_tp": "<script>",
    },
}


def _form(state: dict[str, str]) -> WizardForm:
    query = QueryDict(mutable=True)
    query.update(state)
    form = WizardForm.from_query(query, catalog=adapters.catalog_snapshot())
    form.is_valid()
    return form


def _page(form: WizardForm) -> dict[str, Any]:
    """Everything the templates read of each field: its widget's HTML, label, help, errors,
    choices and unit."""
    return {
        name: (
            str(form[name]),
            str(form[name].label),
            str(form[name].help_text),
            list(form[name].errors),
            list(getattr(field, "choices", ())),
            getattr(field, "unit", None),
            field.required,
        )
        for name, field in form.fields.items()
    }


@pytest.mark.parametrize("state", STATES.values(), ids=STATES.keys())
def test_the_wizard_renderer_writes_what_djangos_templates_do(catalog, state):
    form = _form(state)
    assert form.renderer is WIZARD_RENDERER
    ours = {name: str(form[name]) for name in form.fields}
    form.renderer = DjangoTemplates()
    theirs = {name: str(form[name]) for name in form.fields}
    assert ours == theirs
    written = [n for n, f in form.fields.items() if f.widget.template_name in WRITERS]
    assert len(written) >= 10  # text inputs and selects: what the writers are for


def test_the_writers_serve_only_djangos_own_templates():
    assert WIZARD_RENDERER.written == frozenset(WRITERS)


def test_fields_built_once_per_process_are_those_a_fresh_form_builds(catalog):
    kept = {name: _page(_form(state)) for name, state in STATES.items()}
    for name, state in STATES.items():
        wizard_form._SHARED.clear()  # as if this were the process's first request
        assert _page(_form(state)) == kept[name], name


def test_a_request_never_changes_the_fields_of_another(catalog):
    l40s = _form({**SMALL, "precision": "bf16"})
    before = _page(l40s)
    h100 = _form({**SMALL, "gpu": "h100-nvl-94gb", "precision": "fp8", "users": "oops"})
    assert h100["precision"].field is not l40s["precision"].field  # its own options
    assert h100["users"].errors and not l40s["users"].errors
    assert _page(l40s) == before
