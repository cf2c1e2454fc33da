"""Every htmx attribute of the wizard, in one place.

The form itself (templates/sizing/partials/wizard.html) re-sizes on submit, change and typing
(debounced) and swaps `#result`. Controllers — fields that decide which other fields exist
(kind, model source, GPU, mode) — re-render the whole wizard instead; `consume` keeps their
events from also re-sizing through the form's own trigger. The library search swaps the model
options.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

CONTROLLER_FIELDS = ("kind", "model_source", "gpu", "mode")


def controller_attrs() -> dict[str, str]:
    return {
        "hx-get": reverse("sizing:wizard"),
        "hx-include": "#wizard-form",
        "hx-target": "#wizard",
        "hx-swap": "outerHTML",
        "hx-trigger": "change consume",
        "hx-push-url": "true",
        "hx-sync": "#wizard-form:replace",
    }


def search_attrs() -> dict[str, str]:
    return {
        "type": "search",
        "hx-get": reverse("sizing:model_options"),
        "hx-include": "#id_model",
        "hx-target": "#id_model",
        "hx-swap": "innerHTML",
        "hx-trigger": "input changed delay:250ms consume, change consume",
        "autocomplete": "off",
    }


def wire(fields: dict[str, Any]) -> None:
    """Add the htmx attributes to the form's fields that have them."""
    for name in CONTROLLER_FIELDS:
        if name in fields:
            fields[name].widget.attrs.update(controller_attrs())
    if "q" in fields:
        fields["q"].widget.attrs.update(search_attrs())
