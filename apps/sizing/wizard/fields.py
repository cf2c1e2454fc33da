"""Django form fields built from the workload specification's inputs.

Number inputs are `type="text"` with an `inputmode` (the GOV.UK pattern): browsers neither
block letters silently nor validate before htmx sends, so every message comes from this form
(letters in numbers, limits in the field's own units) or from the engine. Each field carries
its unit (shown beside the input) and the specification input it stands for.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms

from apps.sizing.engine import spec

NUMBER_MESSAGES = {
    "invalid": "Enter a number, like 2000 (digits only, no letters).",
    "required": "Enter a number here.",
}
WHOLE_MESSAGES = {**NUMBER_MESSAGES, "invalid": "Enter a whole number, like 2000 (no letters)."}


class _Friendly:
    """Number fields that accept what people type: `2,000`, `2 000`, `1_000`."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = re.sub(r"[\s,_]", "", value)
        return super().to_python(value)  # type: ignore[misc]


class NumberField(_Friendly, forms.FloatField):
    pass


class WholeNumberField(_Friendly, forms.IntegerField):
    default_error_messages = {"invalid": WHOLE_MESSAGES["invalid"]}


def display_unit(i: spec.Input) -> str:
    """The unit people type the input in."""
    return i.display_unit or i.unit


def plain(value: Any) -> str:
    """A value as typed: whole numbers without a decimal point, other numbers exactly
    (``repr`` round-trips a float), text as is."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    x = float(value)
    if x.is_integer() and abs(x) < 1e16:
        return str(int(x))
    return repr(x)


def shown(i: spec.Input, value: Any) -> str:
    """An engine value as the wizard shows it (in the input's display unit)."""
    if value is None:
        return ""
    if i.type in ("number", "integer"):
        return plain(float(value) / i.display_scale)
    return str(value)


def number_field(
    label: str,
    help_text: str,
    *,
    whole: bool = False,
    required: bool = True,
    unit: str = "",
    placeholder: str = "",
) -> forms.Field:
    """A text input for a number, with the friendly messages and its unit."""
    cls: type[forms.Field] = WholeNumberField if whole else NumberField
    attrs: dict[str, Any] = {
        "inputmode": "numeric" if whole else "decimal",
        "autocomplete": "off",
        "size": 10,
    }
    if placeholder:
        attrs["placeholder"] = placeholder
    field = cls(
        label=label,
        help_text=help_text,
        required=required,
        error_messages=WHOLE_MESSAGES if whole else NUMBER_MESSAGES,
        widget=forms.TextInput(attrs=attrs),
    )
    field.unit = unit  # type: ignore[attr-defined]
    return field


def help_of(i: spec.Input, mode: str) -> str:
    """The input's help, with its default when it has one."""
    text = i.help
    if i.required == "size_mode" and mode == "capacity":
        text = (text + " " if text else "") + "Optional for a fixed node count."
    can_be_empty = i.type in ("number", "integer", "text") or i.group == "advanced"
    if can_be_empty and not i.required_in(mode) and i.default is None and i.default_note:
        text = (text + " " if text else "") + f"Empty: {i.default_note}."
    return text


def field_for(
    i: spec.Input, mode: str, options: list[tuple[str, str]] | None = None
) -> forms.Field:
    """The form field of one specification input."""
    required = i.required_in(mode)
    if i.type in ("number", "integer"):
        placeholder = f"{shown(i, i.default)}" if i.default is not None else ""
        field = number_field(
            i.label,
            help_of(i, mode),
            whole=i.type == "integer",
            required=required,
            unit=display_unit(i),
            placeholder=placeholder if i.group == "advanced" else "",
        )
    elif options is not None or i.type == "choice":
        choices = list(options or [])
        if not required and i.group == "advanced":
            default = f"Default ({i.default})" if i.default is not None else "Default"
            if i.default_note and i.default is None:
                default = f"Default: {i.default_note}"
            choices = [("", default), *choices]
        field = forms.ChoiceField(
            label=i.label, choices=choices, help_text=help_of(i, mode), required=required
        )
        field.unit = ""  # type: ignore[attr-defined]
    else:
        field = forms.CharField(
            label=i.label, help_text=help_of(i, mode), required=required, max_length=100
        )
        field.unit = ""  # type: ignore[attr-defined]
    field.spec = i  # type: ignore[attr-defined]
    return field
