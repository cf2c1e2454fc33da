"""The wizard's form renderer: Django's own, with its commonest widget templates written in
Python (issue 16: rendering three what-if fields through the widget templates cost ~2 ms of a
result update, more than the sizing).

Each writer produces exactly what Django's template of the same name does from the same
widget context (``Widget.get_context``): the same attributes in the same order, the same
escaping, the same whitespace (tests/sizing/test_wizard_widgets.py compares every field of
the wizard's states with Django's templates). Any other template — radio buttons, error lists,
a template an app overrides — is rendered by Django as before.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any

import django.forms
from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest
from django.utils.safestring import SafeData

WIDGETS = "django/forms/widgets/"


def _e(value: Any) -> str:
    """The template's autoescape (``conditional_escape``) of a value."""
    return str(value) if isinstance(value, SafeData) else html.escape(str(value))


def _attrs(attrs: dict[str, Any]) -> str:
    """``attrs.html``: ` name="value"` each; True writes the name alone, False nothing."""
    return "".join(
        f" {_e(name)}" if value is True else f' {_e(name)}="{_e(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: dict[str, Any]) -> str:
    """``input.html`` (and the templates that only include it: text, hidden, number…)."""
    value = widget["value"]
    shown = "" if value is None else f' value="{_e(value)}"'
    start = f'<input type="{_e(widget["type"])}" name="{_e(widget["name"])}"'
    return f"{start}{shown}{_attrs(widget['attrs'])}>"


def _option(option: dict[str, Any]) -> str:
    """``select_option.html``, with its closing newline (an include keeps it)."""
    start = f'<option value="{_e(option["value"])}"{_attrs(option["attrs"])}>'
    return f"{start}{_e(option['label'])}</option>\n"


def _select(widget: dict[str, Any]) -> str | None:
    """``select.html``; None when an option has a template of its own."""
    out = [f'<select name="{_e(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{_e(group_name)}">')
        for option in group_choices:
            if option["template_name"] != WIDGETS + "select_option.html":
                return None
            out.append("\n  " + _option(option))
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


WRITERS: dict[str, Callable[[dict[str, Any]], str | None]] = {
    **{
        f"{WIDGETS}{name}.html": _input
        for name in ("input", "text", "hidden", "number", "search", "email", "url", "tel")
    },
    WIDGETS + "select.html": _select,
}


class WizardRenderer(DjangoTemplates):
    """Django's template form renderer; the widgets in ``WRITERS`` written in Python, unless
    an app overrides their template."""

    @cached_property
    def written(self) -> frozenset[str]:
        """The templates of ``WRITERS`` that resolve to Django's own files."""
        own = Path(django.forms.__file__).parent / "templates"
        return frozenset(
            name
            for name in WRITERS
            if Path(str(self.get_template(name).origin.name)).is_relative_to(own)
        )

    def render(
        self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None
    ) -> str:
        write = WRITERS.get(template_name)
        if write is not None and request is None and template_name in self.written:
            written = write(context["widget"])
            if written is not None:
                return written  # the templates' output is stripped; so is this
        return str(super().render(template_name, context, request))


WIZARD_RENDERER = WizardRenderer()
